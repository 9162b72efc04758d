"""Wi-Fi drops behind the racks: scans made without a network are kept on the phone and
replayed in order when it returns, each counted exactly once; what the server refuses on
replay is shown to the worker, never dropped."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from receiving_app.extensions import db
from receiving_app.models import (
    Asn, CartonStatus, ExceptionState, Photo, ReceivingException, ScanEvent, User,
)
from tests.support.builders import jpeg_bytes
from tests.support.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser

NUMBER = "ASN-NOVA-0001"
QUEUED_ITEMS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("dockside-queue");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("scans").objectStore("scans").getAll();
    request.onsuccess = () => resolve(request.result.map(item => ({
      key: item.key, asn: item.asn, step: item.step, url: item.url, code: item.code,
      client_time: item.client_time, state: item.state, message: item.message,
      file: item.file ? item.file.size : 0})));
  };
})"""


def labels(server) -> list[str]:
    with server.app_context():
        asn = db.session.scalar(sa.select(Asn).where(Asn.number == NUMBER))
        return [carton.label for carton in asn.cartons]


def receive_events(server) -> list[ScanEvent]:
    with server.app_context():
        events = db.session.scalars(sa.select(ScanEvent).where(ScanEvent.step == "receive")
                                    .order_by(ScanEvent.id)).all()
        for event in events:  # loaded while the session is open
            _ = event.carton.label if event.carton else None, event.user.username
        return events


def checked_in(phone):
    page = phone.login("dock", next_path=f"/dock/asns/{NUMBER}")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#flow > .result")).to_contain_text("Checked in")
    return page


def scan_offline(phone, code: str, queued: int) -> None:
    phone.scan(code)
    expect(phone.page.locator("[data-queued-note]")).to_contain_text(f"Queued {code}")
    expect(phone.page.locator("[data-queue-counter]")).to_have_text(f"queued {queued}")


def test_cartons_scanned_offline_are_received_exactly_once_when_the_network_returns(
        phone, live_server):
    cartons = labels(live_server)
    page = checked_in(phone)
    for label in cartons[:2]:
        phone.scan(label)
        expect(page.locator("#scan-result")).to_contain_text(f"Received {label}")

    phone.context.set_offline(True)
    expect(page.locator("[data-offline-badge]")).to_be_visible()
    for n, label in enumerate([cartons[2], cartons[3], cartons[4], cartons[3]], start=1):
        scan_offline(phone, label, n)
    expect(page.locator("#progress")).to_have_text("2/6")  # nothing confirmed yet
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Count complete").click()  # this step cannot wait
    expect(page.locator("[data-needs-network]")).to_be_visible()
    kept = page.evaluate(QUEUED_ITEMS)
    assert [item["code"] for item in kept] == [cartons[2], cartons[3], cartons[4], cartons[3]]
    assert len({item["key"] for item in kept}) == 4
    assert all(item["asn"] == NUMBER and item["url"].endswith(f"/{NUMBER}/receive")
               and item["step"] and item["client_time"] for item in kept)

    phone.context.set_offline(False)
    expect(page.locator("[data-queue-counter]")).to_be_hidden()
    report = page.locator("[data-queue-report]")
    expect(report).to_contain_text("Sent 4 queued scans")
    expect(report).to_contain_text(f"{cartons[3]}: Already received")
    expect(page.locator("#progress")).to_have_text("5/6")  # the page caught up
    assert page.evaluate(QUEUED_ITEMS) == []

    events = receive_events(live_server)
    received = [e.carton.label for e in events if e.outcome == "received"]
    assert sorted(received) == sorted(cartons[:5])  # every carton once, in scan order
    assert received[2:] == cartons[2:5]
    assert [e.carton.label for e in events if e.outcome == "duplicate"] == [cartons[3]]
    by_key = {e.idempotency_key: e for e in events}
    for item in kept:  # the phone's key and time arrived with the scan
        assert by_key[item["key"]].client_time is not None
    with live_server.app_context():
        assert_ledger_balanced()


def test_a_scan_refused_on_replay_is_parked_for_the_worker_never_dropped(phone, live_server):
    cartons = labels(live_server)
    page = checked_in(phone)
    phone.context.set_offline(True)
    scan_offline(phone, cartons[0], 1)
    scan_offline(phone, cartons[1], 2)
    # meanwhile a colleague with a working network finishes the count
    answer = live_server.api_post("supervisor", f"/api/v1/asns/{NUMBER}/count/complete")
    assert answer.status_code == 200, answer.text

    phone.context.set_offline(False)
    parked = page.locator("[data-queue-parked]")
    expect(parked.locator("li")).to_have_count(2)
    expect(parked.locator("li").first).to_contain_text(cartons[0])
    expect(parked).to_contain_text("Send again")
    expect(page.locator("[data-queue-counter]")).to_be_hidden()
    assert [item["state"] for item in page.evaluate(QUEUED_ITEMS)] == ["parked", "parked"]

    page.reload()  # still there after a reload: nothing is lost until the worker says so
    expect(parked.locator("li")).to_have_count(2)
    parked.locator("li").first.get_by_role("button", name="Seen, drop it").click()
    expect(parked.locator("li")).to_have_count(1)
    parked.get_by_role("button", name="Send again").click()  # refused again: parked again
    expect(parked.locator("li")).to_have_count(1)
    expect(parked).to_contain_text(cartons[1])
    assert [e.outcome for e in receive_events(live_server)] == []


