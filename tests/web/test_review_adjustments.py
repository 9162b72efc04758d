"""The review desk's adjustments: what waits for a second supervisor and what decisions
proposed, approved (a proposal changed on the way) or rejected with a note."""
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.inventory.adjustments import adjust_stock, new_proposal
from receiving_app.models import AdjustmentReason, AdjustmentState, Bucket, Sku
from tests.support.builders import user, warehouse
from tests.support.ledger import bucket_total
from tests.support.stock import MUG, OTHER_SHELF, SHELF, on_the_shelf


def lose(qty: int, who: str = "dock"):
    return adjust_stock(warehouse="LAX1", seller="ACME", sku=MUG, location=SHELF, qty=-qty,
                        reason="lost", note="not on the shelf", user=user(who))


def test_a_supervisor_approves_a_waiting_adjustment_from_the_desk(demo, client, auth):
    on_the_shelf(30)
    waiting = lose(12)
    auth.login("supervisor")
    page = client.get("/review/adjustments").get_data(as_text=True)
    assert f'id="adjustment-{waiting.id}"' in page and "awaiting approval" in page
    csrf = auth.csrf_token("/review/adjustments")
    answer = client.post(f"/review/adjustments/{waiting.id}/approve",
                         data={"csrf_token": csrf, "note": "saw the empty bay"})
    assert answer.status_code == 302
    assert f"Adjustment {waiting.id} posted." in client.get(answer.location).get_data(
        as_text=True)
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 18


def test_the_one_who_asked_is_told_another_supervisor_must_approve(demo, client, auth):
    on_the_shelf(30)
    waiting = lose(12, who="supervisor")
    auth.login("supervisor")
    csrf = auth.csrf_token("/review/adjustments")
    answer = client.post(f"/review/adjustments/{waiting.id}/approve", data={"csrf_token": csrf})
    assert "Another supervisor must approve" in client.get(answer.location).get_data(
        as_text=True)
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 30


def test_a_rejection_needs_its_why_and_posts_nothing(demo, client, auth):
    on_the_shelf(30)
    waiting = lose(15)
    auth.login("supervisor")
    csrf = auth.csrf_token("/review/adjustments")
    bare = client.post(f"/review/adjustments/{waiting.id}/reject", data={"csrf_token": csrf})
    assert "note: required: say why" in client.get(bare.location).get_data(as_text=True)
    client.post(f"/review/adjustments/{waiting.id}/reject",
                data={"csrf_token": csrf, "note": "they are in the next bay"})
    db.session.refresh(waiting)
    assert waiting.state is AdjustmentState.REJECTED
    assert bucket_total(MUG, Bucket.ON_HAND, SHELF) == 30


def test_a_proposal_is_posted_as_the_supervisor_changed_it(demo, client, auth):
    mug = db.session.scalar(sa.select(Sku).where(Sku.code == MUG))
    proposal = new_proposal(warehouse_id=warehouse().id, seller_id=mug.seller_id, sku_id=mug.id,
                            location=None, qty=3, reason=AdjustmentReason.DISPUTE_ACCEPTED,
                            exception_id=None, note="the seller packed three more",
                            user=user("supervisor"))
    db.session.commit()
    auth.login("supervisor")
    csrf = auth.csrf_token("/review/adjustments")
    client.post(f"/review/adjustments/{proposal.id}/approve", data={
        "csrf_token": csrf, "qty": "2", "location": OTHER_SHELF, "note": "two were there"})
    db.session.refresh(proposal)
    assert (proposal.state, proposal.qty, proposal.location.barcode) == (
        AdjustmentState.POSTED, 2, OTHER_SHELF)
    assert bucket_total(MUG, Bucket.ON_HAND, OTHER_SHELF) == 2
