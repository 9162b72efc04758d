"""Stock adjustments: the one way stock changes after the dock, with approval above the
warehouse's threshold, never below zero, on the record for good."""
import pytest
import sqlalchemy as sa

from receiving_app.errors import Forbidden, InvalidInput, NotEnoughStock, WrongStep
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import (
    adjust_stock, approve_adjustment, reject_adjustment,
)
from receiving_app.models import AdjustmentState, Bucket, Movement
from tests.support.builders import user, warehouse
from tests.support.ledger import assert_ledger_balanced, bucket_total, movement_count
from tests.support.review import another_supervisor
from tests.support.stock import MUG, QUARANTINE, SHELF, on_the_shelf

pytestmark = pytest.mark.both_databases


def adjust(qty: int, reason: str = "lost", *, who: str = "dock", location: str = SHELF,
           note: str = "Not on the shelf at picking."):
    return adjust_stock(warehouse="LAX1", seller="ACME", sku=MUG, location=location, qty=qty,
                        reason=reason, note=note, user=user(who))


def test_a_small_loss_is_posted_at_once_as_a_movement_with_its_reason_who_and_why(demo):
    on_the_shelf(20)
    adjustment = adjust(-3)
    assert adjustment.state is AdjustmentState.POSTED
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 17
    [movement] = db.session.scalars(sa.select(Movement).where(
        Movement.adjustment_id == adjustment.id)).all()
    assert (movement.qty, movement.reason, movement.user_id) == (-3, "lost", user("dock").id)
    assert adjustment.note == "Not on the shelf at picking."
    assert_ledger_balanced()


def test_an_adjustment_over_the_threshold_waits_and_changes_nothing(demo):
    on_the_shelf(20)
    before = movement_count()
    adjustment = adjust(-11)
    assert adjustment.state is AdjustmentState.AWAITING_APPROVAL
    assert movement_count() == before and bucket_total(MUG, Bucket.ON_HAND, SHELF) == 20


def test_the_threshold_is_the_warehouses_policy(demo):
    on_the_shelf(20)
    warehouse().adjustment_approval_units = 2
    db.session.commit()
    assert adjust(3, "found").state is AdjustmentState.AWAITING_APPROVAL
    assert adjust(2, "found").state is AdjustmentState.POSTED


def test_another_supervisor_approves_and_only_then_it_posts(demo):
    on_the_shelf(20)
    adjustment = adjust(-12, who="supervisor")
    with pytest.raises(Forbidden, match="Another supervisor"):
        approve_adjustment(adjustment, user=user("supervisor"))
    db.session.rollback()
    with pytest.raises(Forbidden):
        approve_adjustment(adjustment, user=user("dock"))
    db.session.rollback()
    approved = approve_adjustment(adjustment, user=another_supervisor(), note="Seen the shelf.")
    assert approved.state is AdjustmentState.POSTED and approved.decided_by.username == \
        "supervisor2"
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 8
    with pytest.raises(WrongStep, match="already posted"):
        approve_adjustment(adjustment, user=user("admin"))
    assert_ledger_balanced()


def test_a_rejected_adjustment_posts_nothing_and_stays_on_record(demo):
    on_the_shelf(20)
    adjustment = adjust(-15)
    before = movement_count()
    with pytest.raises(InvalidInput):
        reject_adjustment(adjustment, user=user("supervisor"), note="  ")
    rejected = reject_adjustment(adjustment, user=user("supervisor"), note="Found them behind.")
    assert rejected.state is AdjustmentState.REJECTED and rejected.decision_note == \
        "Found them behind."
    assert movement_count() == before and bucket_total(MUG, Bucket.ON_HAND, SHELF) == 20
    with pytest.raises(WrongStep):
        approve_adjustment(adjustment, user=another_supervisor())


def test_a_loss_can_never_take_a_balance_below_zero(demo):
    on_the_shelf(5)
    before = movement_count()
    with pytest.raises(NotEnoughStock, match="Only 5"):
        adjust(-6)
    db.session.rollback()
    with pytest.raises(NotEnoughStock):
        adjust(-1, location="LAX1-A-03-03")  # nothing there at all
    db.session.rollback()
    assert movement_count() == before


def test_a_waiting_loss_is_checked_again_when_approved(demo):
    on_the_shelf(20)
    waiting = adjust(-15)
    adjust(-8)  # meanwhile, eight more are gone
    with pytest.raises(NotEnoughStock):
        approve_adjustment(waiting, user=user("supervisor"))
    db.session.rollback()
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 12
    assert_ledger_balanced()


def test_units_held_in_quarantine_are_adjusted_in_quarantine(demo):
    on_the_shelf(6, QUARANTINE)
    adjust(-2, "damaged_in_storage", location=QUARANTINE)
    assert bucket_total(MUG, Bucket.QUARANTINE, QUARANTINE) == 4
    assert bucket_total(MUG, Bucket.ON_HAND) == 0


def test_every_bad_field_is_named_and_nothing_is_saved(demo):
    before = movement_count()
    with pytest.raises(InvalidInput) as refused:
        adjust_stock(warehouse="NOPE", seller="ACME", sku="NO-SUCH", location="LAX1-DOCK-01",
                     qty=0, reason="received", note="", user=user("dock"))
    paths = {d["path"] for d in refused.value.details}
    assert paths == {"warehouse", "sku", "qty", "reason", "note"}
    with pytest.raises(InvalidInput) as dock_door:
        adjust(1, "found", location="LAX1-DOCK-01")
    assert dock_door.value.details == [
        {"path": "location", "message": "a quarantine or staging or storage location"}]
    assert movement_count() == before