def test_a_worker_whose_session_ended_logs_in_again_and_the_queue_drains_under_their_account(
        phone, live_server):
    cartons = labels(live_server)
    page = checked_in(phone)
    phone.context.set_offline(True)
    scan_offline(phone, cartons[0], 1)
    scan_offline(phone, cartons[1], 2)
    phone.context.clear_cookies()  # the shift's session is over

    phone.context.set_offline(False)
    login = page.locator("[data-queue-login]")
    expect(login).to_be_visible()
    login.get_by_role("link", name="Log in again").click()
    expect(page.locator("[data-queue-counter]")).to_have_text("queued 2")  # on the login page
    page.fill("input[name=username]", "dock")
    page.fill("input[name=password]", "dockside-demo")
    page.locator("form button[type=submit]").click()

    expect(page.locator("[data-queue-report]")).to_contain_text("Sent 2 queued scans")
    expect(page.locator("#progress")).to_have_text("2/6")
    events = receive_events(live_server)
    assert [(e.carton.label, e.outcome, e.user.username) for e in events] == [
        (cartons[0], "received", "dock"), (cartons[1], "received", "dock")]


def test_a_server_error_a_lost_answer_or_a_try_still_in_flight_keeps_the_scan_for_later(
        browser, device, live_server):
    from tests.browser.conftest import Phone

    # page.route sees every request only without a service worker in between
    phone = Phone(browser, device, live_server, service_workers="block")
    network = {"receive": "up"}

    def dock_network(route):
        if network["receive"] == "busy":
            route.fulfill(status=503, body="busy")
        elif network["receive"] == "in_flight":  # an earlier try with this key is running
            route.fulfill(status=409, headers={"Retry-After": "1"}, content_type="text/html",
                          body='<div id="scan-result"><p class="result tone-error">'
                               '<span class="result-text">This scan is still being answered'
                               '</span></p></div>')
        elif network["receive"] == "lost":
            route.abort("connectionreset")
        elif network["receive"] == "answer_lost":  # the server did it; the answer never came
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    try:
        cartons = labels(live_server)
        page = checked_in(phone)
        page.route("**/receive", dock_network)
        for trouble, label in (("busy", cartons[0]), ("lost", cartons[1]),
                               ("in_flight", cartons[2]), ("answer_lost", cartons[3])):
            network["receive"] = trouble
            scan_offline(phone, label, 1)
            network["receive"] = "up"
            # the worker switches back to the app: it tries again at once
            page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
            expect(page.locator("[data-queue-counter]")).to_be_hidden()
            expect(page.locator("[data-queue-report]")).to_contain_text("Sent 1 queued scan.")
            expect(page.locator("[data-queue-parked]")).to_be_hidden()
            page.get_by_role("button", name="OK").click()
        assert [(e.carton.label, e.outcome) for e in receive_events(live_server)] == [
            (cartons[0], "received"), (cartons[1], "received"), (cartons[2], "received"),
            (cartons[3], "received")]  # the replay of a scan already done: its first answer
    finally:
        assert not phone.close()


def test_a_photo_taken_offline_is_kept_with_the_image_and_attached_later(phone, live_server):
    page = checked_in(phone)
    phone.scan("NOT-ON-THIS-ASN")  # a stranger on the pallet: an exception to photograph
    expect(page.locator("#scan-result.tone-error")).to_contain_text("Not on this ASN")
    page.reload()

    phone.context.set_offline(True)
    exception = page.locator(".exception.state-draft")
    exception.locator("input[name=photo]").set_input_files(
        files=[{"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])
    exception.get_by_role("button", name="Add photo").click()
    expect(page.locator("[data-queue-counter]")).to_have_text("queued 1")
    [kept] = page.evaluate(QUEUED_ITEMS)
    assert kept["file"] == len(jpeg_bytes()) and kept["code"] == "IMG_0002.jpg"
    assert kept["step"].startswith("Photo: unexpected carton")

    phone.context.set_offline(False)
    expect(page.locator("[data-queue-report]")).to_contain_text("Sent 1 queued scan")
    expect(page.locator(".exception.state-open")).to_contain_text("1 photo(s)")
    with live_server.app_context():
        photo = db.session.scalar(sa.select(Photo))
        assert db.session.get(ReceivingException, photo.exception_id).state is ExceptionState.OPEN
        assert photo.client_taken_at is not None
        assert photo.uploaded_by_id == db.session.scalar(
            sa.select(User.id).where(User.username == "dock"))
        assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1
        asn = db.session.scalar(sa.select(Asn).where(Asn.number == NUMBER))
        assert all(c.status is CartonStatus.EXPECTED for c in asn.cartons)
