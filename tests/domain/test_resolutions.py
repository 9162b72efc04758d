"""Each supervisor resolution and what it posts to the ledger."""
import pytest
import sqlalchemy as sa

from receiving_app.errors import WrongStep
from receiving_app.extensions import db
from receiving_app.inventory.adjustments import approve_adjustment
from receiving_app.models import (
    Adjustment, AdjustmentReason, AdjustmentState, AsnStatus, Bucket, ExceptionKind,
    ExceptionState, ReceivingException, ResolutionKind,
)
from receiving_app.receiving import (
    close_receipt, inspect_carton, put_away, resolve_exception,
)
from receiving_app.receiving.disputes import dispute_line
from receiving_app.receiving.resolving import reverse_resolution
from tests.support.builders import counted, photographed, submit, user
from tests.support.ledger import (
    asn_bucket_total, assert_ledger_balanced, bucket_total, movement_count,
)

pytestmark = pytest.mark.both_databases


def one_carton(qty=10, sku="ACME-MUG-01"):
    asn = submit("R-1", {"C1": {sku: qty}})
    counted(asn)
    return asn


def inspected(asn, counts):
    result = inspect_carton(asn, "C1", user=user("dock"), counts=counts)
    return [db.session.get(ReceivingException, e["id"]) for e in result["exceptions"]]


def resolve(exception, resolution, app, note="checked"):
    if exception.state is ExceptionState.DRAFT:
        photographed(exception, app)
    return resolve_exception(exception, resolution, note, user=user("supervisor"))


def finish(asn, location="LAX1-A-03-01"):
    put_away(asn, "C1", location, user=user("dock"))
    close_receipt(asn, user=user("supervisor"))


def test_accepting_a_short_posts_what_was_found(demo, app):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "accept", app)
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING, "LAX1-DOCK-01") == 7
    finish(asn)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 7
    assert asn_bucket_total(asn, Bucket.IN_TRANSIT) == 0
    assert_ledger_balanced()


def test_accepting_an_over_posts_the_extra_units(demo, app):
    asn = one_carton()
    [over] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 12}])
    assert over.kind is ExceptionKind.OVER
    resolve(over, "accept", app)
    finish(asn)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 12
    assert_ledger_balanced()


def test_a_carrier_claim_sends_damaged_units_to_quarantine_and_flags_the_claim(demo, app):
    asn = one_carton()
    [damaged] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 10, "damaged": 3}])
    resolve(damaged, "carrier_claim", app)
    assert damaged.claim_flag is True
    assert bucket_total("ACME-MUG-01", Bucket.QUARANTINE, "LAX1-Q-01") == 3
    finish(asn)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 7
    assert_ledger_balanced()


def test_rejecting_posts_nothing(demo, app):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    photographed(short, app)
    movements = movement_count()
    resolve(short, "reject", app, note="counted a stacked layer twice")
    assert movement_count() == movements
    finish(asn)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 10


def test_a_draft_raised_in_error_can_be_rejected_without_a_photo(demo):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve_exception(short, "reject", "typo", user=user("supervisor"))
    assert short.state is ExceptionState.RESOLVED


def test_a_recount_sends_the_carton_back_and_a_matching_recount_settles_it(demo, app):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "recount", app)
    carton = asn.cartons[0]
    assert short.state is ExceptionState.OPEN
    assert carton.recount_requested and carton.inspected_at is None
    with pytest.raises(WrongStep):
        put_away(asn, "C1", "LAX1-A-03-01", user=user("dock"))
    inspected(asn, [{"sku": "ACME-MUG-01", "qty": 10}])
    assert short.state is ExceptionState.RESOLVED
    assert [r.resolution for r in short.resolutions] == [ResolutionKind.RECOUNT,
                                                          ResolutionKind.RECOUNT_MATCHED]
    finish(asn)
    assert asn.status is AsnStatus.CLOSED
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 10


def test_a_recount_that_confirms_the_difference_keeps_the_exception_open(demo, app):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "recount", app)
    again = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 8}])
    assert again == []  # no second exception: the first one carries the new count
    assert short.state is ExceptionState.OPEN and short.found_qty == 8
    resolve(short, "accept", app)
    finish(asn)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 8
    assert_ledger_balanced()


def test_wrong_sku_accepted_books_the_sku_that_was_really_there(demo, app):
    asn = one_carton()
    found = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 0}, {"sku": "ACME-LID-02", "qty": 10}])
    assert sorted(e.kind.value for e in found) == ["short", "wrong_sku"]
    for exception in found:
        resolve(exception, "accept", app)
    finish(asn)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 0
    assert bucket_total("ACME-LID-02", Bucket.ON_HAND, "LAX1-A-03-01") == 10
    assert_ledger_balanced()


