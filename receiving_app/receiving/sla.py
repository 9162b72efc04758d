"""SLA due times and clocks: plain hours, or only the warehouse's business hours in its own
time zone; the clock of every open ASN for the board; the policy an admin edits."""
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from ..access import scope_asns
from ..errors import Conflict
from ..extensions import db
from ..models import Asn, AsnStatus, ExceptionState, ReceivingException, User, Warehouse, utcnow
from ..payloads import Flag, Payload, checked, one_of, refusal, says, whole_number
from .calendar import local_hour, working_day_test, working_weekdays
from .queries import OPEN_STATUSES

# The SLA policy's targets, in hours, as the admin's form and the API name them.
POLICY_HOURS = ("receipt_hours", "count_hours", "inspection_hours", "putaway_hours",
                "exception_response_hours")
# A month: longer targets are typing mistakes, and would make the board meaningless.
MAX_POLICY_HOURS = 24 * 31


def receipt_hours(asn: Asn) -> int:
    """The seller's contracted receipt time when set, else the warehouse's."""
    return asn.seller.receipt_hours or asn.warehouse.receipt_hours


def due_at(start: datetime, hours: float, warehouse: Warehouse) -> datetime:
    """`hours` after `start`, counting only business hours when the warehouse says so.

    Arithmetic is done in UTC, so a daylight-saving change inside a window counts the hours
    that really passed (Python adds to a local time on the wall clock).
    """
    start = start.astimezone(UTC)
    if not warehouse.business_hours_only:
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    for begin, end in business_windows(start, warehouse):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable: business_windows is endless")


def business_windows(start: datetime, warehouse: Warehouse) -> Iterator[tuple[datetime, datetime]]:
    """The warehouse's open periods from `start` on, as (begin, end) UTC pairs, endlessly:
    its business hours on the days it works (its weekdays, less its holidays)."""
    start = start.astimezone(UTC)
    zone = ZoneInfo(warehouse.timezone)
    works = working_day_test(warehouse)
    if not working_weekdays(warehouse.business_weekdays) or \
            warehouse.business_day_end_hour <= warehouse.business_day_start_hour:
        raise ValueError("the warehouse's business hours are empty")
    day = start.astimezone(zone).date()
    while True:
        if works(day):
            opens = local_hour(day, warehouse.business_day_start_hour, zone)
            closes = local_hour(day, warehouse.business_day_end_hour, zone)
            begin, end = max(opens, start), closes
            if begin < end:
                yield begin, end
        day += timedelta(days=1)


def working_hours_between(start: datetime, end: datetime, warehouse: Warehouse) -> float:
    """Hours from start to end that count for the SLA (negative when end is before start)."""
    # in UTC: Python subtracts two times of one zone on the wall clock
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -working_hours_between(end, start, warehouse)
    if not warehouse.business_hours_only:
        return (end - start).total_seconds() / 3600
    total = timedelta()
    for begin, close in business_windows(start, warehouse):
        if begin >= end:
            break
        total += min(close, end) - begin
    return total.total_seconds() / 3600


