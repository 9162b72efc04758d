"""Sellers register webhook URLs, see the secret once, switch them off, and follow each
delivery in the log, on the pages and over the API; disputes over the API."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, ExceptionKind, ExceptionState, WebhookEndpoint, utcnow
from receiving_app.webhooks import deliver_due
from tests.support.builders import arrived
from tests.support.receipts import MUG, receipt_with_every_kind_of_exception
from tests.support.webhooks import receivers  # noqa: F401  (fixture)


@pytest.fixture
def receiver(receivers):
    """Answers 500 the first time for each event, then 200."""
    return receivers(fail_first=1)


def acme_asn() -> Asn:
    return db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))


def test_a_seller_registers_a_url_sees_the_secret_once_and_follows_its_deliveries(
        demo, app, client, auth, receiver):
    auth.login("acme")
    token = auth.csrf_token("/seller/webhooks")
    created = client.post("/seller/webhooks", data={"url": receiver.url, "csrf_token": token})
    assert created.status_code == 201
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    html = created.get_data(as_text=True)
    assert f"<code data-secret>{endpoint.secret}</code>" in html
    assert endpoint.secret not in client.get("/seller/webhooks").get_data(as_text=True)

    arrived(acme_asn())
    start = utcnow()
    deliver_due(allow_loopback=True, now=start)
    log = client.get(f"/seller/webhooks/{endpoint.id}").get_data(as_text=True)
    row = re.search(r'<tr data-event="[^"]+" data-status="pending">(.*?)</tr>', log, re.S)
    assert row and "asn.arrived" in row.group(1) and "HTTP 500" in row.group(1)
    assert "<td>1</td>" in row.group(1), "one attempt so far"

    deliver_due(allow_loopback=True, now=start + timedelta(minutes=1))
    fragment = client.get(f"/seller/webhooks/{endpoint.id}", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"]
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="card" id="deliveries"')
    assert 'data-status="delivered"' in text and "<td>2</td>" in text
    assert f'hx-get="/seller/webhooks/{endpoint.id}"' in text


@pytest.mark.parametrize("url, status, message", [
    ("http://erp.acme.example/hook", 422, "HTTPS is required"),
    ("https://169.254.169.254/latest", 422, "not on the public internet"),
    ("not a url", 422, "Enter a full https:// URL."),
])
def test_a_url_that_may_not_receive_webhooks_is_refused_and_nothing_saved(
        demo, client, auth, url, status, message):
    auth.login("acme")
    answer = client.post("/seller/webhooks", data={
        "url": url, "csrf_token": auth.csrf_token("/seller/webhooks")})
    assert answer.status_code == status
    assert message in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_switching_a_webhook_off_keeps_it_and_its_log(demo, client, auth, receiver):
    auth.login("acme")
    token = auth.csrf_token("/seller/webhooks")
    client.post("/seller/webhooks", data={"url": receiver.url, "csrf_token": token})
    again = client.post("/seller/webhooks", data={"url": receiver.url, "csrf_token": token})
    assert again.status_code == 409 and "already registered" in again.get_data(as_text=True)
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    off = client.post(f"/seller/webhooks/{endpoint.id}/deactivate", data={"csrf_token": token})
    assert off.status_code == 302
    db.session.expire_all()
    assert endpoint.active is False
    page = client.get("/seller/webhooks").get_data(as_text=True)
    assert "switched off" in page and client.get(
        f"/seller/webhooks/{endpoint.id}").status_code == 200


def test_webhooks_over_the_api(demo, app, api, receiver):
    acme = api("acme")
    created = acme.post("/api/v1/webhooks", json={"url": receiver.url})
    assert created.status_code == 201
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    listed = acme.get("/api/v1/webhooks").get_json()["webhooks"]
    assert listed == [{k: body[k] for k in ("id", "url", "active", "created_at")}]

    arrived(acme_asn())
    deliver_due(allow_loopback=True)
    log = acme.get(f"/api/v1/webhooks/{body['id']}/deliveries").get_json()
    [delivery] = log["deliveries"]
    assert delivery["type"] == "asn.arrived" and delivery["status"] == "pending"
    assert delivery["attempts"] == 1 and delivery["last_status_code"] == 500
    assert delivery["next_attempt_at"] is not None
    assert receiver.requests[0].event["id"] == delivery["event_id"]

    gone = acme.client.delete(f"/api/v1/webhooks/{body['id']}", headers=acme._headers())
    assert gone.status_code == 200 and gone.get_json()["active"] is False
    bad = acme.post("/api/v1/webhooks", json={"url": "https://10.1.2.3/in"})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["path"] == "url"
    numeric = acme.post("/api/v1/webhooks", json={"url": "https://0x0a000001/"})  # 10.0.0.1
    assert numeric.status_code == 422
    assert numeric.get_json()["error"]["details"][0]["path"] == "url"
    assert [e.url for e in db.session.scalars(sa.select(WebhookEndpoint))] == [receiver.url]
    staff = api("supervisor").get("/api/v1/webhooks")
    assert staff.status_code == 403


def test_a_dispute_over_the_api(demo, app, api):
    asn = receipt_with_every_kind_of_exception(app)
    acme = api("acme")
    created = acme.post(f"/api/v1/asns/{asn.number}/disputes",
                        json={"sku": MUG, "note": "Sixty packed."})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["kind"], body["state"], body["expected_qty"], body["found_qty"], body["qty"]) \
        == (ExceptionKind.SELLER_DISPUTE.value, ExceptionState.OPEN.value, 60, 40, -20)
    twice = acme.post(f"/api/v1/asns/{asn.number}/disputes", json={"sku": MUG, "note": "!"})
    assert twice.status_code == 409
    no_note = acme.post(f"/api/v1/asns/{asn.number}/disputes", json={"sku": MUG})
    assert no_note.status_code == 422
    no_line = acme.post(f"/api/v1/asns/{asn.number}/disputes",
                        json={"sku": "ACME-WATCH-09", "note": "?"})
    assert no_line.status_code == 404
    open_asn = acme.post("/api/v1/asns/ASN-ACME-0001/disputes", json={"sku": MUG, "note": "?"})
    assert open_asn.status_code == 409
    assert api("supervisor").post(f"/api/v1/asns/{asn.number}/disputes",
                                  json={"sku": MUG, "note": "?"}).status_code == 403
