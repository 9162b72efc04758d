"""The claims board on the review desk: nearest deadline first, red under two business
days; a claim's page records its filing and the carrier's answer, and gives its pack."""
import re

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import ClaimKind, ClaimStatus, utcnow
from receiving_app.receiving import resolve_exception
from receiving_app.receiving.calendar import business_days_after
from tests.domain.test_claims import claim_of, damaged, delivered
from tests.support.builders import user, warehouse
from tests.support.i18n import compiled_catalogues  # noqa: F401  (fixture)

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("compiled_catalogues")]


def claim_due_in(number: str, business_days: int):
    """A claim still to file whose deadline is `business_days` business days away."""
    exception = damaged(delivered(number))
    resolve_exception(exception, "carrier_claim", "Crushed.", user=user("supervisor"))
    claim = claim_of(exception)
    claim.deadline_at = business_days_after(utcnow(), business_days, warehouse())
    db.session.commit()
    return claim


def test_the_board_shows_the_nearest_deadline_first_and_red_under_two_business_days(
        demo, client, auth):
    later, sooner = claim_due_in("BRD-1", 6), claim_due_in("BRD-2", 1)
    auth.login("supervisor")
    html = client.get("/review/claims").get_data(as_text=True)
    assert [int(n) for n in re.findall(r'data-claim="(\d+)"', html)] == [sooner.id, later.id]
    classes = {int(claim): css for css, claim in re.findall(
        r'class="claim-item([^"]*)" data-claim="(\d+)"', html)}
    assert "urgent" in classes[sooner.id] and "urgent" not in classes[later.id]
    assert "1 business days left" in html and "6 business days left" in html
    fragment = client.get("/review/claims?state=filed", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="claim-list">')
    assert "No claims." in fragment.get_data(as_text=True)


def test_a_claims_page_records_the_filing_and_the_answer(demo, client, auth):
    claim = claim_due_in("CLP-1", 3)
    auth.login("supervisor")
    page = client.get(f"/review/claims/{claim.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "3 business days left" in html
    assert "UTC-08:00" in html or "UTC-07:00" in html  # Los Angeles time
    token = auth.csrf_token(f"/review/claims/{claim.id}")
    saved = client.post(f"/review/claims/{claim.id}", data={
        "csrf_token": token, "version": "1", "status": "filed", "reference": "ODFL-1",
        "amount": "99.50", "currency": "usd", "note": "Filed by phone."})
    assert saved.status_code == 302
    db.session.refresh(claim)
    assert (claim.status, str(claim.amount), claim.currency, claim.reference) == (
        ClaimStatus.FILED, "99.50", "USD", "ODFL-1")
    html = client.get(saved.location).get_data(as_text=True)
    assert f"Claim {claim.id} saved." in html
    assert "status: to_file → filed" in html and "Filed by phone." in html


def test_a_wrong_change_is_told_on_the_page_and_saves_nothing(demo, client, auth):
    claim = claim_due_in("CLP-2", 3)
    auth.login("supervisor")
    token = auth.csrf_token(f"/review/claims/{claim.id}")
    refused = client.post(f"/review/claims/{claim.id}", data={
        "csrf_token": token, "version": "1", "status": "to_file", "amount": "ten",
        "currency": "", "reference": "", "note": ""})
    assert refused.status_code == 422
    assert "amount: an amount of 0 or more" in refused.get_data(as_text=True)
    db.session.refresh(claim)
    assert (claim.amount, claim.version) == (None, 1)


def test_the_supervisor_says_what_a_carrier_claim_is_for_and_gets_its_pack(demo, client, auth):
    exception = damaged(delivered("CLP-3"))
    auth.login("supervisor")
    token = auth.csrf_token("/review/exceptions")
    decided = client.post(f"/review/exceptions/{exception.id}/resolve", data={
        "csrf_token": token, "resolution": "carrier_claim", "claim_kind": "loss",
        "note": "The pallet never came.", "version": str(exception.version)})
    assert decided.status_code == 302
    claim = claim_of(exception)
    assert claim.kind is ClaimKind.LOSS
    pack = client.get(f"/review/claims/{claim.id}/pack.pdf")
    assert pack.status_code == 200 and pack.mimetype == "application/pdf"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.table("claims"))) == 1
