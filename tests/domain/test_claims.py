"""Carrier claims: a carrier_claim decision opens the claim of the delivery the exception
came on, with a deadline in the warehouse's business days (its weekends and holidays
skipped); later exceptions join it; a reversal takes one out; supervisors file it and
record the answer; the clock warns one business day before and expires what was never
filed."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app

from receiving_app.errors import InvalidInput, WrongStep
from receiving_app.extensions import db
from receiving_app.models import (
    CarrierWindow, Claim, ClaimItem, ClaimKind, ClaimStatus, Delivery, Holiday, OutboxEvent,
    ReceivingException, utcnow,
)
from receiving_app.receiving import raise_exception, resolve_exception, reverse_resolution
from receiving_app.receiving.calendar import business_days_after, business_days_left
from receiving_app.receiving.claims import sweep_claim_deadlines, update_claim
from receiving_app.receiving.counting import add_delivery
from receiving_app.receiving.sla import due_at
from receiving_app.webhooks import register_endpoint
from tests.support.builders import counted, photographed, submit, user, warehouse
from tests.support.webhooks import receivers  # noqa: F401  (fixture)

pytestmark = pytest.mark.both_databases

LA = ZoneInfo("America/Los_Angeles")
# A Thursday in Los Angeles, the week before the clocks change (Sunday 8 March 2026).
THURSDAY = datetime(2026, 3, 5, 10, 0, tzinfo=LA)


def la(*args) -> datetime:
    return datetime(*args, tzinfo=LA)


def delivered(number: str, at: datetime = THURSDAY, mode: str = "ltl", **counted_kwargs):
    """An ASN of ten cartons of ten mugs, its truck in at `at`, counted."""
    asn = submit(number)
    counted(asn, **counted_kwargs)
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.asn_id == asn.id))
    delivery.arrived_at, delivery.mode = at.astimezone(UTC), mode
    db.session.commit()
    return asn


def damaged(asn, label: str = "C01") -> ReceivingException:
    exception = raise_exception(asn, "damaged", user=user("dock"), carton_label=label,
                                note="Crushed corner.")
    photographed(exception, current_app)
    return exception


def claim_of(exception: ReceivingException) -> Claim:
    return db.session.scalar(sa.select(Claim).join(ClaimItem, ClaimItem.claim_id == Claim.id)
                             .where(ClaimItem.exception_id == exception.id,
                                    ClaimItem.removed_at.is_(None)))


def test_five_ltl_business_days_from_a_thursday_end_next_thursday_at_the_close(demo):
    asn = delivered("CL-1")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed in the trailer.",
                      user=user("supervisor"))
    claim = claim_of(exception)
    assert (claim.status, claim.kind, claim.carrier, claim.mode.value) == (
        ClaimStatus.TO_FILE, ClaimKind.VISIBLE_DAMAGE, "", "ltl")
    # Fri, Mon, Tue, Wed, Thu: the close of business (18:00) on Thursday the 12th, PDT by then
    assert claim.deadline_at.astimezone(LA) == la(2026, 3, 12, 18, 0)
    assert claim.delivery.number == 1 and claim.opened_by.username == "supervisor"
    assert [(e.action, e.by.username) for e in claim.events] == [("opened", "supervisor")]


def test_a_warehouse_holiday_and_the_weekend_push_the_deadline_on(demo):
    db.session.add(Holiday(warehouse_id=warehouse().id, day=date(2026, 3, 9), name="Closed"))
    db.session.commit()
    asn = delivered("CL-2")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    # Fri 6, (weekend), (Mon 9 holiday), Tue 10, Wed 11, Thu 12, Fri 13
    assert claim_of(exception).deadline_at.astimezone(LA) == la(2026, 3, 13, 18, 0)


def test_the_calendar_counts_business_days_as_the_dock_works_them(demo):
    lax = warehouse()
    db.session.add(Holiday(warehouse_id=lax.id, day=date(2026, 12, 25), name="Christmas"))
    db.session.commit()
    db.session.refresh(lax)
    assert business_days_after(la(2026, 12, 23, 16, 0), 2, lax).astimezone(LA) == \
        la(2026, 12, 28, 18, 0)  # Thu 24, (Fri 25), (weekend), Mon 28
    assert business_days_after(la(2026, 12, 23, 16, 0), 0, lax).astimezone(LA) == \
        la(2026, 12, 23, 18, 0)
    deadline = la(2026, 12, 28, 18, 0)
    assert business_days_left(la(2026, 12, 23, 9, 0), deadline, lax) == 2
    assert business_days_left(la(2026, 12, 24, 9, 0), deadline, lax) == 1
    assert business_days_left(la(2026, 12, 26, 9, 0), deadline, lax) == 1  # Saturday
    assert business_days_left(la(2026, 12, 28, 17, 0), deadline, lax) == 0
    assert business_days_left(la(2026, 12, 28, 19, 0), deadline, lax) == -1
    assert business_days_left(la(2026, 12, 30, 9, 0), deadline, lax) == -2


def test_the_sla_clock_stops_on_a_warehouse_holiday_too(demo):
    lax = warehouse()
    lax.business_hours_only = True
    db.session.add(Holiday(warehouse_id=lax.id, day=date(2026, 3, 9), name="Closed"))
    db.session.commit()
    db.session.refresh(lax)
    # Friday 16:00 + 4 business hours: 2 on Friday, Monday is a holiday, 2 on Tuesday
    assert due_at(la(2026, 3, 6, 16, 0), 4, lax).astimezone(LA) == la(2026, 3, 10, 10, 0)


def test_later_exceptions_of_the_delivery_join_its_claim_and_the_earliest_deadline_rules(demo):
    asn = delivered("CL-3", mode="ocean")
    first, second = damaged(asn, "C01"), damaged(asn, "C02")
    resolve_exception(first, "carrier_claim", "Shortage noted.", user=user("supervisor"),
                      claim_kind="shortage")
    claim = claim_of(first)
    assert claim.kind is ClaimKind.SHORTAGE
    assert claim.deadline_at.astimezone(LA) == la(2026, 3, 10, 18, 0)  # 3 ocean days
    resolve_exception(second, "carrier_claim", "Seen at the door.", user=user("supervisor"))
    db.session.refresh(claim)
    assert claim_of(second).id == claim.id
    assert [e.id for e in claim.exceptions] == [first.id, second.id]
    assert claim.kind is ClaimKind.VISIBLE_DAMAGE  # one ocean day: now the deadline
    assert claim.deadline_at.astimezone(LA) == la(2026, 3, 6, 18, 0)
    assert [e.action for e in claim.events] == ["opened", "exception_added"]


def test_a_second_trucks_exceptions_are_claimed_from_its_own_carrier(demo):
    asn = submit("CL-4")
    counted(asn, ["C01", "C02"])
    db.session.scalar(sa.select(Delivery).where(Delivery.asn_id == asn.id)).arrived_at = \
        THURSDAY.astimezone(UTC)
    db.session.commit()
    second = add_delivery(asn, 8, user=user("dock"), carrier="Saia", mode="parcel")
    exception = raise_exception(asn, "unreadable_label", user=user("dock"),
                                carton_label="TORN", note="Label torn off in transit.")
    photographed(exception, current_app)
    resolve_exception(exception, "carrier_claim", "Torn.", user=user("supervisor"))
    claim = claim_of(exception)
    assert (claim.delivery_id, claim.carrier, claim.mode.value) == (second.id, "Saia", "parcel")


def test_reversing_the_decision_takes_the_exception_out_and_an_empty_claim_is_withdrawn(demo):
    asn = delivered("CL-5")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    claim = claim_of(exception)
    reverse_resolution(exception, "Wrong box.", user=user("supervisor"))
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.WITHDRAWN and claim.exceptions == []
    assert [e.action for e in claim.events] == ["opened", "exception_removed"]
    resolve_exception(exception, "carrier_claim", "It was this box.", user=user("supervisor"))
    assert claim_of(exception) is not None and \
        db.session.scalar(sa.select(sa.func.count(Claim.id))) == 2


def test_a_claim_kind_that_does_not_exist_is_refused_and_nothing_is_decided(demo):
    asn = delivered("CL-6")
    exception = damaged(asn)
    with pytest.raises(InvalidInput) as refused:
        resolve_exception(exception, "carrier_claim", "x", user=user("supervisor"),
                          claim_kind="act_of_god")
    assert refused.value.details[0]["path"] == "claim_kind"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Claim.id))) == 0


def test_supervisors_file_the_claim_and_record_the_answer_with_its_history(demo):
    asn = delivered("CL-7")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    claim = claim_of(exception)
    update_claim(claim, {"status": "filed", "reference": "ODFL-88812", "amount": "249.90",
                         "currency": "usd", "note": "Filed online."}, user=user("supervisor"))
    update_claim(claim, {"status": "paid", "note": "Check received.", "version": claim.version},
                 user=user("admin"))
    assert (claim.status, str(claim.amount), claim.currency, claim.reference) == (
        ClaimStatus.PAID, "249.90", "USD", "ODFL-88812")
    updates = [(e.by.username, e.changes, e.note) for e in claim.events if e.action == "updated"]
    assert updates == [
        ("supervisor", {"status": ["to_file", "filed"], "amount": [None, "249.90"],
                        "currency": [None, "USD"], "reference": ["", "ODFL-88812"]},
         "Filed online."),
        ("admin", {"status": ["filed", "paid"]}, "Check received.")]
    with pytest.raises(WrongStep):
        update_claim(claim, {"status": "to_file"}, user=user("supervisor"))


def test_a_bad_update_names_every_bad_field_and_changes_nothing(demo):
    asn = delivered("CL-8")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    claim = claim_of(exception)
    with pytest.raises(InvalidInput) as refused:
        update_claim(claim, {"status": "won", "amount": "12.345", "currency": "dollars",
                             "reference": 7, "note": "nul\x00"}, user=user("supervisor"))
    assert sorted(d["path"] for d in refused.value.details) == [
        "amount", "currency", "note", "reference", "status"]
    with pytest.raises(InvalidInput):
        update_claim(claim, {"amount": "10"}, user=user("supervisor"))  # no currency
    db.session.rollback()
    db.session.refresh(claim)
    assert (claim.status, claim.amount, claim.version) == (ClaimStatus.TO_FILE, None, 1)


def test_the_seller_is_warned_one_business_day_before_the_deadline_once_then_it_expires(demo):
    asn = delivered("CL-9")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    claim = claim_of(exception)  # due Thursday 12 March, 18:00
    assert sweep_claim_deadlines(la(2026, 3, 10, 17, 0)).warned == []  # Tuesday: 2 days left
    assert sweep_claim_deadlines(la(2026, 3, 11, 8, 0)).warned == [claim.id]  # Wednesday
    assert sweep_claim_deadlines(la(2026, 3, 11, 9, 0)).warned == []  # once
    [event] = db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.type == "claim.deadline_near")).all()
    assert event.payload["claim"] | {"exceptions": None} == {
        "id": claim.id, "asn": "CL-9", "delivery": 1, "carrier": "", "mode": "ltl",
        "kind": "visible_damage", "status": "to_file",
        "deadline_at": claim.deadline_at.isoformat(), "business_days_left": 1,
        "exceptions": None}
    assert sweep_claim_deadlines(la(2026, 3, 12, 17, 59)).expired == []
    assert sweep_claim_deadlines(la(2026, 3, 12, 18, 1)).expired == [claim.id]
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.EXPIRED
    assert [(e.action, e.by_id) for e in claim.events][-2:] == [
        ("deadline_warned", None), ("expired", None)]


def test_a_warehouses_own_window_replaces_the_default(demo):
    db.session.add(CarrierWindow(warehouse_id=warehouse().id, mode="ltl",
                                 kind="visible_damage", business_days=2))
    db.session.commit()
    asn = delivered("CL-10")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    assert claim_of(exception).deadline_at.astimezone(LA) == la(2026, 3, 9, 18, 0)
    assert timedelta(0) < claim_of(exception).deadline_at - THURSDAY


def test_the_webhook_worker_tells_the_seller_one_business_day_before_the_deadline(
        demo, runner, receivers):
    receiver = receivers()
    register_endpoint(user("acme"), receiver.url, allow_loopback=True)
    asn = delivered("CL-11")
    exception = damaged(asn)
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    claim = claim_of(exception)
    claim.deadline_at = business_days_after(utcnow(), 1, warehouse())
    claim_id = claim.id
    db.session.commit()
    db.session.remove()
    first = runner.invoke(args=["deliver-webhooks", "--once"])
    assert first.exit_code == 0, first.output
    assert "1 deadline warning(s)" in first.output
    near = [r.event for r in receiver.requests if r.event["type"] == "claim.deadline_near"]
    assert [(e["data"]["claim"]["id"], e["data"]["claim"]["business_days_left"])
            for e in near] == [(claim_id, 1)]
    second = runner.invoke(args=["deliver-webhooks", "--once"])
    assert "deadline warning" not in second.output
