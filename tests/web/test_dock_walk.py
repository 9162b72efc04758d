"""A demo ASN walked through every step, through the phone pages and through the API,
with the ledger checked after each step."""
import io
import re

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import (
    Asn, AsnStatus, Bucket, CartonStatus, ExceptionState, ReceivingException, ScanEvent,
)
from tests.support.builders import jpeg_bytes
from tests.support.ledger import asn_bucket_total, assert_ledger_balanced, bucket_total

pytestmark = pytest.mark.both_databases

HTMX = {"HX-Request": "true"}


def load(number):
    db.session.expire_all()
    return db.session.scalar(sa.select(Asn).where(Asn.number == number))


def exceptions(asn, state=None):
    query = sa.select(ReceivingException).where(ReceivingException.asn_id == asn.id)
    if state:
        query = query.where(ReceivingException.state == state)
    return db.session.scalars(query.order_by(ReceivingException.id)).all()


class Phone:
    """A dock worker's phone: posts the forms the pages show, with the CSRF token."""

    def __init__(self, client, auth, username="dock"):
        self.client, self.auth = client, auth
        auth.login(username)
        self.token = auth.csrf_token("/dock/")

    def post(self, path, data=None, htmx=False, **kwargs):
        data = dict(data or {}, csrf_token=self.token)
        return self.client.post(path, data=data, headers=HTMX if htmx else {}, **kwargs)


