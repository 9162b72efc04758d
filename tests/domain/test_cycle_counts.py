"""Cycle counts: counted against the book as of each location's count time, one recount of
what is outside the tolerance, and a supervisor's approval posting gains and losses."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from receiving_app.errors import Forbidden, InvalidInput, NotEnoughStock, WrongStep
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.inventory.counts import (
    approve_cycle_count, complete_cycle_count, count_figures, count_line, create_cycle_count,
    line_value,
)
from receiving_app.models import (
    Adjustment, AdjustmentReason, Bucket, CycleCountState, Movement,
)
from tests.support.builders import submit, user, warehouse
from tests.support.counts import (
    A, B, C, LAMP, LID, MUG, count, counted_and_recounted, found, three_shelves,
)
from tests.support.ledger import assert_ledger_balanced, bucket_total, movement_count

pytestmark = pytest.mark.both_databases


def lines(cycle_count) -> dict:
    return {(line.location.barcode, line.sku.code): (line.final_book, line.final_counted,
                                                     line.difference)
            for line in cycle_count.lines}


def test_a_blind_count_with_one_difference_is_recounted_approved_and_posted(demo):
    cycle_count = three_shelves()
    count(cycle_count, {A: {MUG: 5}, B: {LID: 4}, C: {LAMP: 2}})
    complete_cycle_count(cycle_count, user=user("dock"))
    assert cycle_count.state is CycleCountState.RECOUNT
    assert [(line.location.barcode, line.sku.code) for line in cycle_count.lines
            if line.recount] == [(C, LAMP)]
    before = movement_count()
    count(cycle_count, {C: {LAMP: 2}})
    complete_cycle_count(cycle_count, user=user("dock"))
    assert cycle_count.state is CycleCountState.COMPLETED
    assert lines(cycle_count) == {(A, MUG): (5, 5, 0), (B, LID): (4, 4, 0), (C, LAMP): (3, 2, -1)}
    assert movement_count() == before  # nothing posted before the approval
    approve_cycle_count(cycle_count, user=user("supervisor"))
    [loss] = db.session.scalars(sa.select(Adjustment).where(
        Adjustment.reason == AdjustmentReason.COUNT_LOSS)).all()
    assert (loss.qty, loss.location.barcode, loss.sku.code, loss.requested_by.username) == (
        -1, C, LAMP, "dock")
    assert bucket_total(LAMP, Bucket.ON_HAND, C) == 2
    figures = count_figures(cycle_count)
    assert (figures.lines, figures.matched, figures.accuracy, figures.units_lost) == (
        3, 2, 66.7, 1)
    assert_ledger_balanced()


def test_a_putaway_during_the_count_is_not_a_difference(demo):
    cycle_count = three_shelves()
    count(cycle_count, {A: {MUG: 5}})
    found(MUG, A, 6)  # six more arrive on A after the counter has left it
    count(cycle_count, {B: {LID: 4}, C: {LAMP: 3}})
    complete_cycle_count(cycle_count, user=user("dock"))
    assert cycle_count.state is CycleCountState.COMPLETED
    assert lines(cycle_count)[(A, MUG)] == (5, 5, 0)
    approve_cycle_count(cycle_count, user=user("supervisor"))
    assert bucket_total(MUG, Bucket.ON_HAND, A) == 11


def test_a_recount_that_finds_the_units_leaves_no_difference(demo):
    cycle_count = counted_and_recounted({A: {MUG: 5}, B: {LID: 4}, C: {LAMP: 1}}, {C: {LAMP: 3}})
    assert lines(cycle_count)[(C, LAMP)] == (3, 3, 0)
    before = movement_count()
    approve_cycle_count(cycle_count, user=user("supervisor"))
    assert movement_count() == before


def test_what_is_on_the_book_but_not_found_is_a_loss_and_what_is_found_a_gain(demo):
    cycle_count = counted_and_recounted({A: {MUG: 5, LID: 2}, B: {}, C: {LAMP: 3}},
                                        {A: {LID: 2}, B: {}})
    assert lines(cycle_count)[(B, LID)] == (4, 0, -4)
    assert lines(cycle_count)[(A, LID)] == (0, 2, 2)
    approve_cycle_count(cycle_count, user=user("supervisor"))
    reasons = dict(db.session.execute(sa.select(Movement.reason, Movement.qty).where(
        Movement.reason.in_(["count_gain", "count_loss"]))).all())
    assert reasons == {"count_gain": 2, "count_loss": -4}
    assert_ledger_balanced()


def test_inside_the_tolerance_there_is_no_recount_but_the_difference_is_posted(demo):
    warehouse().count_tolerance_units = 1
    db.session.commit()
    cycle_count = three_shelves()
    count(cycle_count, {A: {MUG: 4}, B: {LID: 4}, C: {LAMP: 3}})
    complete_cycle_count(cycle_count, user=user("dock"))
    assert cycle_count.state is CycleCountState.COMPLETED
    approve_cycle_count(cycle_count, user=user("supervisor"))
    assert bucket_total(MUG, Bucket.ON_HAND, A) == 4


def test_every_location_is_counted_before_the_count_completes(demo):
    cycle_count = three_shelves()
    count(cycle_count, {A: {MUG: 5}})
    with pytest.raises(WrongStep, match=f"Count these locations first: {B}, {C}."):
        complete_cycle_count(cycle_count, user=user("dock"))


def test_only_the_lines_sent_back_are_recounted_and_only_once(demo):
    cycle_count = three_shelves()
    count(cycle_count, {A: {MUG: 5}, B: {LID: 4}, C: {LAMP: 2}})
    complete_cycle_count(cycle_count, user=user("dock"))
    with pytest.raises(WrongStep, match=f"Nothing to recount at {A}"):
        count_line(cycle_count, location=A, sku=MUG, qty=1, user=user("dock"))
    db.session.rollback()
    with pytest.raises(WrongStep, match=f"Recount these locations first: {C}."):
        complete_cycle_count(cycle_count, user=user("dock"))
    db.session.rollback()
    count(cycle_count, {C: {LAMP: 1}})
    complete_cycle_count(cycle_count, user=user("dock"))
    assert cycle_count.state is CycleCountState.COMPLETED  # no second recount
    with pytest.raises(WrongStep):
        count_line(cycle_count, location=C, sku=LAMP, qty=1, user=user("dock"))


def test_only_a_supervisor_approves_and_only_once(demo):
    cycle_count = three_shelves()
    count(cycle_count, {A: {MUG: 5}, B: {LID: 4}, C: {LAMP: 3}})
    with pytest.raises(WrongStep, match="still being counted"):
        approve_cycle_count(cycle_count, user=user("supervisor"))
    db.session.rollback()
    complete_cycle_count(cycle_count, user=user("dock"))
    with pytest.raises(Forbidden):
        approve_cycle_count(cycle_count, user=user("dock"))
    approve_cycle_count(cycle_count, user=user("supervisor"))
    with pytest.raises(WrongStep, match="already approved"):
        approve_cycle_count(cycle_count, user=user("admin"))


def test_a_loss_the_shelf_no_longer_holds_is_refused_at_approval(demo):
    cycle_count = counted_and_recounted({A: {MUG: 0}, B: {LID: 4}, C: {LAMP: 3}}, {A: {MUG: 0}})
    adjust_stock(warehouse="LAX1", seller="ACME", sku=MUG, location=A, qty=-5, reason="lost",
                 note="picked by mistake", user=user("supervisor"))
    with pytest.raises(NotEnoughStock):
        approve_cycle_count(cycle_count, user=user("supervisor"))


def test_an_aisle_or_a_list_of_skus_names_what_to_count(demo):
    found(MUG, A, 5)
    found(MUG, "LAX1-A-02-01", 2)
    aisle = create_cycle_count(warehouse="LAX1", aisle="LAX1-A-01", user=user("supervisor"))
    assert [p.location.barcode for p in aisle.places] == [f"LAX1-A-01-0{n}" for n in range(1, 5)]
    by_sku = create_cycle_count(warehouse="LAX1", skus=[MUG], user=user("supervisor"))
    assert [p.location.barcode for p in by_sku.places] == [A, "LAX1-A-02-01"]
    found(LID, A, 3)
    count(by_sku, {A: {MUG: 5}, "LAX1-A-02-01": {MUG: 2}})
    with pytest.raises(InvalidInput):
        count_line(by_sku, location=A, sku=LID, qty=3, user=user("dock"))
    db.session.rollback()
    complete_cycle_count(by_sku, user=user("dock"))
    assert [line.sku.code for line in by_sku.lines] == [MUG, MUG]  # the lids are not compared
    assert by_sku.state is CycleCountState.COMPLETED


def test_bad_counts_name_each_field(demo):
    with pytest.raises(InvalidInput) as refused:
        create_cycle_count(warehouse="LAX1", locations=["LAX1-DOCK-01", "NOWHERE"],
                           user=user("supervisor"))
    assert [d["path"] for d in refused.value.details] == ["locations[0]", "locations[1]"]
    with pytest.raises(InvalidInput):
        create_cycle_count(warehouse="LAX1", locations=[A], aisle="LAX1-A",
                           user=user("supervisor"))
    with pytest.raises(Forbidden):
        create_cycle_count(warehouse="LAX1", locations=[A], user=user("dock"))


def test_a_difference_is_valued_at_the_unit_value_the_seller_gave(demo):
    submit("V-1", {"V-C1": {LAMP: 1}}, seller="NOVA",
           skus=[{"sku": LAMP, "unit_value": "12.50"}])
    cycle_count = counted_and_recounted({A: {MUG: 5}, B: {LID: 4}, C: {LAMP: 1}}, {C: {LAMP: 1}})
    [loss] = [line for line in cycle_count.lines if line.difference]
    assert line_value(loss) == Decimal("-25.00")
    figures = count_figures(cycle_count)
    assert (figures.value_lost, figures.value_gained) == (Decimal("25.00"), None)


@pytest.mark.parametrize("value", [-1, "1.005", "lots", True, 1e12])
def test_a_unit_value_is_an_amount_with_at_most_two_decimals(demo, value):
    with pytest.raises(InvalidInput) as refused:
        submit("V-2", {"V-C1": {LAMP: 1}}, seller="NOVA",
               skus=[{"sku": LAMP, "unit_value": value}])
    assert [d["path"] for d in refused.value.details] == ["skus[0].unit_value"]
