"""Dock-to-stock: how long receipts take from arrival to close, per warehouse and per seller.

For the ASNs closed in a period (the warehouse's own calendar days): how many, the median
and 90th percentile of hours from arrival to close (wall-clock hours, as the dock lives
them), the share closed after their SLA due time, and exceptions per 100 cartons, by kind.
"""
import csv
import io
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import Field

from ..access import scope_asns
from ..errors import InvalidInput
from ..extensions import db
from ..models import (
    Asn, AsnStatus, Carton, ExceptionKind, ReceivingException, Resolution, ResolutionKind,
    Seller, User, Warehouse,
)
from ..payloads import Payload, checked, day

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Period:
    """From the first to the last day, both included."""

    first: date
    last: date


# Days a report can be about: a decade back, and a year ahead (a period may end today).
REPORT_DAY = day(before=timedelta(days=3653), after=timedelta(days=366))


class PeriodIn(Payload):
    first: REPORT_DAY | None = Field(None, alias="from")
    last: REPORT_DAY | None = Field(None, alias="to")


def parse_period(first: str | None, last: str | None, *, today: date) -> Period:
    """The period of `?from=&to=` (ISO dates); the last 30 days when both are left out."""
    period = checked(PeriodIn, {"from": first or None, "to": last or None},
                     "The period has errors.", context={"today": today})
    end = period.last or today
    start = period.first or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start > end:
        raise InvalidInput("The period ends before it starts.",
                           [{"path": "to", "message": "on or after from"}])
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput("The period is too long.",
                           [{"path": "from", "message": f"at most {MAX_PERIOD_DAYS} days"}])
    return Period(start, end)


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` percentile by linear interpolation between the closest ranks
    (numpy's default, Excel's PERCENTILE.INC); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * fraction
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class DockToStock:
    """The figures of one warehouse or one seller over the period."""

    code: str
    name: str
    hours: list[float] = field(default_factory=list)
    breached: int = 0
    cartons: int = 0
    exceptions_by_kind: Counter = field(default_factory=Counter)

    @property
    def asns_closed(self) -> int:
        return len(self.hours)

    @property
    def median_hours(self) -> float | None:
        return percentile(self.hours, 0.5)

    @property
    def p90_hours(self) -> float | None:
        return percentile(self.hours, 0.9)

    @property
    def breach_rate(self) -> float | None:
        """The share of closed ASNs that closed after their SLA due time, 0 to 1."""
        return self.breached / self.asns_closed if self.asns_closed else None

    @property
    def exceptions(self) -> int:
        return sum(self.exceptions_by_kind.values())

    @property
    def exceptions_per_100_cartons(self) -> float | None:
        return self.per_100_cartons(self.exceptions)

    def per_100_cartons(self, count: int) -> float | None:
        return 100 * count / self.cartons if self.cartons else None

    def add(self, receipt: "_Receipt") -> None:
        self.hours.append(receipt.hours)
        self.breached += receipt.breached
        self.cartons += receipt.cartons
        self.exceptions_by_kind.update(receipt.exceptions)


@dataclass
class DockToStockReport:
    period: Period
    warehouses: list[DockToStock]
    sellers: list[DockToStock]

    @property
    def kinds(self) -> list[ExceptionKind]:
        """The exception kinds that occurred, in the order of the enum."""
        seen = set()
        for row in self.warehouses:
            seen.update(row.exceptions_by_kind)
        return [kind for kind in ExceptionKind if kind in seen]


@dataclass
class _Receipt:
    warehouse_id: int
    seller_id: int
    hours: float
    breached: bool
    cartons: int
    exceptions: Counter


def dock_to_stock(user: User, period: Period) -> DockToStockReport:
    """The dock-to-stock figures of the ASNs the user may see, closed within the period."""
    receipts = _receipts(user, period)
    warehouses = {w.id: w for w in db.session.scalars(sa.select(Warehouse))}
    sellers = {s.id: s for s in db.session.scalars(sa.select(Seller))}
    by_warehouse: dict[int, DockToStock] = {}
    by_seller: dict[int, DockToStock] = {}
    for receipt in receipts:
        warehouse = warehouses[receipt.warehouse_id]
        seller = sellers[receipt.seller_id]
        by_warehouse.setdefault(warehouse.id, DockToStock(warehouse.code, warehouse.name)) \
            .add(receipt)
        by_seller.setdefault(seller.id, DockToStock(seller.code, seller.name)).add(receipt)
    return DockToStockReport(period, _by_code(by_warehouse.values()),
                             _by_code(by_seller.values()))


def _by_code(rows: Iterable[DockToStock]) -> list[DockToStock]:
    return sorted(rows, key=lambda row: row.code)


def _receipts(user: User, period: Period) -> list[_Receipt]:
    # A day either side in UTC catches every time zone's calendar day; the exact cut is
    # made below in each warehouse's own zone.
    candidates = (
        scope_asns(sa.select(Asn.id), user)
        .where(Asn.status == AsnStatus.CLOSED, Asn.arrived_at.is_not(None),
               Asn.closed_at >= _utc_midnight(period.first - timedelta(days=1)),
               Asn.closed_at < _utc_midnight(period.last + timedelta(days=2)))
    )
    rows = db.session.execute(
        sa.select(Asn.id, Asn.warehouse_id, Asn.seller_id, Asn.arrived_at, Asn.closed_at,
                  Asn.sla_due_at, Warehouse.timezone)
        .join(Warehouse, Asn.warehouse_id == Warehouse.id)
        .where(Asn.id.in_(candidates.scalar_subquery())))
    cartons = _cartons_per_asn(candidates)
    exceptions = _exceptions_per_asn(candidates)
    receipts = []
    for asn_id, warehouse_id, seller_id, arrived, closed, due, zone in rows:
        if not period.first <= closed.astimezone(ZoneInfo(zone)).date() <= period.last:
            continue
        receipts.append(_Receipt(
            warehouse_id, seller_id, (closed - arrived).total_seconds() / 3600,
            due is not None and closed > due, cartons.get(asn_id, 0),
            exceptions.get(asn_id, Counter())))
    return receipts


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def _cartons_per_asn(candidates: sa.Select) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(Carton.asn_id, sa.func.count(Carton.id))
        .where(Carton.asn_id.in_(candidates.scalar_subquery())).group_by(Carton.asn_id)).all())


def _exceptions_per_asn(candidates: sa.Select) -> dict[int, Counter]:
    """Exceptions per ASN and kind, leaving out those raised in error (last decision:
    reject): they say nothing about what arrived."""
    last = (sa.select(sa.func.max(Resolution.id).label("id"))
            .group_by(Resolution.exception_id).subquery())
    rejected = (sa.select(Resolution.exception_id).join(last, Resolution.id == last.c.id)
                .where(Resolution.resolution == ResolutionKind.REJECT))
    rows = db.session.execute(
        sa.select(ReceivingException.asn_id, ReceivingException.kind,
                  sa.func.count(ReceivingException.id))
        .where(ReceivingException.asn_id.in_(candidates.scalar_subquery()),
               ReceivingException.id.not_in(rejected))
        .group_by(ReceivingException.asn_id, ReceivingException.kind))
    result: dict[int, Counter] = {}
    for asn_id, kind, count in rows:
        result.setdefault(asn_id, Counter())[kind] = count
    return result


CSV_COLUMNS = ["from", "to", "group", "code", "name", "asns_closed", "median_hours", "p90_hours",
               "breach_rate", "cartons", "exceptions", "exceptions_per_100_cartons"]


def report_csv(report: DockToStockReport) -> str:
    """The report as CSV: one row per warehouse, then per seller, each with the period; a
    column per exception kind (per 100 cartons). Empty cells where there is nothing to measure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + [f"{kind.value}_per_100_cartons" for kind in ExceptionKind])
    period = [report.period.first.isoformat(), report.period.last.isoformat()]
    for group, rows in (("warehouse", report.warehouses), ("seller", report.sellers)):
        for row in rows:
            writer.writerow(period + [
                group, row.code, row.name, row.asns_closed, _cell(row.median_hours),
                _cell(row.p90_hours), _cell(row.breach_rate, 4), row.cartons, row.exceptions,
                _cell(row.exceptions_per_100_cartons),
            ] + [_cell(row.per_100_cartons(row.exceptions_by_kind[kind]))
                 for kind in ExceptionKind])
    return out.getvalue()


def _cell(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"
