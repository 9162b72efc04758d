"""The phone app's server side: the service worker and its shell, the manifest, the offline
page, the session endpoint the offline queue replays with, and the scan forms' markup."""
import io
import json
import re
import shutil
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, Photo, ReceivingException, ScanEvent
from tests.support.builders import arrived, counted, jpeg_bytes

HTMX = {"HX-Request": "true"}


def days_ago(days: int) -> datetime:
    """A phone's clock when it scanned offline, `days` before it came back."""
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)


def worker_config(client) -> dict:
    script = client.get("/sw.js").get_data(as_text=True)
    return json.loads(re.match(r"const CONFIG = (.*);\n", script).group(1))


def test_service_worker_is_served_from_the_root_for_the_whole_app_and_never_cached(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]
    assert "self.addEventListener(\"fetch\"" in response.get_data(as_text=True)


def test_every_file_of_the_app_shell_exists_so_the_worker_can_install(app, client):
    config = worker_config(client)
    assert config["offline"] in config["shell"] and "/manifest.webmanifest" in config["shell"]
    for url in ("/static/app.js", "/static/queue.js", "/static/camera.js",
                "/static/vendor/htmx-2.0.11.min.js", "/static/vendor/idb-keyval-6.3.0.umd.js",
                "/static/vendor/zxing-wasm-3.1.4.reader.wasm", "/static/icons/icon-512.png"):
        assert url in config["shell"]
    for url in config["shell"]:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
    wasm = client.get("/static/vendor/zxing-wasm-3.1.4.reader.wasm")
    assert wasm.mimetype == "application/wasm"  # compiled while it streams in
    wasm.close()


def test_a_changed_shell_file_gives_the_worker_a_new_version(app, client, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    app.static_folder = str(static)
    before = worker_config(client)["version"]
    assert worker_config(client)["version"] == before  # stable while nothing changes
    (static / "app.css").write_text((static / "app.css").read_text() + "\n/* v2 */\n")
    assert worker_config(client)["version"] != before


def test_manifest_describes_an_installable_standalone_dock_app(app, client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/dock/"
    assert {(i["sizes"], i["purpose"]) for i in manifest["icons"]} == {
        ("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_offline_page_names_no_user_and_carries_no_token(demo, auth, client):
    auth.login("dock")
    page = client.get("/offline").get_data(as_text=True)
    assert "No network" in page and "data-queue-bar" in page
    assert "csrf" not in page.lower() and ">dock<" not in page


def test_session_endpoint_says_401_when_the_session_has_ended(demo, client):
    response = client.get("/auth/session")
    assert response.status_code == 401
    assert response.get_json()["error"]["login_url"] == "/auth/login"


def test_a_queued_scan_replays_with_a_fresh_token_after_the_worker_logs_in_again(
        demo, auth, client):
    asn = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001")))
    label = asn.cartons[0].label
    auth.login("dock")
    stale = auth.csrf_token("/dock/")
    client.post("/auth/logout", data={"csrf_token": stale})
    auth.login("dock")  # a new session: the page's old token no longer counts
    scanned_at = days_ago(3)
    scan = {"code": label, "key": "phone-key-1",
            "client_time": scanned_at.isoformat().replace("+00:00", "Z")}

    refused = client.post(f"/dock/asns/{asn.number}/receive", headers=HTMX,
                          data=dict(scan, csrf_token=stale))
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    session = client.get("/auth/session").get_json()
    assert session["username"] == "dock"
    for _ in range(2):  # a replay whose answer was lost, sent again: one receipt
        answer = client.post(f"/dock/asns/{asn.number}/receive", headers=HTMX,
                             data=dict(scan, csrf_token=session["csrf_token"]))
        assert answer.status_code == 200 and f"Received {label}" in answer.get_data(as_text=True)
    events = db.session.scalars(sa.select(ScanEvent)).all()
    assert [(e.idempotency_key, e.outcome) for e in events] == [("phone-key-1", "received")]
    assert events[0].client_time == scanned_at


def test_a_photo_sent_later_keeps_the_time_the_phone_took_it(demo, auth, client):
    asn = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001")))
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    client.post(f"/dock/asns/{asn.number}/receive", headers=HTMX,
                data={"code": "STRANGER-1", "csrf_token": token})
    exception = db.session.scalar(sa.select(ReceivingException))
    taken_at = days_ago(3)
    answer = client.post(f"/dock/exceptions/{exception.id}/photos", headers=HTMX, data={
        "csrf_token": token, "client_time": taken_at.isoformat(),
        "photo": (io.BytesIO(jpeg_bytes()), "IMG_0003.jpg")}, content_type="multipart/form-data")
    assert answer.status_code == 200 and "Photo saved" in answer.get_data(as_text=True)
    photo = db.session.scalar(sa.select(Photo))
    assert photo.client_taken_at == taken_at


def scan_forms(page: str) -> dict[str, str]:
    """Each scan form's opening tag, by the path it posts to."""
    return {re.search(r'action="([^"]+)"', tag).group(1): tag
            for tag in re.findall(r'<form class="scan"[^>]*>', page)}


def test_every_scan_form_keeps_its_key_has_a_camera_and_names_its_asn(demo, auth, client):
    asn = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001")))
    auth.login("dock")
    page = client.get(f"/dock/asns/{asn.number}").get_data(as_text=True)
    form = scan_forms(page)["/dock/asns/ASN-NOVA-0001/receive"]
    assert "data-queue" in form and 'data-asn="ASN-NOVA-0001"' in form
    assert 'hx-sync="this:drop"' in form and "hx-disabled-elt" in form
    assert page.count("data-camera hidden") == 1 and "data-camera-dialog" in page
    assert 'data-session-url="/auth/session"' in page and 'data-sw-url="/sw.js"' in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert "data-queue-counter" in page
    home = client.get("/dock/").get_data(as_text=True)
    assert 'action="/dock/find"' in home and "data-camera hidden" in home


def test_lookups_that_need_an_answer_now_are_not_queued_offline(demo, auth, client):
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-NOVA-0001"))
    counted(asn)
    auth.login("dock")
    forms = scan_forms(client.get(f"/dock/asns/{asn.number}").get_data(as_text=True))
    # which carton to open, which carton to put away: the next screen depends on the answer
    assert "data-queue" not in forms["/dock/asns/ASN-NOVA-0001/open"]
    assert "data-queue" not in forms["/dock/asns/ASN-NOVA-0001/putaway/carton"]
    selected = client.post(f"/dock/asns/{asn.number}/putaway/carton", headers=HTMX, data={
        "code": next(c.label for c in asn.cartons if not c.in_sample),
        "csrf_token": auth.csrf_token("/dock/")})
    location = scan_forms(selected.get_data(as_text=True))["/dock/asns/ASN-NOVA-0001/putaway"]
    assert "data-queue" in location  # the putaway itself can wait, with its key
