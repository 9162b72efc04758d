"""The reconciliation report: per warehouse, seller and SKU over a period, for each bucket,
the units at the beginning, what came in and went out by reason, and the ending, so that
`ending = beginning + in - out` can be checked line by line, as sellers reconcile FBA.

Everything is summed from the ledger (movements), not from balances: the report for any
past period is what the books said then, and for a period ending now its endings are the
balances of GET /api/v1/inventory (balance == sum of movements always holds).

A period is [from, to): a date is the warehouse's own calendar day (from its first moment,
to the end of the `to` day), a time with its offset is that instant, and `to` defaults to
now. Movements are kept with the server's clock (UTC).
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import AfterValidator, Field, StrictStr, ValidationInfo

from ..access import scope_stock
from ..errors import InvalidInput
from ..extensions import db
from ..models import Bucket, Movement, Seller, Sku, User, Warehouse, utcnow
from ..payloads import Payload, checked, refusal

DEFAULT_DAYS = 30
BUCKETS = tuple(Bucket)


@dataclass(frozen=True)
class Bound:
    """One end of a period as asked: a warehouse calendar day, or an instant."""

    day: date | None = None
    instant: datetime | None = None

    def start_in(self, zone: ZoneInfo) -> datetime:
        """This bound as the first moment it names, in UTC."""
        if self.instant is not None:
            return self.instant
        return datetime.combine(self.day, time(), zone).astimezone(UTC)

    def end_in(self, zone: ZoneInfo) -> datetime:
        """This bound as the moment just after it (a day ends at the next day's start)."""
        if self.instant is not None:
            return self.instant
        return datetime.combine(self.day + timedelta(days=1), time(), zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    first: Bound | None
    last: Bound

    def in_zone(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC, for a warehouse in `zone`."""
        end = self.last.end_in(zone)
        start = self.first.start_in(zone) if self.first else end - timedelta(days=DEFAULT_DAYS)
        return min(start, end), end


# What a report can be about: a decade back, and a year ahead (a period may end today).
REPORT_PAST, REPORT_FUTURE = timedelta(days=3653), timedelta(days=366)
BOUND_WORDS = "a date (YYYY-MM-DD) or a time with its offset"


def _bound(value: str, info: ValidationInfo) -> Bound:
    if value == "now" and info.field_name == "last":
        return Bound(instant=info.context["now"])
    try:
        bound = Bound(day=date.fromisoformat(value)) if len(value) == 10 else \
            Bound(instant=datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise refusal(BOUND_WORDS) from None
    if bound.instant is not None and bound.instant.tzinfo is None:
        raise refusal(BOUND_WORDS)
    now = info.context["now"]
    if not now - REPORT_PAST <= (bound.instant or datetime.combine(bound.day, time(), UTC)) \
            <= now + REPORT_FUTURE:
        raise refusal(f"from {(now - REPORT_PAST).date()} to {(now + REPORT_FUTURE).date()}")
    return Bound(day=bound.day, instant=bound.instant and bound.instant.astimezone(UTC))


BOUND = Annotated[StrictStr, AfterValidator(_bound)]


class PeriodIn(Payload):
    first: BOUND | None = Field(None, alias="from")
    last: BOUND | None = Field(None, alias="to")


def parse_reconciliation_period(first: str | None, last: str | None, *,
                                now: datetime | None = None) -> Period:
    """?from=&to=: dates (YYYY-MM-DD, the warehouse's calendar days) or times with an offset
    (ISO 8601), within a decade back and a year ahead; `to` may be "now", which it is when
    left out; `from` 30 days before `to` when left out."""
    now = now or utcnow()
    period = checked(PeriodIn, {"from": first or None, "to": last or None},
                     "The period has errors.", context={"now": now})
    end = period.last or Bound(instant=now)
    if period.first is not None and _before(end, period.first):
        raise InvalidInput("The period ends before it starts.",
                           [{"path": "to", "message": "on or after from"}])
    return Period(period.first, end)


def _before(end: Bound, start: Bound) -> bool:
    if end.day and start.day:
        return end.day < start.day
    if end.instant and start.instant:
        return end.instant < start.instant
    return False  # a day against an instant depends on the zone: an empty period there


@dataclass
class Flow:
    """One bucket of one SKU over the period."""

    bucket: Bucket
    beginning: int = 0
    ins: Counter = field(default_factory=Counter)
    outs: Counter = field(default_factory=Counter)
    ending: int = 0

    @property
    def total_in(self) -> int:
        return sum(self.ins.values())

    @property
    def total_out(self) -> int:
        return sum(self.outs.values())

    @property
    def balanced(self) -> bool:
        return self.beginning + self.total_in - self.total_out == self.ending

    @property
    def moved(self) -> bool:
        return bool(self.beginning or self.ending or self.ins or self.outs)


@dataclass
class SkuReconciliation:
    warehouse: Warehouse
    seller: Seller
    sku: Sku
    start: datetime
    end: datetime
    flows: dict[Bucket, Flow]

    @property
    def balanced(self) -> bool:
        return all(flow.balanced for flow in self.flows.values())


def reconciliation(user: User, period: Period, *, warehouse: str | None = None,
                   seller: str | None = None, sku: str | None = None) -> list[SkuReconciliation]:
    """The report the user may see (a seller their own stock, staff their warehouse's),
    one entry per warehouse, seller and SKU with any units or movement in the period."""
    rows = []
    warehouses = db.session.scalars(sa.select(Warehouse).order_by(Warehouse.code)
                                    .where(Warehouse.code == warehouse) if warehouse
                                    else sa.select(Warehouse).order_by(Warehouse.code))
    for place in warehouses:
        start, end = period.in_zone(ZoneInfo(place.timezone))
        rows += _warehouse_rows(user, place, start, end, seller, sku)
    return rows


def _warehouse_rows(user: User, place: Warehouse, start: datetime, end: datetime,
                    seller: str | None, sku: str | None) -> list[SkuReconciliation]:
    before = Movement.created_at < start
    query = (
        sa.select(Movement.seller_id, Movement.sku_id, Movement.bucket, Movement.reason,
                  sa.func.sum(sa.case((before, Movement.qty), else_=0)),
                  sa.func.sum(sa.case((sa.and_(~before, Movement.qty > 0), Movement.qty),
                                      else_=0)),
                  sa.func.sum(sa.case((sa.and_(~before, Movement.qty < 0), -Movement.qty),
                                      else_=0)),
                  sa.func.sum(Movement.qty))
        .where(Movement.warehouse_id == place.id, Movement.created_at < end)
        .group_by(Movement.seller_id, Movement.sku_id, Movement.bucket, Movement.reason)
    )
    query = scope_stock(query, user, Movement.warehouse_id, Movement.seller_id)
    if seller:
        query = query.join(Seller, Seller.id == Movement.seller_id).where(Seller.code == seller)
    if sku:
        query = query.join(Sku, Sku.id == Movement.sku_id).where(Sku.code == sku)
    flows: dict[tuple[int, int], dict[Bucket, Flow]] = defaultdict(
        lambda: {bucket: Flow(bucket) for bucket in BUCKETS})
    for seller_id, sku_id, bucket, reason, earlier, came, went, until_end in \
            db.session.execute(query):
        flow = flows[(seller_id, sku_id)][bucket]
        flow.beginning += int(earlier)
        # summed on its own, not worked out from the others: `balanced` checks the books
        flow.ending += int(until_end)
        if came:
            flow.ins[reason] += int(came)
        if went:
            flow.outs[reason] += int(went)
    sellers = _by_id(Seller, {s for s, _ in flows})
    skus = _by_id(Sku, {k for _, k in flows})
    rows = [SkuReconciliation(place, sellers[s], skus[k], start, end, entry)
            for (s, k), entry in flows.items() if any(f.moved for f in entry.values())]
    return sorted(rows, key=lambda r: (r.seller.code, r.sku.code))


def _by_id(model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}
