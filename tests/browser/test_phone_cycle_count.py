"""A blind cycle count on a phone, the way a counter with a keyboard-wedge scanner does it:
three locations, one difference, its recount, a supervisor's approval, the count_loss
posted and the reconciliation report showing it. Every page on the way fits a 360 px phone."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from receiving_app.demo import gtin
from receiving_app.extensions import db
from receiving_app.models import Adjustment, AdjustmentReason
from tests.support.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser

A, B, C = "LAX1-A-01-01", "LAX1-A-01-02", "LAX1-A-01-03"
MUG, LID, LAMP = ("ACME-MUG-01", gtin("ACME", "00001")), ("ACME-LID-02", gtin("ACME", "00002")), \
    ("NOVA-LAMP-01", gtin("NOVA", "00001"))
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def stock_and_a_count(server) -> int:
    """Five mugs on A, four lids on B, three lamps on C; a blind count of the three."""
    for (sku, _), seller, location, qty in ((MUG, "ACME", A, 5), (LID, "ACME", B, 4),
                                            (LAMP, "NOVA", C, 3)):
        found = server.api_post("supervisor", "/api/v1/adjustments", {
            "warehouse": "LAX1", "seller": seller, "sku": sku, "location": location,
            "qty": qty, "reason": "found", "note": "opening stock"})
        assert found.status_code == 201, found.text
    created = server.api_post("supervisor", "/api/v1/cycle-counts",
                              {"warehouse": "LAX1", "locations": [A, B, C]})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def count_location(phone, location: str, counts: list[tuple[str, int]]) -> None:
    page = phone.page
    phone.scan(location)
    expect(page.locator("#cycle-count > .result")).to_contain_text(f"Counting {location}")
    for (sku, barcode), qty in counts:
        phone.wait_for_scan_focus()
        page.fill("input[name=qty]", str(qty))
        phone.scan(barcode, "#count-input")
        expect(page.locator("#cycle-count > .result")).to_contain_text(
            f"{sku}: {qty} counted at {location}.")


def test_a_blind_count_on_the_phone_recounted_approved_and_reported(browser, device, phone,
                                                                   live_server):
    count_id = stock_and_a_count(live_server)
    page = phone.login("dock")
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_role("link", name="Cycle counts").click()
    page.get_by_role("link", name=f"Count {count_id}").click()
    expect(page.locator("#cycle-count")).to_contain_text("Blind count")
    assert page.evaluate(FITS)

    count_location(phone, A, [(MUG, 5)])
    count_location(phone, B, [(LID, 4)])
    count_location(phone, C, [(LAMP, 2)])  # one lamp is missing
    expect(page.locator("#cycle-count")).not_to_contain_text("Book")
    page.get_by_role("button", name="Finish the count").click()
    expect(page.locator("#cycle-count > .result")).to_contain_text(
        f"Recount these locations: {C}.")
    expect(page.locator("#cycle-count")).to_contain_text("Locations to recount")
    assert page.evaluate(FITS)

    count_location(phone, C, [(LAMP, 2)])  # still two
    page.get_by_role("button", name="Finish the recount").click()
    expect(page.locator("#cycle-count > .result")).to_contain_text("Count complete")
    phone.context.clear_cookies()

    phone.login("supervisor")
    page.goto(f"/review/counts/{count_id}")
    expect(page.locator("#count-report")).to_contain_text("Accuracy 66.7 %")
    assert page.evaluate(FITS)
    page.get_by_role("button", name="Approve: post the differences").click()
    expect(page.locator(".flash")).to_contain_text("its differences are posted")
    with live_server.app_context():
        [loss] = db.session.scalars(sa.select(Adjustment).where(
            Adjustment.reason == AdjustmentReason.COUNT_LOSS)).all()
        assert (loss.qty, loss.location.barcode, loss.sku.code) == (-1, C, LAMP[0])
        assert_ledger_balanced()

    page.goto(f"/review/reports/reconciliation?sku={LAMP[0]}")
    report = page.locator("#reconciliation")
    expect(report).to_contain_text("−1 count loss")
    expect(report).to_contain_text("balanced")
    assert page.evaluate(FITS)
    phone.context.clear_cookies()

    phone.login("nova")  # the seller sees the loss on their own stock page
    page.goto("/seller/stock")
    expect(page.locator("#reconciliation")).to_contain_text("−1 count loss")
    expect(page.locator("#adjustments")).to_contain_text("count loss")
    assert page.evaluate(FITS)
