"""The dock-to-stock report: a table, a chart, and the same figures as CSV."""
from flask import Response, request
from flask_login import current_user

from ...errors import InvalidInput
from ...models import utcnow
from ...receiving.reports import Period, dock_to_stock, parse_period, report_csv
from ..decorators import requires
from ..htmx import render
from . import bp
from .charts import hours_chart


def _period() -> Period:
    return parse_period(request.args.get("from"), request.args.get("to"),
                        today=utcnow().date())


@bp.get("/reports/dock-to-stock")
@requires("review")
def dock_to_stock_report():
    """Dock-to-stock for ?from=&to= (ISO dates, the last 30 days by default)."""
    try:
        period = _period()
    except InvalidInput as error:
        return render("review/report.html", "review/_report.html", 422, report=None,
                      error=error, chart=None, first=request.args.get("from", ""),
                      last=request.args.get("to", ""))
    report = dock_to_stock(current_user, period)
    return render("review/report.html", "review/_report.html", report=report, error=None,
                  chart=hours_chart(report.sellers), first=period.first.isoformat(),
                  last=period.last.isoformat())


@bp.get("/reports/dock-to-stock.csv")
@requires("review")
def dock_to_stock_csv():
    """The same figures as CSV, one row per warehouse and per seller."""
    period = _period()
    filename = f"dock-to-stock-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(report_csv(dock_to_stock(current_user, period)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