# --- the clock of one open ASN ------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """Where an open ASN stands, when that stage began (an ASN timestamp) and the policy
    target it is held to (a warehouse column; None: only the receipt's due time applies)."""

    name: str
    label: str
    started_field: str | None
    target_field: str | None


# One table, as the state machine is: each open status is a stage with its own clock.
STAGES: dict[AsnStatus, Stage] = {
    AsnStatus.SUBMITTED: Stage("in_transit", "in transit", None, None),
    AsnStatus.ARRIVED: Stage("count", "counting cartons", "arrived_at", "count_hours"),
    AsnStatus.COUNTED: Stage("inspection", "opening the sample", "counted_at",
                             "inspection_hours"),
    AsnStatus.INSPECTED: Stage("putaway", "putting away", "inspected_at", "putaway_hours"),
    AsnStatus.PUT_AWAY: Stage("close", "waiting to close", "put_away_at", None),
}


@dataclass(frozen=True)
class SlaClock:
    """One open ASN on the SLA board, read at `now`."""

    asn: Asn
    stage: Stage
    now: datetime
    stage_started_at: datetime | None
    stage_due_at: datetime | None
    open_exceptions: int = 0
    overdue_exceptions: int = 0

    @property
    def due_at(self) -> datetime | None:
        return self.asn.sla_due_at

    @property
    def breached(self) -> bool:
        """The receipt itself is past its due time."""
        return self.due_at is not None and self.now > self.due_at

    @property
    def stage_late(self) -> bool:
        return self.stage_due_at is not None and self.now > self.stage_due_at

    @property
    def seconds_left(self) -> float | None:
        """Wall-clock seconds to the receipt's due time; negative once breached."""
        return None if self.due_at is None else (self.due_at - self.now).total_seconds()

    @property
    def seconds_since_arrival(self) -> float | None:
        arrived = self.asn.arrived_at
        return None if arrived is None else (self.now - arrived).total_seconds()

    @property
    def working_hours_left(self) -> float | None:
        """Hours to the due time that count for the SLA (differs from the wall clock when
        the warehouse counts business hours only)."""
        if self.due_at is None:
            return None
        return working_hours_between(self.now, self.due_at, self.asn.warehouse)

    def sort_key(self) -> tuple:
        # Breached first, then a late stage, then least time left; in transit last.
        return (not self.breached, not self.stage_late, self.due_at is None,
                self.due_at or self.now, self.asn.id)


def sla_clock(asn: Asn, now: datetime | None = None, *, open_exceptions: int = 0,
              overdue_exceptions: int = 0) -> SlaClock:
    """The clock of one ASN: its stage, when the stage is due, and the receipt's due time."""
    now = now or utcnow()
    stage = STAGES.get(asn.status) or Stage(asn.status.value, asn.status.value, None, None)
    started = getattr(asn, stage.started_field) if stage.started_field else None
    stage_due = None
    if started is not None and stage.target_field:
        stage_due = due_at(started, getattr(asn.warehouse, stage.target_field), asn.warehouse)
    return SlaClock(asn, stage, now, started, stage_due, open_exceptions, overdue_exceptions)


def sla_board(user: User, now: datetime | None = None, *, limit: int = 500) -> list[SlaClock]:
    """Every open ASN the user may see with its clock, breached ones first."""
    now = now or utcnow()
    # most urgent first, so a cut at `limit` drops receipts in transit, never a breach
    asns = list(db.session.scalars(scope_asns(sa.select(Asn), user)
                                   .where(Asn.status.in_(OPEN_STATUSES))
                                   .order_by(Asn.sla_due_at.is_(None), Asn.sla_due_at, Asn.id)
                                   .limit(limit)))
    counts = _unresolved_exception_counts([a.id for a in asns], now)
    clocks = [sla_clock(a, now, open_exceptions=counts.get(a.id, (0, 0))[0],
                        overdue_exceptions=counts.get(a.id, (0, 0))[1]) for a in asns]
    return sorted(clocks, key=SlaClock.sort_key)


def _unresolved_exception_counts(asn_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """Per ASN: unresolved exceptions, and how many of them are past their response time."""
    if not asn_ids:
        return {}
    overdue = sa.case((ReceivingException.due_at < now, 1), else_=0)
    rows = db.session.execute(
        sa.select(ReceivingException.asn_id, sa.func.count(ReceivingException.id),
                  sa.func.sum(overdue))
        .where(ReceivingException.asn_id.in_(asn_ids),
               ReceivingException.state != ExceptionState.RESOLVED)
        .group_by(ReceivingException.asn_id))
    return {asn_id: (count, int(late or 0)) for asn_id, count, late in rows}


# --- the policy ---------------------------------------------------------------------------

@cache
def time_zones() -> tuple[str, ...]:
    """The IANA zone names a warehouse may be in, sorted."""
    return tuple(sorted(available_timezones()))


HOURS = whole_number(1, MAX_POLICY_HOURS, form=True)
WEEKDAYS_WORDS = "at least one weekday, Monday = 1 to Sunday = 7"


def _comma_separated(value):
    return [day for day in value.split(",") if day.strip()] if isinstance(value, str) else value


class SlaPolicy(Payload):
    """A warehouse's SLA policy, from the admin's form (strings, the ticked weekdays) or
    JSON (numbers, a list or "1,2,3")."""

    receipt_hours: HOURS
    count_hours: HOURS
    inspection_hours: HOURS
    putaway_hours: HOURS
    exception_response_hours: HOURS
    business_day_start_hour: whole_number(0, 23, form=True)
    business_day_end_hour: whole_number(1, 24, form=True)
    business_weekdays: Annotated[
        list[whole_number(1, 7, form=True)], Field(min_length=1),
        AfterValidator(lambda days: sorted(set(days))), BeforeValidator(_comma_separated),
        says(WEEKDAYS_WORDS),
    ]
    timezone: one_of(time_zones, "an IANA time zone, e.g. America/Los_Angeles")
    business_hours_only: Flag
    # The policy version the admin's form was loaded at.
    version: whole_number(1, 2**31 - 1, "the form is out of date: reload the page",
                          form=True) | None = None

    @field_validator("business_day_end_hour")
    @classmethod
    def after_the_start(cls, end: int, info: ValidationInfo) -> int:
        if end <= info.data.get("business_day_start_hour", -1):
            raise refusal("after the start hour")
        return end


def update_sla_policy(warehouse: Warehouse, values: Mapping[str, object], *,
                      expected_version: object = None) -> Warehouse:
    """Save a warehouse's SLA policy from the admin's form (strings) or JSON (numbers).

    Validates everything first and saves nothing when anything is wrong (InvalidInput with
    a detail per field). `expected_version` is the policy version the admin's form was
    loaded at: when another save came in between, Conflict, nothing is saved, and
    `warehouse` holds the policy as it now stands. New targets apply to the board at once;
    receipt due times already stamped at arrival keep their value, as promised to the
    seller then.
    """
    policy = checked(SlaPolicy, {**values, "version": expected_version},
                     "The SLA policy has errors.")
    warehouse = db.session.get(Warehouse, warehouse.id, with_for_update=True,
                               populate_existing=True)
    if policy.version is not None and warehouse.sla_policy_version != policy.version:
        raise Conflict("Another admin saved this SLA policy after you opened it; nothing of "
                       "yours was saved.",
                       [{"path": "version", "message": f"now {warehouse.sla_policy_version}"}])
    for name in POLICY_HOURS:
        setattr(warehouse, name, getattr(policy, name))
    warehouse.business_day_start_hour = policy.business_day_start_hour
    warehouse.business_day_end_hour = policy.business_day_end_hour
    warehouse.business_weekdays = ",".join(str(d) for d in policy.business_weekdays)
    warehouse.timezone = policy.timezone
    warehouse.business_hours_only = policy.business_hours_only
    warehouse.sla_policy_version += 1
    db.session.commit()
    return warehouse
