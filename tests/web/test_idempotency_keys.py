"""An idempotency key belongs to the request it first came with: the same request again gets
the first answer; another request with that key is refused and does nothing."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, Bucket, CartonStatus, ScanEvent
from tests.support.builders import arrived, counted, submit
from tests.support.ledger import assert_ledger_balanced, bucket_total, movement_count

pytestmark = pytest.mark.both_databases

HTMX = {"HX-Request": "true"}


def events() -> list[tuple[str | None, str]]:
    return [(e.idempotency_key, e.outcome)
            for e in db.session.scalars(sa.select(ScanEvent).order_by(ScanEvent.id))]


def carton_status(number: str, label: str) -> CartonStatus:
    db.session.expire_all()
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == number))
    return next(c.status for c in asn.cartons if c.label == label)


def test_a_key_reused_for_another_carton_is_refused_and_that_carton_is_not_received(api):
    dock = api("dock")
    arrived(submit())
    first = dock.post("/api/v1/asns/T-1/cartons/C01/receive", headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 200 and first.get_json()["outcome"] == "received"

    reused = dock.post("/api/v1/asns/T-1/cartons/C02/receive", headers={"Idempotency-Key": "k-1"})

    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert carton_status("T-1", "C02") is CartonStatus.EXPECTED
    assert events() == [("k-1", "received")]
    assert bucket_total("ACME-MUG-01", Bucket.RECEIVING) == 10
    assert_ledger_balanced()


def test_a_receive_key_reused_for_a_putaway_is_refused_and_nothing_moves(api):
    dock = api("dock")
    asn = submit()
    counted(asn)
    label = next(c.label for c in asn.cartons if not c.in_sample)
    arrived(submit("T-2"))
    dock.post("/api/v1/asns/T-2/cartons/C01/receive", headers={"Idempotency-Key": "k-2"})
    movements = movement_count()

    reused = dock.post(f"/api/v1/asns/T-1/cartons/{label}/putaway",
                       json={"location": "LAX1-A-01-01"}, headers={"Idempotency-Key": "k-2"})

    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert carton_status("T-1", label) is CartonStatus.RECEIVED
    assert movement_count() == movements
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND) == 0


def test_a_putaway_key_reused_for_another_location_is_refused(api):
    dock = api("dock")
    asn = submit()
    counted(asn)
    label = next(c.label for c in asn.cartons if not c.in_sample)
    path = f"/api/v1/asns/T-1/cartons/{label}/putaway"
    assert dock.post(path, json={"location": "LAX1-A-01-01"},
                     headers={"Idempotency-Key": "put-1"}).status_code == 200

    elsewhere = dock.post(path, json={"location": "LAX1-A-02-02"},
                          headers={"Idempotency-Key": "put-1"})
    again = dock.post(path, json={"location": "LAX1-A-01-01"},  # the phone's clock is no part
                      headers={"Idempotency-Key": "put-1",
                               "X-Client-Time": datetime.now(UTC).isoformat()})

    assert elsewhere.status_code == 422
    assert elsewhere.get_json()["error"]["code"] == "idempotency_key_reused"
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["data"] == {"location": "LAX1-A-01-01"}
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-01-01") == 10
    assert bucket_total("ACME-MUG-01", Bucket.ON_HAND, "LAX1-A-02-02") == 0


def test_the_same_scan_sent_again_by_the_phone_is_answered_with_the_first_answer(
        client, auth, demo):
    arrived(submit())
    scan = {"code": "C01", "key": "phone-1", "client_time": "2026-01-05T08:00:00Z"}
    tokens = []
    for _ in range(2):  # the answer was lost; the queue sends it again in a new session
        auth.login("dock")
        tokens.append(auth.csrf_token("/dock/"))
        answer = client.post("/dock/asns/T-1/receive", headers=HTMX,
                             data=dict(scan, csrf_token=tokens[-1]))
        assert answer.status_code == 200 and "Received C01" in answer.get_data(as_text=True)
        client.post("/auth/logout", data={"csrf_token": tokens[-1]})
    assert tokens[0] != tokens[1]
    assert events() == [("phone-1", "received")]


def test_a_phone_scan_key_reused_for_another_carton_is_refused_on_the_page(client, auth, demo):
    arrived(submit())
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    client.post("/dock/asns/T-1/receive", headers=HTMX,
                data={"code": "C01", "key": "phone-2", "csrf_token": token})

    reused = client.post("/dock/asns/T-1/receive", headers=HTMX,
                         data={"code": "C02", "key": "phone-2", "csrf_token": token})

    assert reused.status_code == 422
    assert "already used" in reused.get_data(as_text=True)
    assert carton_status("T-1", "C02") is CartonStatus.EXPECTED
    assert events() == [("phone-2", "received")]


def test_a_unit_scan_key_reused_for_another_count_is_refused(client, auth, demo):
    asn = submit()
    counted(asn)
    label = next(c.label for c in asn.cartons if c.in_sample)
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    path = f"/dock/asns/T-1/cartons/{label}/units"
    first = client.post(path, headers=HTMX, data={
        "code": "ACME-MUG-01", "qty": "4", "key": "unit-1", "csrf_token": token})
    assert first.status_code == 200

    reused = client.post(path, headers=HTMX, data={
        "code": "ACME-MUG-01", "qty": "6", "key": "unit-1", "csrf_token": token})

    assert reused.status_code == 422
    db.session.expire_all()
    carton = next(c for c in db.session.get(Asn, asn.id).cartons if c.label == label)
    assert carton.contents[0].counted_qty == 4


def test_a_key_kept_before_requests_had_fingerprints_still_answers_its_replay(demo):
    """Scans stored before revision 0007 have no fingerprint: a phone back after the
    upgrade with such a key still gets its first answer."""
    from receiving_app.receiving import receive_carton
    from tests.support.builders import user

    asn = arrived(submit())
    receive_carton(asn, "C01", user=user("dock"), key="before-0007")
    replay = receive_carton(asn, "C01", user=user("dock"), key="before-0007",
                            fingerprint="f" * 64)
    assert replay.replayed and replay.outcome == "received"
    assert events() == [("before-0007", "received")]
