"""stock.changed: one event per seller, warehouse and SKU for every transaction that changes
on_hand, quarantine or reserved, with the new figures; nothing for what stays off the
shelves, nothing for what rolls back."""
import pytest
import sqlalchemy as sa

from receiving_app.errors import NotEnoughStock
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.inventory.counts import approve_cycle_count
from receiving_app.inventory.quarantine import dispose_quarantine
from receiving_app.models import OutboxEvent
from receiving_app.receiving import receive_carton
from tests.support.builders import arrived, submit, user
from tests.support.counts import A, B, C, LAMP, LID, MUG, counted_and_recounted
from tests.support.stock import QUARANTINE, SHELF, on_the_shelf

pytestmark = pytest.mark.both_databases


def stock_events() -> list[dict]:
    return [e.payload["stock"] for e in db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "stock.changed")
        .order_by(OutboxEvent.id))]


def test_a_putaway_announces_the_skus_new_figures_once(demo):
    on_the_shelf(10)
    [event] = stock_events()
    assert event | {"at": None} == {
        "warehouse": "LAX1", "seller": "ACME", "sku": MUG, "on_hand": 10, "quarantine": 0,
        "reserved": 0, "available": 10, "changes": {"on_hand": 10}, "at": None}


def test_units_that_stay_off_the_shelves_announce_nothing(demo):
    asn = arrived(submit("E-1", {"E-C1": {MUG: 4}}))
    receive_carton(asn, "E-C1", user=user("dock"))
    assert stock_events() == []


def test_a_release_is_one_event_with_both_buckets(demo):
    on_the_shelf(6, QUARANTINE)
    dispose_quarantine(warehouse="LAX1", location=QUARANTINE, seller="ACME", sku=MUG, qty=2,
                       action="release", to_location=SHELF, user=user("supervisor"))
    *_, release = stock_events()
    assert (release["on_hand"], release["quarantine"], release["changes"]) == (
        2, 4, {"on_hand": 2, "quarantine": -2})


def test_one_transaction_announces_each_sku_it_changed_once(demo):
    cycle_count = counted_and_recounted({A: {MUG: 4, LID: 1}, B: {LID: 4}, C: {LAMP: 3}},
                                        {A: {MUG: 4, LID: 1}})
    before = len(stock_events())
    approve_cycle_count(cycle_count, user=user("supervisor"))
    announced = stock_events()[before:]
    assert sorted((e["sku"], e["changes"]["on_hand"], e["on_hand"]) for e in announced) == [
        (LID, 1, 5), (MUG, -1, 4)]


def test_a_change_that_rolls_back_announces_nothing(demo):
    cycle_count = counted_and_recounted({A: {MUG: 5, LID: 1}, B: {}, C: {LAMP: 3}},
                                        {A: {LID: 1}, B: {}})
    adjust_stock(warehouse="LAX1", seller="ACME", sku=LID, location=B, qty=-4, reason="lost",
                 note="picked", user=user("supervisor"))
    before = len(stock_events())
    # the lid found on A is posted, then the four lost on B cannot be: all of it rolls back
    with pytest.raises(NotEnoughStock):
        approve_cycle_count(cycle_count, user=user("supervisor"))
    db.session.rollback()
    adjust_stock(warehouse="LAX1", seller="ACME", sku=MUG, location=A, qty=1, reason="found",
                 note="one more", user=user("dock"))
    [event] = stock_events()[before:]
    assert (event["sku"], event["on_hand"], event["changes"]) == (MUG, 6, {"on_hand": 1})
