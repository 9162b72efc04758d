"""Inventory balances, and the reconciliation report over a period."""
from flask import Response, g, request

from ...inventory.queries import inventory_report
from ..reconciliation import report_csv, report_json, requested_report
from . import bp


@bp.get("/inventory")
def get_inventory():
    """Balances per SKU and bucket, with available = on_hand - reserved."""
    return {"inventory": inventory_report(
        g.api_user, sku=request.args.get("sku"), warehouse=request.args.get("warehouse")
    )}


@bp.get("/reports/reconciliation")
def reconciliation_report():
    """Per warehouse, seller and SKU over ?from=&to= (dates or times; to defaults to now),
    each bucket's beginning, in and out by reason, ending, and whether they balance.
    ?format=csv answers CSV. Sellers see their own stock."""
    rows = requested_report(g.api_user)
    if request.args.get("format") == "csv":
        return Response(report_csv(rows), mimetype="text/csv")
    return report_json(rows)
