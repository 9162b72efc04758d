"""SQLite: a heavy request leaves the write lock free until its use case writes.

A photo being cleaned, a long list of counts or ASN lines being checked: none of it holds
the database's one write lock, so the dock's scans go on meanwhile (a body still on its
way is received before the app sees the request: test_slow_clients.py). The apps here wait
at most BUSY_MS for the lock, so a scan that would have waited fails fast.
"""
import io
import json
import threading

import pytest
import sqlalchemy as sa

from receiving_app.extensions import db
from receiving_app.models import Asn, Photo, ReceivingException
from tests.conftest import make_app
from tests.support.builders import arrived, counted, jpeg_bytes, submit

BUSY_MS = 300


@pytest.fixture
def backend():
    return "sqlite"  # one write lock for the whole database: what these tests are about


@pytest.fixture
def app(database_uri, tmp_path):
    app = make_app(database_uri, tmp_path, SQLITE_BUSY_TIMEOUT_MS=BUSY_MS)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def asn(number: str) -> Asn:
    return db.session.scalar(sa.select(Asn).where(Asn.number == number))


def test_scans_go_on_while_a_phone_photo_is_being_cleaned_and_stored(
        demo, api, auth, client, monkeypatch):
    from receiving_app.receiving import raising

    nova = arrived(asn("ASN-NOVA-0001"))
    auth.login("dock")
    token = auth.csrf_token("/dock/")
    client.post(f"/dock/asns/{nova.number}/receive", headers={"HX-Request": "true"},
                data={"code": "STRANGER-1", "csrf_token": token})
    exception_id = db.session.scalar(sa.select(ReceivingException.id))
    db.session.commit()  # the phone's request runs in a thread that cannot end it for us
    being_cleaned, cleaned = threading.Event(), threading.Event()
    ingest = raising.ingest_photo

    def slow_ingest(*args, **kwargs):  # a 12 MP photo takes its 50-100 ms; this one longer
        being_cleaned.set()
        cleaned.wait(10)
        return ingest(*args, **kwargs)

    monkeypatch.setattr(raising, "ingest_photo", slow_ingest)
    scanner = api("dock")
    answers = []
    phone = threading.Thread(target=lambda: answers.append(client.post(
        f"/dock/exceptions/{exception_id}/photos", headers={"HX-Request": "true"},
        data={"csrf_token": token, "photo": (io.BytesIO(jpeg_bytes()), "IMG_0001.jpg")},
        content_type="multipart/form-data")))
    phone.start()
    try:
        assert being_cleaned.wait(5)
        scans = [scanner.post(f"/api/v1/asns/{nova.number}/cartons/{c.label}/receive")
                 for c in nova.cartons[:3]]
    finally:
        cleaned.set()
        phone.join(timeout=10)
    assert [(s.status_code, s.get_json()["outcome"]) for s in scans] == [(200, "received")] * 3
    assert answers[0].status_code == 200 and "Photo saved" in answers[0].get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1


class Body(io.BytesIO):
    """A request body that notes in `events` when the app has read the last of it."""

    def __init__(self, data: bytes, events: list[str]):
        super().__init__(data)
        self.events = events

    def read(self, size=-1):
        chunk = super().read(size)
        self._note_the_end()
        return chunk

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self._note_the_end()
        return count

    def _note_the_end(self):
        if self.tell() == len(self.getbuffer()) and "body read" not in self.events:
            self.events.append("body read")


class RequestLog(list):
    """What a request does, in order: the write lock taken, the statements that check its
    body (those with `marker`), its writes, and when its body was read to the end."""

    marker = None

    def watch(self, marker: str) -> None:
        """From now on: the setting up so far is no part of it."""
        self.clear()
        self.marker = marker

    def record(self, conn, cursor, statement, *args):
        if self.marker is None:
            return
        if statement == "BEGIN IMMEDIATE":
            self.append("write lock taken")
        elif self.marker in statement:
            self.append("checked")
        elif statement.startswith(("INSERT", "UPDATE")):
            self.append("writes")


@pytest.fixture
def request_log(app):
    log = RequestLog()
    sa.event.listen(db.engine, "before_cursor_execute", log.record)
    yield log
    sa.event.remove(db.engine, "before_cursor_execute", log.record)


def assert_checked_before_the_write(events: list[str]) -> None:
    # No write lock while the body arrives; what the body says is checked before the
    # transaction that writes it takes the lock.
    assert events.index("body read") < events.index("write lock taken")
    writes = events.index("writes")
    write_begins = max(i for i, event in enumerate(events[:writes]) if event == "write lock taken")
    assert "checked" in events[:write_begins] and "checked" not in events[write_begins:]


def test_an_inspection_reads_and_checks_its_counts_before_its_write_begins(api, request_log):
    sample = counted(submit("T-INSPECT"))["sample"]
    dock = api("dock")
    data = json.dumps({"counts": [{"sku": "ACME-MUG-01", "qty": 9, "damaged": 0}]}).encode()
    request_log.watch("sku_barcodes")  # the counted SKUs looked up
    answer = dock.post(f"/api/v1/asns/T-INSPECT/cartons/{sample[0]}/inspect",
                       input_stream=Body(data, request_log), content_length=len(data),
                       content_type="application/json")
    assert answer.status_code == 200 and answer.get_json()["exceptions"][0]["kind"] == "short"
    assert_checked_before_the_write(request_log)


def test_an_asn_from_an_erp_is_read_and_checked_before_its_write_begins(api, request_log):
    acme = api("acme")
    data = json.dumps({"number": "PO-SLOW", "warehouse": "LAX1", "cartons": [
        {"label": f"PO-SLOW-{n}", "contents": [{"sku": "ACME-MUG-01", "qty": 24}]}
        for n in range(50)]}).encode()
    request_log.watch("asns.number =")  # is the number taken?
    answer = acme.post("/api/v1/asns", input_stream=Body(data, request_log),
                       content_length=len(data), content_type="application/json")
    assert answer.status_code == 201 and len(answer.get_json()["cartons"]) == 50
    assert_checked_before_the_write(request_log)
