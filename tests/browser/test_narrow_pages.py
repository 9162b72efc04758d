"""The paper trail's and the claims' pages fit a 360 px phone: nothing wider than the
screen, no serious accessibility violation, no script error or CSP violation."""
import pytest
import sqlalchemy as sa

from tests.browser.conftest import Phone
from tests.browser.test_accessibility import violations

pytestmark = pytest.mark.browser
NARROW = {"viewport": {"width": 360, "height": 740}}


def a_claim_and_a_tightened_seller(server) -> tuple[int, str]:
    """ASN-ACME-0001 checked in (seal, trailer), counted; a damaged carton photographed and
    claimed from the carrier; ACME's level set to tightened by hand."""
    from receiving_app.extensions import db
    from receiving_app.models import Asn, ClaimItem, Seller
    from receiving_app.receiving import raise_exception, resolve_exception
    from receiving_app.receiving.inspection_levels import set_inspection_level
    from tests.support.builders import counted, photographed, user, warehouse

    base = "/api/v1/asns/ASN-ACME-0001"
    assert server.api_post("dock", f"{base}/arrive", {
        "paperwork_cartons": 12, "seal_number": "SL-123456789", "trailer": "TRL-53-0042",
        "carrier": "Old Dominion Freight Line"}).status_code == 200
    with server.app_context() as app:
        asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))
        counted(asn)
        exception = raise_exception(asn, "damaged", user=user("dock"),
                                    carton_label=asn.cartons[0].label, note="Forklift hole.")
        photographed(exception, app)
        resolve_exception(exception, "carrier_claim", "Damaged in the trailer.",
                          user=user("supervisor"))
        claim_id = db.session.scalar(sa.select(ClaimItem.claim_id))
        set_inspection_level(db.session.scalar(sa.select(Seller).where(Seller.code == "ACME")),
                             warehouse(), "tightened", "New packer.", user=user("supervisor"))
        return claim_id, asn.number


def too_wide(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response.ok, path
    width = page.evaluate("document.documentElement.scrollWidth")
    return [f"{path}: {width} px wide"] if width > 360 else []


def test_the_new_pages_fit_a_360_px_phone(browser, device, live_server):
    claim_id, number = a_claim_and_a_tightened_seller(live_server)
    phone = Phone(browser, device, live_server, **NARROW)
    found = []
    try:
        page = phone.login("dock")
        found += too_wide(page, f"/dock/asns/{number}")
        phone.context.clear_cookies()
        page = phone.login("supervisor")
        for path in ("/review/claims", f"/review/claims/{claim_id}", "/review/inspection",
                     "/review/sellers/ACME/inspection"):
            found += too_wide(page, path) + violations(page, path)
        phone.context.clear_cookies()
        page = phone.login("acme")
        found += too_wide(page, "/seller/inspection") + violations(page, "/seller/inspection")
    finally:
        problems = phone.close()
    assert found == [] and problems == []
