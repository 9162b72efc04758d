"""The seller's stock after the dock: the reconciliation report per SKU, and every
adjustment and quarantine exit of their stock."""
from flask import Response, request, url_for
from flask_login import current_user

from ...errors import InvalidInput
from ...inventory.adjustments import list_adjustments
from ..decorators import requires
from ..htmx import render
from ..reconciliation import local_time, report_csv, requested_report
from . import bp


@bp.get("/stock")
@requires("seller")
def stock():
    """Beginning + in - out = ending per SKU and bucket for ?from=&to=&sku=, and the
    adjustments and quarantine exits of the seller's stock."""
    try:
        rows, error = requested_report(current_user, seller=current_user.seller.code), None
    except InvalidInput as refused:
        rows, error = [], refused
    args = request.args.to_dict()
    return render("seller/stock.html", "_reconciliation.html", 422 if error else 200,
                  rows=rows, error=error, args=args, local_time=local_time,
                  csv_url=url_for("seller.reconciliation_csv", **args),
                  adjustments=list_adjustments(current_user, limit=200))


@bp.get("/stock/reconciliation.csv")
@requires("seller")
def reconciliation_csv():
    """The seller's reconciliation report as CSV, one row per SKU and bucket."""
    rows = requested_report(current_user, seller=current_user.seller.code)
    return Response(report_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=reconciliation.csv"})
