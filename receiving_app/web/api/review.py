"""The review desk's reports over the API: the same figures as the supervisor's pages."""
from flask import Response, g, request

from ...models import utcnow
from ...receiving.reports import (
    DockToStock, DockToStockReport, dock_to_stock, parse_period, report_csv,
)
from . import bp, require_action


@bp.get("/reports/dock-to-stock")
def dock_to_stock_report():
    """Dock-to-stock per warehouse and per seller for ?from=&to= (ISO dates, the warehouse's
    own calendar days; the last 30 days by default). ?format=csv answers CSV."""
    require_action("review")
    period = parse_period(request.args.get("from"), request.args.get("to"),
                         today=utcnow().date())
    report = dock_to_stock(g.api_user, period)
    if request.args.get("format") == "csv":
        return Response(report_csv(report), mimetype="text/csv")
    return report_json(report)


def report_json(report: DockToStockReport) -> dict:
    return {
        "from": report.period.first.isoformat(),
        "to": report.period.last.isoformat(),
        "warehouses": [dict(warehouse=row.code, **_figures(row)) for row in report.warehouses],
        "sellers": [dict(seller=row.code, **_figures(row)) for row in report.sellers],
    }


def _figures(row: DockToStock) -> dict:
    return {
        "name": row.name,
        "asns_closed": row.asns_closed,
        "median_hours": _round(row.median_hours, 2),
        "p90_hours": _round(row.p90_hours, 2),
        "breached": row.breached,
        "breach_rate": _round(row.breach_rate, 4),
        "cartons": row.cartons,
        "exceptions": row.exceptions,
        "exceptions_per_100_cartons": _round(row.exceptions_per_100_cartons, 2),
        "exceptions_by_kind": {
            kind.value: {"count": count, "per_100_cartons": _round(row.per_100_cartons(count), 2)}
            for kind, count in sorted(row.exceptions_by_kind.items()) if count
        },
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
