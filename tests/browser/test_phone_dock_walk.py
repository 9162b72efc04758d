"""A demo ASN received end to end on a phone, the way a worker with a keyboard-wedge scanner
does it: every scan typed as characters and Enter, the scan input never losing the focus.

Screenshots of each step go to a temporary folder, or to docs/screenshots/ (shown in the
README) with UPDATE_SCREENSHOTS=1.
"""
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from receiving_app.demo import sscc
from receiving_app.extensions import db
from receiving_app.models import (
    Asn, AsnStatus, CartonStatus, ExceptionState, Photo, ReceivingException, ScanEvent,
)
from tests.support.builders import jpeg_bytes
from tests.support.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser

NUMBER = "ASN-ACME-0001"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def screenshot(phone, tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    taken = []

    def take(name: str) -> None:
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        phone.page.screenshot(path=str(path), full_page=True)
        taken.append(path)

    yield take
    assert all(path.stat().st_size > 10_000 for path in taken)


def cartons_on_the_asn(server):
    with server.app_context():
        asn = db.session.scalar(sa.select(Asn).where(Asn.number == NUMBER))
        return {c.label: [(x.sku.code, x.sku.barcodes[0].code, x.declared_qty) for x in c.contents]
                for c in asn.cartons}


def test_demo_asn_received_end_to_end_with_a_wedge_scanner(phone, live_server, screenshot):
    page = phone.login("dock")
    cartons = cartons_on_the_asn(live_server)
    expect(page.locator("h1")).to_contain_text("Open ASNs")
    screenshot("dock-home")

    # arrival: the ASN number scanned on the dock home
    phone.scan(NUMBER)
    expect(page.locator("#flow h1")).to_contain_text(NUMBER)
    screenshot("check-in")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#flow > .result")).to_contain_text("Checked in: 12 cartons")

    # the count: GS1-128 labels with their symbology identifier, one carton twice, a stranger
    for n, label in enumerate(cartons, start=1):
        phone.scan(f"]C100{label}")
        expect(page.locator("#scan-result")).to_contain_text(f"Received {label}")
        expect(page.locator("#progress")).to_have_text(f"{n}/12")
    phone.scan(f"]C100{next(iter(cartons))}")
    expect(page.locator("#scan-result.tone-warn")).to_contain_text("Already received")
    stranger = sscc("ACME", 99)
    phone.scan(f"]C100{stranger}")
    expect(page.locator("#scan-result.tone-error")).to_contain_text("Not on this ASN")
    screenshot("carton-count")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Count complete").click()
    expect(page.locator("#flow > .result")).to_contain_text("Count done: 12 received, 0 missing")

    # the sample the system chose: each carton opened, its units scanned with a typed count
    screenshot("sample-to-open")
    while page.locator("#to-open a").count():
        label = page.locator("#to-open a").first.inner_text().split(" ")[0]
        phone.scan(label, "#open-input")
        expect(page.locator("h1")).to_contain_text(f"Open carton {label}")
        for sku, barcode, qty in cartons[label]:
            page.fill("input[name=qty]", str(qty))
            phone.scan(barcode, "#unit-input")
            expect(page.locator("#carton-count > .result")).to_contain_text(f"{sku} +{qty} = {qty}")
            phone.wait_for_scan_focus()
        if label == list(cartons)[-1]:
            screenshot("open-carton")
        page.get_by_role("button", name="Carton counted").click()
        expect(page.locator(".flash")).to_contain_text("matches the packing list")

    # the stranger's exception, photographed from the phone camera (a generated JPEG)
    exception = page.locator(".exception.state-draft")
    expect(exception).to_contain_text("unexpected carton")
    exception.locator("input[name=photo]").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])
    exception.get_by_role("button", name="Add photo").click()
    expect(page.locator("#flow > .result")).to_contain_text("Photo saved")
    screenshot("exception-photo")
    with live_server.app_context():
        photo = db.session.scalar(sa.select(Photo))
        assert photo.client_taken_at is not None  # the phone's time travels with it
        exception_id = photo.exception_id
    # the supervisor's decision, from the review desk (here through the API)
    decision = live_server.api_post("supervisor", f"/api/v1/exceptions/{exception_id}/resolve",
                                    {"resolution": "reject", "note": "not ours: back to carrier"})
    assert decision.status_code == 200, decision.text

    # putaway: carton, then the suggested location; the focus follows to the location input
    page.reload()
    for n, label in enumerate(cartons):
        phone.scan(label)
        suggestion = page.locator("#putaway .suggest strong").inner_text()
        phone.scan(suggestion)
        expect(page.locator("#putaway > .result")).to_contain_text(f"Put away {label} to {suggestion}")
        if n == 0:
            screenshot("putaway")
    page.reload()
    page.get_by_role("button", name="Close receipt").click()
    expect(page.locator("#flow > .result")).to_contain_text(f"ASN {NUMBER} closed")
    screenshot("closed")

    with live_server.app_context():
        asn = db.session.scalar(sa.select(Asn).where(Asn.number == NUMBER))
        assert asn.status is AsnStatus.CLOSED
        assert all(c.status is CartonStatus.PUT_AWAY for c in asn.cartons)
        states = db.session.scalars(sa.select(ReceivingException.state)
                                    .where(ReceivingException.asn_id == asn.id)).all()
        assert states == [ExceptionState.RESOLVED]
        receipts = db.session.scalars(sa.select(ScanEvent).where(
            ScanEvent.step == "receive", ScanEvent.outcome == "received")).all()
        assert sorted(e.carton.label for e in receipts) == sorted(cartons)
        assert all(e.raw_code.startswith("]C1") and e.client_time for e in receipts)
        assert_ledger_balanced()


def test_a_double_tap_on_enter_is_one_scan(phone, live_server):
    assert live_server.api_post("dock", "/api/v1/asns/ASN-NOVA-0001/arrive",
                                {"paperwork_cartons": 6}).status_code == 200
    with live_server.app_context():
        label = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001")).cartons[0].label
    page = phone.login("dock", next_path="/dock/asns/ASN-NOVA-0001")
    page.locator("#scan-input").fill(label)
    page.get_by_role("button", name="Enter").dblclick()
    expect(page.locator("#scan-result")).to_contain_text(f"Received {label}")
    phone.wait_for_scan_focus()
    with live_server.app_context():
        events = db.session.scalars(sa.select(ScanEvent)).all()
        assert [(e.outcome, e.raw_code) for e in events] == [("received", label)]


def test_a_step_sent_after_the_session_ended_goes_to_the_login_page_and_comes_back(
        phone, live_server):
    page = phone.login("dock", next_path=f"/dock/asns/{NUMBER}")
    phone.context.clear_cookies()  # the shift's session is over

    page.get_by_role("button", name="Check in").click()

    # the whole page is the login page, not a login form swapped into the dock panel
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    expect(page.locator("#flow")).to_have_count(0)
    page.fill("input[name=username]", "dock")
    page.fill("input[name=password]", "dockside-demo")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/dock/asns/{NUMBER}$"))
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#flow > .result")).to_contain_text("Checked in")
