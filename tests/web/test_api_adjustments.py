"""The adjustments API: ask, approve or reject, list; and quarantine exits. Bad input is a
422 naming each field, and loses nothing."""
import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Bucket, OutboxEvent
from tests.support.builders import user
from tests.support.ledger import bucket_total, movement_count
from tests.support.review import another_supervisor
from tests.support.stock import MUG, OTHER_SHELF, QUARANTINE, SHELF, adjustment_body, on_the_shelf


def test_a_dock_worker_adjusts_a_shelf_and_the_answer_says_posted(demo, api):
    on_the_shelf(20)
    answer = api("dock").post("/api/v1/adjustments", json=adjustment_body())
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["state"] == "posted" and body["qty"] == -5 and body["reason"] == "lost"
    assert body["requested_by"] == "dock" and isinstance(body["id"], int)
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 15


def test_over_the_threshold_it_waits_is_listed_and_another_supervisor_approves(demo, api):
    on_the_shelf(30)
    asked = api("supervisor").post("/api/v1/adjustments", json=adjustment_body(qty=-20))
    assert asked.status_code == 201 and asked.get_json()["state"] == "awaiting_approval"
    adjustment_id = asked.get_json()["id"]
    waiting = api("supervisor").get("/api/v1/adjustments?state=awaiting_approval").get_json()
    assert [a["id"] for a in waiting["adjustments"]] == [adjustment_id]
    own = api("supervisor").post(f"/api/v1/adjustments/{adjustment_id}/approve", json={})
    assert own.status_code == 403
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 30
    another_supervisor()
    approved = api("supervisor2").post(f"/api/v1/adjustments/{adjustment_id}/approve",
                                       json={"note": "Counted twice."})
    assert approved.status_code == 200
    assert approved.get_json()["state"] == "posted"
    assert approved.get_json()["decided_by"] == "supervisor2"
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 10
    again = api("admin").post(f"/api/v1/adjustments/{adjustment_id}/reject", json={"note": "x"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "wrong_step"


def test_a_rejection_needs_a_note_and_posts_nothing(demo, api):
    on_the_shelf(30)
    adjustment_id = api("dock").post("/api/v1/adjustments",
                                     json=adjustment_body(qty=-25)).get_json()["id"]
    before = movement_count()
    bare = api("supervisor").post(f"/api/v1/adjustments/{adjustment_id}/reject", json={})
    assert bare.status_code == 422
    assert bare.get_json()["error"]["details"] == [
        {"path": "note", "message": "required: say why"}]
    rejected = api("supervisor").post(f"/api/v1/adjustments/{adjustment_id}/reject",
                                      json={"note": "They are in the next bay."})
    assert rejected.get_json()["state"] == "rejected"
    assert movement_count() == before and bucket_total(MUG, Bucket.ON_HAND, SHELF) == 30


def test_bad_adjustments_get_the_error_envelope_with_each_field(demo, api):
    before = movement_count()
    answer = api("dock").post("/api/v1/adjustments", json=adjustment_body(
        qty="five", reason="stolen", location="NOWHERE"))
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["code"] == "invalid"
    assert {d["path"] for d in error["details"]} == {"qty", "reason", "location"}
    too_many = api("dock").post("/api/v1/adjustments", json=adjustment_body(qty=-1))
    assert too_many.status_code == 409
    assert too_many.get_json()["error"]["code"] == "not_enough_stock"
    assert movement_count() == before


def test_sellers_see_their_own_adjustments_and_may_not_make_or_approve_them(demo, api):
    on_the_shelf(20)
    adjustment_id = api("dock").post("/api/v1/adjustments",
                                     json=adjustment_body(qty=-12)).get_json()["id"]
    acme, nova = api("acme"), api("nova")
    assert [a["id"] for a in acme.get("/api/v1/adjustments").get_json()["adjustments"]] == [
        adjustment_id]
    assert nova.get("/api/v1/adjustments").get_json()["adjustments"] == []
    assert nova.get(f"/api/v1/adjustments/{adjustment_id}").status_code == 404
    assert acme.post("/api/v1/adjustments", json=adjustment_body()).status_code == 403
    assert acme.post(f"/api/v1/adjustments/{adjustment_id}/approve", json={}).status_code == 403


def test_a_release_moves_held_units_on_hand_at_the_scanned_shelf(demo, api):
    on_the_shelf(6, QUARANTINE)
    answer = api("supervisor").post("/api/v1/quarantine/dispositions", json={
        "warehouse": "LAX1", "location": QUARANTINE, "seller": "ACME", "sku": MUG, "qty": 4,
        "action": "release", "to_location": OTHER_SHELF, "note": "Only the box was dented."})
    assert answer.status_code == 201
    body = answer.get_json()
    assert (body["reason"], body["state"], body["qty"], body["to_location"]) == (
        "released", "posted", -4, OTHER_SHELF)
    assert bucket_total(MUG, Bucket.QUARANTINE, QUARANTINE) == 2
    assert bucket_total(MUG, Bucket.ON_HAND, OTHER_SHELF) == 4


@pytest.mark.parametrize("action, reason", [("dispose", "disposed"),
                                            ("return_to_seller", "returned_to_seller")])
def test_disposed_or_returned_units_leave_the_books(demo, api, action, reason):
    on_the_shelf(6, QUARANTINE)
    answer = api("supervisor").post("/api/v1/quarantine/dispositions", json={
        "warehouse": "LAX1", "location": QUARANTINE, "seller": "ACME", "sku": MUG, "qty": 6,
        "action": action})
    assert answer.status_code == 201 and answer.get_json()["reason"] == reason
    assert bucket_total(MUG, Bucket.QUARANTINE) == 0 and bucket_total(MUG, Bucket.ON_HAND) == 0


def test_a_disposition_of_more_than_is_in_quarantine_is_refused(demo, api):
    on_the_shelf(6, QUARANTINE)
    on_the_shelf(9, number="S-2")  # on a shelf, not held: not disposable
    before = movement_count()
    answer = api("supervisor").post("/api/v1/quarantine/dispositions", json={
        "warehouse": "LAX1", "location": QUARANTINE, "seller": "ACME", "sku": MUG, "qty": 7,
        "action": "dispose"})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "not_enough_stock"
    assert movement_count() == before and bucket_total(MUG, Bucket.QUARANTINE) == 6


def test_a_disposition_is_a_supervisors_and_a_release_needs_a_shelf(demo, api):
    on_the_shelf(6, QUARANTINE)
    body = {"warehouse": "LAX1", "location": QUARANTINE, "seller": "ACME", "sku": MUG,
            "qty": 1, "action": "release"}
    assert api("dock").post("/api/v1/quarantine/dispositions", json=body).status_code == 403
    no_shelf = api("supervisor").post("/api/v1/quarantine/dispositions", json=body)
    assert no_shelf.status_code == 422
    assert [d["path"] for d in no_shelf.get_json()["error"]["details"]] == ["to_location"]
    from_a_shelf = api("supervisor").post("/api/v1/quarantine/dispositions",
                                          json=body | {"location": SHELF, "action": "dispose"})
    assert from_a_shelf.get_json()["error"]["details"] == [
        {"path": "location", "message": "a quarantine location"}]


def test_the_seller_is_told_of_each_disposition(demo, api):
    on_the_shelf(6, QUARANTINE)
    api("supervisor").post("/api/v1/quarantine/dispositions", json={
        "warehouse": "LAX1", "location": QUARANTINE, "seller": "ACME", "sku": MUG, "qty": 2,
        "action": "return_to_seller", "note": "Back to Shenzhen."})
    [event] = db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.type == "stock.disposition")).all()
    assert event.seller_id == user("acme").seller_id
    assert event.payload["disposition"] | {"id": None, "at": None} == {
        "id": None, "at": None, "warehouse": "LAX1", "seller": "ACME", "sku": MUG,
        "location": QUARANTINE, "action": "return_to_seller", "qty": 2, "to_location": None,
        "note": "Back to Shenzhen."}