def test_a_wrong_decision_is_reversed_by_a_new_one_and_decided_again(demo, app):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "accept", app)
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING, "LAX1-DOCK-01") == 7
    reverse_resolution(short, "the photo shows 10", user=user("supervisor"))
    assert short.state is ExceptionState.OPEN
    assert [r.resolution for r in short.resolutions] == [ResolutionKind.ACCEPT,
                                                          ResolutionKind.REVERSAL]
    assert short.resolutions[1].reverses_id == short.resolutions[0].id
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING, "LAX1-DOCK-01") == 10
    resolve(short, "reject", app)
    finish(asn)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 10
    assert_ledger_balanced()


def test_a_decision_reversed_after_putaway_proposes_its_correction_on_the_shelf(demo, app):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "accept", app)
    put_away(asn, "C1", "LAX1-A-03-01", user=user("dock"))
    before = movement_count()
    reverse_resolution(short, "the photo shows 10", user=user("supervisor"))
    assert short.state is ExceptionState.OPEN and movement_count() == before
    [proposal] = proposals_of(short)
    assert (proposal.state, proposal.reason, proposal.qty, proposal.location.barcode) == (
        AdjustmentState.PROPOSED, AdjustmentReason.CORRECTION, 3, "LAX1-A-03-01")
    approve_adjustment(proposal, user=user("supervisor"), note="three more on the shelf")
    resolve(short, "reject", app)
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 10
    assert_ledger_balanced()


def test_an_accepted_dispute_proposes_the_adjustment_it_implies(demo, app):
    dispute = disputed_short(app)
    before = movement_count()
    resolve_exception(dispute, "accept", "found them behind the rack",
                      user=user("supervisor"))
    assert movement_count() == before  # a proposal changes nothing yet
    [proposal] = proposals_of(dispute)
    assert (proposal.state, proposal.reason, proposal.qty, proposal.location.barcode,
            proposal.exception_id) == (AdjustmentState.PROPOSED,
                                       AdjustmentReason.DISPUTE_ACCEPTED, 3, "LAX1-A-03-01",
                                       dispute.id)
    # the supervisor posts it changed: two were there, on another shelf
    approve_adjustment(proposal, user=user("supervisor"), qty=2, location="LAX1-A-03-02")
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-02") == 2
    assert_ledger_balanced()


def test_reversing_an_accepted_dispute_withdraws_or_takes_back_its_adjustment(demo, app):
    dispute = disputed_short(app)
    resolve_exception(dispute, "accept", "agreed", user=user("supervisor"))
    reverse_resolution(dispute, "wrong rack", user=user("supervisor"))
    [withdrawn] = proposals_of(dispute)
    assert withdrawn.state is AdjustmentState.REJECTED
    resolve_exception(dispute, "accept", "agreed after all", user=user("supervisor"))
    posted = next(p for p in proposals_of(dispute) if p.state is AdjustmentState.PROPOSED)
    approve_adjustment(posted, user=user("supervisor"))
    reverse_resolution(dispute, "counted again: seven", user=user("supervisor"))
    [taken_back] = [p for p in proposals_of(dispute) if p.state is AdjustmentState.PROPOSED]
    assert (taken_back.qty, taken_back.reason) == (-3, AdjustmentReason.CORRECTION)
    approve_adjustment(taken_back, user=user("supervisor"))
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-03-01") == 7
    assert_ledger_balanced()


def disputed_short(app):
    """Ten mugs declared, seven found and accepted, put away on LAX1-A-03-01, closed; the
    seller disputes the line."""
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "accept", app)
    finish(asn)
    return dispute_line(asn, "ACME-MUG-01", "We packed ten.", user=user("acme"))


def proposals_of(exception) -> list[Adjustment]:
    return list(db.session.scalars(sa.select(Adjustment).where(
        Adjustment.exception_id == exception.id).order_by(Adjustment.id)))


def test_reversing_over_the_api_reopens_the_exception(demo, app, api):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "carrier_claim", app)
    supervisor = api("supervisor")
    assert supervisor.post(f"/api/v1/exceptions/{short.id}/reverse", json={}).status_code == 422
    body = supervisor.post(f"/api/v1/exceptions/{short.id}/reverse",
                           json={"note": "not the carrier"}).get_json()
    assert body["state"] == "open" and body["claim"] is False
    assert [r["resolution"] for r in body["resolutions"]] == ["carrier_claim", "reversal"]
    assert api("dock").post(f"/api/v1/exceptions/{short.id}/reverse",
                            json={"note": "x"}).status_code == 403


def test_a_supervisor_reverses_a_decision_from_the_exception_card(demo, app, auth, client):
    asn = one_carton()
    [short] = inspected(asn, [{"sku": "ACME-MUG-01", "qty": 7}])
    resolve(short, "accept", app)
    auth.login("supervisor")
    page = client.get(f"/review/exceptions/{short.id}").get_data(as_text=True)
    assert "Reverse this decision" in page
    card = client.post(f"/review/exceptions/{short.id}/reverse", headers={"HX-Request": "true"},
                       data={"csrf_token": auth.csrf_token("/review/"), "note": "miscounted"})
    assert card.status_code == 200 and "decision reversed" in card.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(short), short.id).state is ExceptionState.OPEN
