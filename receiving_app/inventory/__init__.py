"""Inventory: the movement ledger, balances, reconciliation."""
from .ledger import balances_for, post_movement, post_movements

__all__ = ["balances_for", "post_movement", "post_movements"]