def test_demo_asn_through_every_step_on_the_phone_pages(demo, client, auth):
    number = "ASN-ACME-0001"
    phone = Phone(client, auth)
    base = f"/dock/asns/{number}"
    assert "Check in" in client.get(base).get_data(as_text=True)

    # 1. arrival
    assert phone.post(f"{base}/arrive", {"paperwork_cartons": "12"}).status_code == 302
    asn = load(number)
    assert asn.status is AsnStatus.ARRIVED and asn.sla_due_at is not None
    assert asn_bucket_total(asn, Bucket.IN_TRANSIT) == 10 * 24 + 24 + 5

    # 2. count: eleven cartons scanned as GS1-128 with the symbology prefix, one never comes
    missing = asn.cartons[9]
    for carton in asn.cartons:
        if carton is missing:
            continue
        fragment = phone.post(f"{base}/receive", {"code": f"]C100{carton.sscc}", "key":
                                                  f"k-{carton.id}"}, htmx=True)
        text = fragment.get_data(as_text=True)
        assert fragment.status_code == 200 and f"Received {carton.label}" in text
        assert 'id="progress" hx-swap-oob="true"' in text
        assert fragment.headers["HX-Trigger"] == '{"scan-ok": ""}'
    duplicate = phone.post(f"{base}/receive", {"code": asn.cartons[0].sscc}, htmx=True)
    assert "Already received" in duplicate.get_data(as_text=True)
    assert duplicate.headers["HX-Trigger"] == '{"scan-warn": ""}'
    asn = load(number)
    assert asn_bucket_total(asn, Bucket.RECEIVING) == 9 * 24 + 24 + 5
    assert asn_bucket_total(asn, Bucket.IN_TRANSIT) == 24
    assert_ledger_balanced()

    phone.post(f"{base}/count/complete")
    asn = load(number)
    assert asn.status is AsnStatus.COUNTED
    assert [e.kind.value for e in exceptions(asn)] == ["missing_carton"]

    # 3. open the sample: one mug carton is one short, the watch carton has a damaged unit
    mug_ean = next(b.code for b in asn.cartons[0].contents[0].sku.barcodes)
    first_mug = next(c for c in asn.cartons if c.in_sample and c.contents[0].sku.code ==
                     "ACME-MUG-01" and not c.is_mixed)
    page = client.get(f"{base}/cartons/{first_mug.label}").get_data(as_text=True)
    assert "Expected" in page  # not a blind warehouse
    for _ in range(23):
        phone.post(f"{base}/cartons/{first_mug.label}/units", {"code": mug_ean}, htmx=True)
    phone.post(f"{base}/cartons/{first_mug.label}/inspect")
    asn = load(number)
    assert all(c.in_sample for c in asn.cartons if c.status is CartonStatus.RECEIVED
               and any(x.sku.code == "ACME-MUG-01" for x in c.contents))  # escalated
    while True:
        asn = load(number)
        to_open = [c for c in asn.cartons if c.in_sample and c.status is CartonStatus.RECEIVED
                   and c.inspected_at is None]
        if not to_open:
            break
        carton = to_open[0]
        for content in carton.contents:
            damaged = "on" if content.sku.high_value else ""
            if damaged:
                phone.post(f"{base}/cartons/{carton.label}/units",
                           {"code": content.sku.code, "qty": "1", "damaged": "on"})
                qty = content.declared_qty - 1
            else:
                qty = content.declared_qty
            phone.post(f"{base}/cartons/{carton.label}/units",
                       {"code": content.sku.code, "qty": str(qty)})
        phone.post(f"{base}/cartons/{carton.label}/inspect")
    asn = load(number)
    assert asn.status is AsnStatus.INSPECTED
    kinds = sorted(e.kind.value for e in exceptions(asn))
    assert kinds == ["damaged", "missing_carton", "short"]
    assert asn_bucket_total(asn, Bucket.RECEIVING) == 9 * 24 + 24 + 5  # nothing posted yet

    # 4. every exception photographed from the phone, then resolved by the supervisor
    for exception in exceptions(asn, ExceptionState.DRAFT):
        response = phone.post(f"/dock/exceptions/{exception.id}/photos",
                              {"photo": (io.BytesIO(jpeg_bytes()), "IMG_0001.jpg")},
                              content_type="multipart/form-data")
        assert response.status_code == 302
    assert exceptions(load(number), ExceptionState.DRAFT) == []
    client.post("/auth/logout", data={"csrf_token": phone.token})
    auth.login("supervisor")
    token = auth.csrf_token(f"/review/asns/{number}")
    decisions = {"short": "accept", "damaged": "carrier_claim", "missing_carton": "accept"}
    for exception in exceptions(load(number)):
        client.post(f"/review/exceptions/{exception.id}/resolve", data={
            "csrf_token": token, "resolution": decisions[exception.kind.value],
            "note": "checked the photos", "version": exception.version})
    asn = load(number)
    assert all(e.state is ExceptionState.RESOLVED for e in exceptions(asn))
    assert bucket_total("ACME-WATCH-09", Bucket.QUARANTINE, "LAX1-Q-01") == 1
    assert asn_bucket_total(asn, Bucket.IN_TRANSIT) == 0  # the missing carton, written off
    assert_ledger_balanced()

    # 5. putaway, with the suggested location
    client.post("/auth/logout", data={"csrf_token": token})
    phone = Phone(client, auth)
    for carton in [c for c in load(number).cartons if c.status is CartonStatus.RECEIVED]:
        selected = phone.post(f"{base}/putaway/carton", {"code": carton.label}, htmx=True)
        suggested = re.search(r"Suggested: <strong>([^<]+)</strong>",
                              selected.get_data(as_text=True)).group(1)
        done = phone.post(f"{base}/putaway", {"carton": carton.label, "code": suggested},
                          htmx=True)
        assert f"Put away {carton.label} to {suggested}" in done.get_data(as_text=True)
    again = phone.post(f"{base}/putaway/carton", {"code": load(number).cartons[0].label},
                       htmx=True)
    assert again.status_code == 409 and "already put away" in again.get_data(as_text=True)
    asn = load(number)
    assert asn.status is AsnStatus.PUT_AWAY and asn_bucket_total(asn, Bucket.RECEIVING) == 0

    # 6. close
    phone.post(f"{base}/close")
    asn = load(number)
    assert asn.status is AsnStatus.CLOSED
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND) == 8 * 24 + 23 + 12
    assert bucket_total("ACME-LID-02", Bucket.ON_HAND) == 12
    assert bucket_total("ACME-WATCH-09", Bucket.ON_HAND) == 4
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-01-01") == 8 * 24 + 23 + 12
    assert asn_bucket_total(asn, Bucket.IN_TRANSIT) == 0
    assert_ledger_balanced()


