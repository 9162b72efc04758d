"""Inventory: the movement ledger, balances, reconciliation."""
from .ledger import post_movements

__all__ = ["post_movements"]
