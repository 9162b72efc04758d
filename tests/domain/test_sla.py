"""SLA due times with and without business hours (weekends, a change of the clock), the
clock of each open ASN on the board, and the policy an admin edits."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from receiving_app.errors import Conflict, InvalidInput
from receiving_app.extensions import db
from receiving_app.models import AsnStatus, ExceptionState, ReceivingException, Warehouse
from receiving_app.receiving import raise_exception
from receiving_app.receiving.sla import (
    due_at, sla_board, sla_clock, update_sla_policy, working_hours_between,
)
from tests.support.builders import arrived, submit, user, warehouse

pytestmark = pytest.mark.both_databases

LA = ZoneInfo("America/Los_Angeles")


def la(*args) -> datetime:
    """A time on the Los Angeles wall clock."""
    return datetime(*args, tzinfo=LA)


def policy(**overrides) -> Warehouse:
    """A warehouse policy that is never saved: due_at needs only its fields."""
    fields = dict(code="T", name="T", timezone="America/Los_Angeles", business_hours_only=True,
                  business_day_start_hour=8, business_day_end_hour=18,
                  business_weekdays="1,2,3,4,5")
    fields.update(overrides)
    return Warehouse(**fields)


# --- due times ------------------------------------------------------------------------------

def test_around_the_clock_a_receipt_is_due_48_real_hours_later_across_the_spring_change():
    # 2026-03-08 02:00 the Los Angeles clock jumps to 03:00
    start = la(2026, 3, 7, 12, 0)
    due = due_at(start, 48, policy(business_hours_only=False))
    assert due - start == timedelta(hours=48)
    assert due.astimezone(LA) == la(2026, 3, 9, 13, 0)  # the wall clock moved 49 hours


def test_friday_afternoon_plus_four_business_hours_is_monday_morning_after_the_clock_change():
    due = due_at(la(2026, 3, 6, 16, 0), 4, policy())
    assert due.astimezone(LA) == la(2026, 3, 9, 10, 0)  # 2 h Friday, 2 h Monday, PDT now
    assert due == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)


def test_an_arrival_on_saturday_starts_counting_at_monday_opening():
    assert due_at(la(2026, 3, 14, 11, 0), 3, policy()).astimezone(LA) == la(2026, 3, 16, 11, 0)


def test_arrivals_before_opening_and_after_closing_count_from_the_next_opening():
    assert due_at(la(2026, 3, 17, 6, 0), 2, policy()).astimezone(LA) == la(2026, 3, 17, 10, 0)
    assert due_at(la(2026, 3, 17, 19, 0), 1, policy()).astimezone(LA) == la(2026, 3, 18, 9, 0)


def test_a_target_longer_than_a_day_spans_whole_business_days():
    # ten business hours a day: 25 hours from Monday 08:00 is Wednesday 13:00
    assert due_at(la(2026, 3, 16, 8, 0), 25, policy()).astimezone(LA) == la(2026, 3, 18, 13, 0)
    # and 48 business hours from Thursday noon skip two weekends
    assert due_at(la(2026, 3, 19, 12, 0), 48, policy()).astimezone(LA) == la(2026, 3, 26, 10, 0)


def test_the_same_instant_is_due_at_a_different_time_in_another_warehouse_time_zone():
    start = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)  # 08:00 in LA, 16:00 in Berlin
    in_la = due_at(start, 4, policy())
    in_berlin = due_at(start, 4, policy(timezone="Europe/Berlin"))
    assert in_la == datetime(2026, 3, 16, 19, 0, tzinfo=UTC)
    assert in_berlin == datetime(2026, 3, 17, 9, 0, tzinfo=UTC)  # 2 h today, 2 h from 08:00


def test_a_night_shift_on_the_spring_forward_night_is_one_hour_shorter():
    sunday_nights = policy(business_day_start_hour=0, business_day_end_hour=6,
                           business_weekdays="7")
    start = la(2026, 3, 8, 0, 0)
    assert working_hours_between(start, la(2026, 3, 8, 6, 0), sunday_nights) == 5
    assert due_at(start, 5, sunday_nights).astimezone(LA) == la(2026, 3, 8, 6, 0)
    assert due_at(start, 6, sunday_nights).astimezone(LA) == la(2026, 3, 15, 1, 0)


def test_a_night_shift_on_the_fall_back_night_is_one_hour_longer():
    sunday_nights = policy(business_day_start_hour=0, business_day_end_hour=6,
                           business_weekdays="7")
    assert working_hours_between(la(2026, 11, 1, 0, 0), la(2026, 11, 1, 6, 0),
                                 sunday_nights) == 7


def test_a_day_that_ends_at_24_runs_until_midnight():
    every_hour = policy(business_day_start_hour=0, business_day_end_hour=24,
                        business_weekdays="1,2,3,4,5,6,7")
    start = la(2026, 3, 7, 12, 0)
    # across the spring change too: 48 real hours, as around the clock
    assert due_at(start, 48, every_hour) - start == timedelta(hours=48)
    weekdays_only = policy(business_day_start_hour=0, business_day_end_hour=24)
    assert due_at(la(2026, 3, 13, 20, 0), 6, weekdays_only).astimezone(LA) == \
        la(2026, 3, 16, 2, 0)


def test_working_hours_between_skip_the_night_and_the_weekend():
    friday_evening, monday_morning = la(2026, 3, 13, 17, 0), la(2026, 3, 16, 9, 0)
    assert working_hours_between(friday_evening, monday_morning, policy()) == 2
    assert working_hours_between(monday_morning, friday_evening, policy()) == -2
    assert working_hours_between(friday_evening, monday_morning,
                                 policy(business_hours_only=False)) == 64


# --- the clock of each open ASN -------------------------------------------------------------

NOW = datetime(2026, 3, 18, 20, 0, tzinfo=UTC)


def at_stage(number: str, status: AsnStatus, hours_ago: float, *, due_in: float):
    """An open ASN whose current stage began `hours_ago` and whose receipt is due in `due_in`."""
    asn = submit(number, {"C1": {"ACME-MUG-01": 1}})
    began = NOW - timedelta(hours=hours_ago)
    asn.status = status
    asn.arrived_at = began if status is AsnStatus.ARRIVED else began - timedelta(hours=1)
    asn.counted_at = began if status is not AsnStatus.ARRIVED else None
    asn.inspected_at = began if status in (AsnStatus.INSPECTED, AsnStatus.PUT_AWAY) else None
    asn.put_away_at = began if status is AsnStatus.PUT_AWAY else None
    asn.sla_due_at = NOW + timedelta(hours=due_in)
    db.session.commit()
    return asn


def test_each_stage_is_held_to_its_own_target_from_when_it_began(demo):
    lax1 = warehouse()  # count 4 h, inspection 12 h, putaway 24 h by default
    counting = at_stage("A-1", AsnStatus.ARRIVED, 5, due_in=40)
    inspecting = at_stage("A-2", AsnStatus.COUNTED, 3, due_in=30)
    putting_away = at_stage("A-3", AsnStatus.INSPECTED, 25, due_in=10)
    closing = at_stage("A-4", AsnStatus.PUT_AWAY, 50, due_in=-2)

    count_clock = sla_clock(counting, NOW)
    assert count_clock.stage.name == "count"
    assert count_clock.stage_due_at == counting.arrived_at + timedelta(hours=lax1.count_hours)
    assert count_clock.stage_late and not count_clock.breached
    inspect_clock = sla_clock(inspecting, NOW)
    assert inspect_clock.stage.name == "inspection" and not inspect_clock.stage_late
    assert inspect_clock.stage_due_at == NOW + timedelta(hours=9)
    assert sla_clock(putting_away, NOW).stage_late
    close_clock = sla_clock(closing, NOW)
    assert close_clock.stage.name == "close" and close_clock.stage_due_at is None
    assert close_clock.breached and close_clock.seconds_left == -2 * 3600


def test_the_board_puts_breached_receipts_first_then_late_stages_then_least_time_left(demo):
    relaxed = at_stage("B-RELAXED", AsnStatus.COUNTED, 1, due_in=40)
    tight = at_stage("B-TIGHT", AsnStatus.COUNTED, 1, due_in=3)
    late_stage = at_stage("B-LATE-STAGE", AsnStatus.COUNTED, 13, due_in=20)
    breached_long_ago = at_stage("B-BREACHED-2", AsnStatus.INSPECTED, 1, due_in=-5)
    breached_just_now = at_stage("B-BREACHED-1", AsnStatus.INSPECTED, 1, due_in=-1)
    board = sla_board(user("supervisor"), NOW)
    numbers = [clock.asn.number for clock in board]
    assert numbers[:5] == [breached_long_ago.number, breached_just_now.number,
                           late_stage.number, tight.number, relaxed.number]
    # the demo's two ASNs are still in transit: on the board, last, with no clock yet
    assert set(numbers[5:]) == {"ASN-ACME-0001", "ASN-NOVA-0001"}
    assert all(clock.due_at is None and clock.stage.name == "in_transit" for clock in board[5:])


def test_the_board_counts_each_receipts_unresolved_and_overdue_exceptions(demo):
    asn = arrived(submit("E-1", {"C1": {"ACME-MUG-01": 1}, "C2": {"ACME-MUG-01": 1}}))
    for label in ("C1", "C2"):
        raise_exception(asn, "damaged", user=user("dock"), carton_label=label,
                        sku="ACME-MUG-01", qty=1)
    late, waiting = db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id).order_by(ReceivingException.id))
    late.due_at = NOW - timedelta(minutes=1)
    waiting.due_at = NOW + timedelta(hours=1)
    db.session.commit()
    assert _exception_counts("E-1") == (2, 1)
    waiting.state = ExceptionState.RESOLVED
    db.session.commit()
    assert _exception_counts("E-1") == (1, 1)


def _exception_counts(number: str) -> tuple[int, int]:
    [clock] = [c for c in sla_board(user("supervisor"), NOW) if c.asn.number == number]
    return clock.open_exceptions, clock.overdue_exceptions


def test_a_supervisor_sees_no_clock_of_another_warehouse(demo):
    other = Warehouse(code="EWR1", name="Newark 1", timezone="America/New_York")
    db.session.add(other)
    db.session.commit()
    asn = at_stage("ELSEWHERE", AsnStatus.COUNTED, 1, due_in=-1)
    asn.warehouse_id = other.id
    db.session.commit()
    assert "ELSEWHERE" not in [c.asn.number for c in sla_board(user("supervisor"), NOW)]


def test_business_hours_leave_fewer_working_hours_than_the_wall_clock_over_a_weekend(demo):
    lax1 = warehouse()
    lax1.business_hours_only = True
    friday_evening = la(2026, 3, 13, 17, 0)
    asn = at_stage("W-1", AsnStatus.ARRIVED, 0, due_in=0)
    asn.sla_due_at = la(2026, 3, 16, 9, 0)
    db.session.commit()
    clock = sla_clock(asn, friday_evening)
    assert clock.seconds_left == 64 * 3600
    assert clock.working_hours_left == 2


# --- the policy -----------------------------------------------------------------------------

VALID_FORM = {
    "receipt_hours": "24", "count_hours": "2", "inspection_hours": "6", "putaway_hours": "12",
    "exception_response_hours": "8", "business_hours_only": True,
    "business_day_start_hour": "7", "business_day_end_hour": "19",
    "business_weekdays": ["1", "2", "3", "4", "5", "6"], "timezone": "America/Chicago",
}


def test_an_admin_sets_targets_business_hours_and_time_zone(demo):
    lax1 = update_sla_policy(warehouse(), VALID_FORM)
    db.session.expire_all()
    lax1 = warehouse()
    assert (lax1.receipt_hours, lax1.count_hours, lax1.inspection_hours, lax1.putaway_hours,
            lax1.exception_response_hours) == (24, 2, 6, 12, 8)
    assert lax1.business_hours_only is True
    assert (lax1.business_day_start_hour, lax1.business_day_end_hour) == (7, 19)
    assert lax1.business_weekdays == "1,2,3,4,5,6" and lax1.timezone == "America/Chicago"


def test_a_receipt_arriving_after_the_switch_to_business_hours_is_due_in_business_hours(demo):
    update_sla_policy(warehouse(), dict(VALID_FORM, receipt_hours="48"))
    asn = arrived(submit("P-1"))
    lax1 = warehouse()
    assert asn.sla_due_at == due_at(asn.arrived_at, 48, lax1)
    # 48 business hours of 12-hour shifts take at least three and a half calendar days
    assert asn.sla_due_at - asn.arrived_at >= timedelta(days=3, hours=12)


@pytest.mark.parametrize("field, value, complaint", [
    ("receipt_hours", "0", "from 1 to 744"),
    ("count_hours", "four", "from 1 to 744"),
    ("putaway_hours", "1000", "from 1 to 744"),
    ("business_day_start_hour", "24", "from 0 to 23"),
    ("business_day_end_hour", "6", "after the start hour"),
    ("business_weekdays", [], "at least one weekday"),
    ("business_weekdays", ["8"], "at least one weekday"),
    ("timezone", "Mars/Olympus_Mons", "IANA time zone"),
    ("timezone", "../../etc/passwd", "IANA time zone"),
])
def test_a_wrong_policy_field_is_named_and_nothing_is_saved(demo, field, value, complaint):
    with pytest.raises(InvalidInput) as refused:
        update_sla_policy(warehouse(), {**VALID_FORM, "receipt_hours": "30", field: value})
    assert [d["path"] for d in refused.value.details] == [field]
    assert complaint in refused.value.details[0]["message"]
    db.session.expire_all()
    lax1 = warehouse()
    assert (lax1.receipt_hours, lax1.timezone, lax1.business_hours_only) == \
        (48, "America/Los_Angeles", False)


def test_a_policy_saved_from_an_outdated_version_is_refused_and_changes_nothing(demo):
    update_sla_policy(warehouse(), VALID_FORM, expected_version=1)
    assert warehouse().sla_policy_version == 2
    with pytest.raises(Conflict) as refused:
        update_sla_policy(warehouse(), {**VALID_FORM, "receipt_hours": "72"}, expected_version=1)
    assert refused.value.status == 409
    assert refused.value.details == [{"path": "version", "message": "now 2"}]
    db.session.rollback()
    lax1 = warehouse()
    assert (lax1.receipt_hours, lax1.sla_policy_version) == (24, 2)
