"""Concurrent scans: 8 threads hammer the same carton and the same key; one effect each."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.models import Asn, Bucket, ScanEvent
from tests.support.builders import arrived, user
from tests.support.ledger import asn_bucket_total, assert_ledger_balanced

THREADS = 8
REQUESTS = 200


def hammer(app, token: str, path: str, keys: list[str | None]) -> list:
    def send(key):
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        response = app.test_client().post(path, headers=headers)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(send, keys))


@pytest.fixture
def arrived_asn(demo, backend):
    if backend != "postgres":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises every writer)")
    asn_id = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001"))).id
    token = create_api_token(user("dock"))
    db.session.remove()
    return asn_id, token


def test_two_hundred_concurrent_scans_of_one_carton_receive_it_once(app, arrived_asn):
    asn_id, token = arrived_asn
    asn = db.session.get(Asn, asn_id)
    label = asn.cartons[0].label
    results = hammer(app, token, f"/api/v1/asns/{asn.number}/cartons/{label}/receive",
                     [None] * REQUESTS)
    assert all(status == 200 for status, _ in results), {s for s, _ in results}
    outcomes = [body["outcome"] for _, body in results]
    assert outcomes.count("received") == 1 and outcomes.count("duplicate") == REQUESTS - 1
    db.session.remove()
    asn = db.session.get(Asn, asn_id)
    received_events = db.session.scalar(sa.select(sa.func.count(ScanEvent.id)).where(
        ScanEvent.carton_id == asn.cartons[0].id, ScanEvent.outcome == "received"))
    assert received_events == 1
    assert asn_bucket_total(asn, Bucket.RECEIVING) == 24
    assert_ledger_balanced()


def test_two_hundred_concurrent_requests_with_one_key_are_one_scan(app, arrived_asn):
    asn_id, token = arrived_asn
    asn = db.session.get(Asn, asn_id)
    label = asn.cartons[1].label
    results = hammer(app, token, f"/api/v1/asns/{asn.number}/cartons/{label}/receive",
                     ["the-one-key"] * REQUESTS)
    assert all(status == 200 for status, _ in results), {s for s, _ in results}
    assert {body["outcome"] for _, body in results} == {"received"}
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count(ScanEvent.id))) == 1
    assert asn_bucket_total(db.session.get(Asn, asn_id), Bucket.RECEIVING) == 24
    assert_ledger_balanced()
