"""The reconciliation report on the review desk: per seller and SKU, beginning + in - out =
ending for each bucket, and the same figures as CSV."""
from flask import Response, request, url_for
from flask_login import current_user

from ...errors import InvalidInput
from ..decorators import requires
from ..htmx import render
from ..reconciliation import local_time, report_csv, requested_report
from . import bp


@bp.get("/reports/reconciliation")
@requires("review")
def reconciliation():
    """The report for ?from=&to=&seller=&sku= (the last 30 days up to now by default)."""
    try:
        rows, error = requested_report(current_user), None
    except InvalidInput as refused:
        rows, error = [], refused
    args = request.args.to_dict()
    return render("review/reconciliation.html", "_reconciliation.html", 422 if error else 200,
                  rows=rows, error=error, args=args, local_time=local_time,
                  csv_url=url_for("review.reconciliation_csv", **args))


@bp.get("/reports/reconciliation.csv")
@requires("review")
def reconciliation_csv():
    """The same report as CSV, one row per seller, SKU and bucket."""
    return Response(report_csv(requested_report(current_user)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=reconciliation.csv"})
