"""Inventory balances."""
from flask import g, request

from ...inventory.queries import inventory_report
from . import bp


@bp.get("/inventory")
def get_inventory():
    """Balances per SKU and bucket, with available = on_hand - reserved."""
    return {"inventory": inventory_report(
        g.api_user, sku=request.args.get("sku"), warehouse=request.args.get("warehouse")
    )}