def test_demo_asn_through_every_step_over_the_api(api, app):
    dock, supervisor = api("dock"), api("supervisor")
    base = "/api/v1/asns/ASN-NOVA-0001"
    asn = load("ASN-NOVA-0001")
    labels = [c.label for c in asn.cartons]

    assert dock.post(f"{base}/cartons/{labels[0]}/receive").status_code == 409  # not arrived
    arrived = dock.post(f"{base}/arrive", json={"paperwork_cartons": 6}).get_json()
    assert arrived["status"] == "arrived" and arrived["sla_due_at"]
    for label in labels:
        response = dock.post(f"{base}/cartons/{label}/receive",
                             headers={"Idempotency-Key": f"key-{label}"})
        assert response.get_json()["outcome"] == "received"
    replay = dock.post(f"{base}/cartons/{labels[0]}/receive", headers={"Idempotency-Key":
                                                                        f"key-{labels[0]}"})
    assert replay.get_json()["outcome"] == "received"
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert_ledger_balanced()

    sample = dock.post(f"{base}/count/complete").get_json()["sample"]
    assert len(sample) == 2  # six cartons, nothing mandatory: Z1.4 says 2
    body = dock.get(base).get_json()
    assert sorted(c["label"] for c in body["cartons"] if c["in_sample"]) == sorted(sample)

    # the first sample carton is 1 short
    first = next(c for c in body["cartons"] if c["label"] == sample[0])
    sku, qty = first["contents"][0]["sku"], first["contents"][0]["qty"]
    result = dock.post(f"{base}/cartons/{sample[0]}/inspect",
                       json={"counts": [{"sku": sku, "qty": qty - 1, "damaged": 0}]}).get_json()
    assert [e["kind"] for e in result["exceptions"]] == ["short"]
    while True:
        body = dock.get(base).get_json()
        open_next = [c for c in body["cartons"] if c["in_sample"] and not c["opened"]]
        if not open_next:
            break
        carton = open_next[0]
        counts = [{"sku": x["sku"], "qty": x["qty"], "damaged": 0} for x in carton["contents"]]
        dock.post(f"{base}/cartons/{carton['label']}/inspect", json={"counts": counts})
    short_id = result["exceptions"][0]["id"]

    unresolved = supervisor.post(f"/api/v1/exceptions/{short_id}/resolve",
                                 json={"resolution": "accept", "note": "ok"})
    assert unresolved.status_code == 409  # no photo yet
    photo = dock.post(f"/api/v1/exceptions/{short_id}/photos",
                      data={"photo": (io.BytesIO(jpeg_bytes()), "short.jpg")},
                      content_type="multipart/form-data")
    assert photo.status_code == 201
    assert set(photo.get_json()) >= {"id", "sha256", "width", "height", "taken_at", "url",
                                     "thumbnail_url", "barcodes"}
    assert dock.post(f"/api/v1/exceptions/{short_id}/resolve",
                     json={"resolution": "accept", "note": "ok"}).status_code == 403
    resolved = supervisor.post(f"/api/v1/exceptions/{short_id}/resolve",
                               json={"resolution": "accept", "note": "photo shows 7"})
    assert resolved.get_json()["state"] == "resolved"

    for i, label in enumerate(labels):
        response = dock.post(f"{base}/cartons/{label}/putaway",
                             json={"location": f"LAX1-A-02-0{1 + i % 2}"},
                             headers={"Idempotency-Key": f"put-{label}"})
        assert response.status_code == 200, response.get_json()
    twice = dock.post(f"{base}/cartons/{labels[0]}/putaway", json={"location": "LAX1-A-02-03"})
    assert twice.status_code == 409
    closed = dock.post(f"{base}/close").get_json()
    assert closed["status"] == "closed" and closed["closed_at"]
    lines = {line["sku"]: line for line in closed["lines"]}
    assert lines[sku]["variance"] == -1
    assert bucket_total("NOVA-LAMP-01", Bucket.ON_HAND) + bucket_total(
        "NOVA-RUG-02", Bucket.ON_HAND) == 4 * 8 + 2 * 2 - 1
    assert asn_bucket_total(load("ASN-NOVA-0001"), Bucket.IN_TRANSIT) == 0
    assert_ledger_balanced()
    events = db.session.scalar(sa.select(sa.func.count(ScanEvent.id)))
    assert events == 6 + 6  # six receipts (the replay added none), six putaways


def test_api_wrong_steps_are_409_unknown_objects_404_bad_bodies_422(api):
    dock = api("dock")
    base = "/api/v1/asns/ASN-NOVA-0001"
    assert dock.post(f"{base}/close").status_code == 409
    assert dock.post("/api/v1/asns/NOPE/arrive", json={"paperwork_cartons": 1}).status_code == 404
    assert dock.post(f"{base}/arrive", json={"paperwork_cartons": "six"}).status_code == 422
    dock.post(f"{base}/arrive", json={"paperwork_cartons": 6})
    assert dock.post(f"{base}/cartons/NOPE/putaway", json={"location": "x"}).status_code == 409
    assert dock.post(f"{base}/exceptions", json={"kind": "nonsense"}).status_code == 422
    assert dock.post(f"{base}/exceptions", json={"kind": "damaged", "carton": "NOPE"}
                     ).status_code == 404
    assert dock.post("/api/v1/exceptions/999/photos").status_code == 404
    assert api("acme").post(f"{base}/close").status_code == 403
