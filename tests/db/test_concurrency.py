"""Concurrent scans: 8 threads hammer the same carton and the same key; one effect each."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.models import Asn, Bucket, ScanEvent
from tests.support.builders import arrived, user
from tests.support.ledger import asn_bucket_total, assert_ledger_balanced

pytestmark = pytest.mark.both_databases

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
    # Each is the first answer, or "the first is still in flight, send it again"
    answers = {(status, body.get("outcome") or body["error"]["code"]) for status, body in results}
    assert answers <= {(200, "received"), (409, "idempotency_key_in_flight")}, answers
    assert (200, "received") in answers
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count(ScanEvent.id))) == 1
    assert asn_bucket_total(db.session.get(Asn, asn_id), Bucket.RECEIVING) == 24
    assert_ledger_balanced()


def test_a_scan_holding_a_stale_asn_is_refused_once_another_session_ended_the_count(
        app, arrived_asn):
    """The carton count checks the ASN's status under its lock, not the copy it loaded."""
    from sqlalchemy.orm import Session

    from receiving_app.errors import WrongStep
    from receiving_app.receiving import complete_count, receive_carton
    from receiving_app.models import CartonStatus, User

    asn_id, _token = arrived_asn
    stale = db.session.get(Asn, asn_id)
    label = stale.cartons[0].label
    dock = db.session.scalar(sa.select(User).where(User.username == "dock"))
    assert stale.status.value == "arrived"
    with app.app_context():  # another request, its own session, ends the count
        complete_count(db.session.get(Asn, asn_id), user=db.session.scalar(
            sa.select(User).where(User.username == "dock")))
        db.session.remove()

    with pytest.raises(WrongStep, match="Cannot count cartons"):
        receive_carton(stale, label, user=dock)
    db.session.rollback()
    with Session(db.engine) as fresh:
        carton = fresh.get(Asn, asn_id).cartons[0]
        assert carton.status is CartonStatus.MISSING
        assert fresh.scalar(sa.select(sa.func.count(ScanEvent.id))) == 0
    assert_ledger_balanced()


def test_scans_racing_the_end_of_the_count_are_counted_or_refused_never_both(
        app, arrived_asn):
    asn_id, token = arrived_asn
    asn = db.session.get(Asn, asn_id)
    number, labels = asn.number, [c.label for c in asn.cartons]
    db.session.remove()
    paths = [f"/api/v1/asns/{number}/cartons/{label}/receive" for label in labels]
    paths.insert(len(paths) // 2, f"/api/v1/asns/{number}/count/complete")

    def send(path):
        response = app.test_client().post(path, headers={"Authorization": f"Bearer {token}"})
        return path, response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(send, paths))
    answers = {path.split("/")[-2]: (status, body) for path, status, body in results
               if path.endswith("/receive")}
    assert all(status in (200, 409) for status, _ in answers.values()), answers

    asn = db.session.get(Asn, asn_id)
    assert asn.status.value == "counted"
    for carton in asn.cartons:
        status, body = answers[carton.label]
        events = db.session.scalar(sa.select(sa.func.count(ScanEvent.id)).where(
            ScanEvent.carton_id == carton.id, ScanEvent.outcome == "received"))
        if status == 200:  # received before the count ended: on the dock, never missing
            assert body["outcome"] == "received" and carton.status.value == "received"
            assert events == 1
        else:  # refused after it: the count made it missing
            assert carton.status.value == "missing" and events == 0
    on_dock = sum(content.declared_qty for carton in asn.cartons
                  if answers[carton.label][0] == 200 for content in carton.contents)
    assert asn_bucket_total(asn, Bucket.RECEIVING) == on_dock
    assert_ledger_balanced()


def test_the_same_key_while_the_first_request_is_in_flight_answers_409_at_once(
        app, arrived_asn):
    """The second request neither waits for the first nor does the scan again: 409, and
    once the first has answered, the same request gets its answer."""
    import threading

    asn_id, token = arrived_asn
    asn = db.session.get(Asn, asn_id)
    path = f"/api/v1/asns/{asn.number}/cartons/{asn.cartons[0].label}/receive"
    db.session.remove()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "slow-1"}
    answers = {}

    def post(name):
        response = app.test_client().post(path, headers=headers)
        answers[name] = (response.status_code, response.get_json(), response.headers)

    with db.engine.connect() as blocker:  # holds the ASN: the first scan waits for it
        blocker.execute(sa.select(Asn.id).where(Asn.id == asn_id).with_for_update())
        first = threading.Thread(target=post, args=("first",))
        first.start()
        wait_until_a_request_waits_for_a_lock()
        second = threading.Thread(target=post, args=("second",))
        second.start()
        second.join(timeout=10)
        blocker.rollback()
    first.join(timeout=30)
    second.join(timeout=30)

    status, body, response_headers = answers["second"]
    assert status == 409 and body["error"]["code"] == "idempotency_key_in_flight"
    assert response_headers["Retry-After"] == "1"
    assert answers["first"][0] == 200 and answers["first"][1]["outcome"] == "received"
    again = app.test_client().post(path, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(sa.select(sa.func.count(ScanEvent.id))) == 1
    assert asn_bucket_total(db.session.get(Asn, asn_id), Bucket.RECEIVING) == 24
    assert_ledger_balanced()


def wait_until_a_request_waits_for_a_lock(timeout: float = 10) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.engine.connect() as connection:  # a new transaction sees the activity anew
            waiting = connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar()
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("no request came to wait for the lock")
