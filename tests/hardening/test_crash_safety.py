"""Faults lose nothing: a worker killed before COMMIT, a disk that fills up mid-upload, a
connection cut mid-upload, an upload whose transaction fails beside one that commits the
same photo, SQLite killed under eight writers."""
import errno
import io
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from receiving_app.accounts import create_api_token
from receiving_app.evidence import storage as storage_module
from receiving_app.extensions import db
from receiving_app.evidence import PhotoStorage
from receiving_app.models import (
    Asn, Bucket, CartonStatus, Photo, ReceivingException, ScanEvent,
)
from receiving_app.receiving import raise_exception
from tests.db.test_concurrency import wait_until_a_request_waits_for_a_lock
from tests.support.builders import arrived, jpeg_bytes, submit, user
from tests.support.ledger import asn_bucket_total, assert_ledger_balanced

pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving the app (with the crash hook) on a free port, in its own group."""

    def __init__(self, database_uri: str, tmp_path: Path, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.marker = tmp_path / "crash-marker"
        # the photo root of the tests' own app (conftest.make_app), so its commands see it
        env = dict(os.environ, DATABASE_URL=database_uri, SECRET_KEY="crash-test-key",
                   APP_ENV="test", CRASH_MARKER=str(self.marker),
                   PHOTO_ROOT=str(tmp_path / "photos"))
        self.log = tmp_path / "gunicorn.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
             str(threads), "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "1",
             "tests.support.crashapp:app"],
            cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=self.log.open("w"))
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@pytest.fixture
def served(demo, database_uri, tmp_path):
    db.session.commit()
    server = Gunicorn(database_uri, tmp_path)
    yield server
    server.stop()


def killed_before_commit(server: Gunicorn, url: str, **request) -> httpx.Response | None:
    """POST with the crash hook's header and SIGKILL the worker once it has stopped just
    before COMMIT; the answer, if one came (a 5xx from gunicorn, at most)."""
    headers = {**request.pop("headers", {}), "X-Test-Crash": "before-commit"}
    outcome = {}

    def doomed():
        try:
            outcome["response"] = httpx.post(url, headers=headers, timeout=30, **request)
        except httpx.HTTPError as error:
            outcome["error"] = error

    thread = threading.Thread(target=doomed)
    thread.start()
    deadline = time.monotonic() + 20
    pid = ""
    while not pid and time.monotonic() < deadline:  # the hook creates the file, then writes
        time.sleep(0.05)
        pid = server.marker.read_text().strip() if server.marker.exists() else ""
    os.kill(int(pid), signal.SIGKILL)
    thread.join(timeout=30)
    return outcome.get("response")


def test_a_worker_killed_before_commit_leaves_nothing_and_the_retry_counts_once(demo, served):
    asn = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001")))
    asn_id, carton_id = asn.id, asn.cartons[0].id
    label, number = asn.cartons[0].label, asn.number
    token = create_api_token(user("dock"))
    db.session.remove()
    path = f"{served.url}/api/v1/asns/{number}/cartons/{label}/receive"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "crash-1"}

    answer = killed_before_commit(served, path, headers=headers)
    assert answer is None or answer.status_code >= 500

    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count(ScanEvent.id))) == 0
    assert db.session.get(Asn, asn_id).cartons[0].status is CartonStatus.EXPECTED
    assert asn_bucket_total(db.session.get(Asn, asn_id), Bucket.RECEIVING) == 0
    assert_ledger_balanced()
    db.session.remove()  # the test's own read must not hold SQLite's write lock

    retry = None
    for _ in range(50):  # the master starts a new worker
        try:
            retry = httpx.post(path, headers=headers, timeout=10)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    assert retry is not None and retry.status_code == 200, (retry.status_code, retry.text[:500])
    assert retry.json()["outcome"] == "received"
    again = httpx.post(path, headers=headers, timeout=10)
    assert again.headers["Idempotent-Replayed"] == "true"
    db.session.remove()
    events = db.session.scalars(sa.select(ScanEvent).where(ScanEvent.carton_id == carton_id))
    assert [e.outcome for e in events] == ["received"]
    assert_ledger_balanced()


def test_sqlite_stays_intact_when_killed_under_eight_writers(demo, backend, database_uri,
                                                             tmp_path):
    if backend != "sqlite":
        pytest.skip("SQLite's own integrity check")
    asn_id = arrived(submit("BIG-1", {f"B{n:03d}": {"ACME-MUG-01": 1} for n in range(300)})).id
    token = create_api_token(user("dock"))
    db.session.remove()
    server = Gunicorn(database_uri, tmp_path, workers=2, threads=4)
    stop = threading.Event()

    def writer(offset: int):
        with httpx.Client(timeout=5) as client:
            for n in range(offset, 300, 8):
                if stop.is_set():
                    return
                try:
                    client.post(f"{server.url}/api/v1/asns/BIG-1/cartons/B{n:03d}/receive",
                                headers={"Authorization": f"Bearer {token}"})
                except httpx.HTTPError:
                    return

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(writer, i) for i in range(8)]
        time.sleep(1.0)
        server.stop()  # SIGKILL the master and every worker mid-write
        stop.set()
        for future in futures:
            future.result()
    path = database_uri.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    received = connection.execute(
        "SELECT count(*) FROM cartons WHERE status = 'received'").fetchone()[0]
    events = connection.execute("SELECT count(*) FROM scan_events").fetchone()[0]
    connection.close()
    assert received == events  # every committed scan is whole: carton, event, ledger
    assert received > 0
    db.session.remove()
    assert_ledger_balanced()
    assert asn_bucket_total(db.session.get(Asn, asn_id), Bucket.RECEIVING) == received


def test_a_disk_that_fills_up_mid_upload_leaves_no_row_and_no_partial_file(
        demo, api, app, runner, monkeypatch):
    asn = arrived(submit())
    exception = raise_exception(asn, "damaged", user=user("dock"), carton_label="C01")
    real_fsync = os.fsync
    calls = {"n": 0}

    def full_disk(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            calls["n"] += 1
            if calls["n"] == 2:  # the thumbnail fits, the full photo does not
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(storage_module.os, "fsync", full_disk)
    response = api("dock").post(f"/api/v1/exceptions/{exception.id}/photos",
                                data={"photo": (io.BytesIO(jpeg_bytes()), "p.jpg")},
                                content_type="multipart/form-data")
    assert response.status_code == 507
    assert "Nothing was saved" in response.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    # The thumbnail written whole stays (another upload of the same photo may be using
    # it) until the sweep finds it an hour old with no row; nothing half written stays.
    left = photo_files(app)
    assert [p.name.endswith(".thumb.jpg") for p in left] == [True]
    an_hour_ago(left)
    assert runner.invoke(args=["photos", "sweep"]).exit_code == 0
    assert photo_files(app) == []


def test_a_connection_cut_mid_upload_leaves_no_file_and_no_row(demo, api, app):
    asn = arrived(submit())
    exception = raise_exception(asn, "damaged", user=user("dock"), carton_label="C01")
    boundary = "cut"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; "
            f"filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + jpeg_bytes()
    client = api("dock")
    response = client.client.post(
        f"/api/v1/exceptions/{exception.id}/photos",
        input_stream=io.BytesIO(body[: len(body) // 2]),
        headers={**client._headers(), "Content-Type":
                 f"multipart/form-data; boundary={boundary}",
                 "Content-Length": str(len(body) + 100)})
    assert response.status_code in (400, 422)
    assert photo_files(app) == []
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0


def photo_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["PHOTO_ROOT"]).rglob("*") if p.is_file())


def an_hour_ago(paths: list[Path]) -> None:
    """Age files past the sweep's hour, as if their upload had died an hour ago."""
    then = time.time() - 3700
    for path in paths:
        os.utime(path, (then, then))


def test_a_worker_killed_between_storing_a_photo_and_its_commit_leaves_files_the_sweep_removes(
        demo, served, app, runner):
    asn = arrived(submit())
    exception_id = raise_exception(asn, "damaged", user=user("dock"), carton_label="C01").id
    token = create_api_token(user("dock"))
    db.session.remove()
    answer = killed_before_commit(
        served, f"{served.url}/api/v1/exceptions/{exception_id}/photos",
        files={"photo": ("p.jpg", jpeg_bytes(), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"})
    assert answer is None or answer.status_code >= 500
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    left = photo_files(app)
    assert sorted(p.name.split(".", 1)[1] for p in left) == ["jpg", "thumb.jpg"]

    young = runner.invoke(args=["photos", "sweep"])  # an upload may still be on its way
    assert young.exit_code == 0, young.output
    assert photo_files(app) == left
    an_hour_ago(left)
    swept = runner.invoke(args=["photos", "sweep"])
    assert swept.exit_code == 0 and "Removed 2 files" in swept.output, swept.output
    assert photo_files(app) == []


def test_an_upload_whose_transaction_fails_never_takes_the_files_of_one_that_committed(
        demo, api, app, backend):
    """The same photo uploaded twice at once; the first upload's connection drops after it
    stored the files and after the second committed its row on them: the second's photo
    stays whole."""
    if backend != "postgres":
        pytest.skip("SQLite lets one writer in at a time: the second upload waits for the "
                    "first to end")
    asn = arrived(submit())
    first, second = (raise_exception(asn, "damaged", user=user("dock"), carton_label=label).id
                     for label in ("C01", "C02"))
    client = api("dock")
    db.session.remove()
    photo = jpeg_bytes((20, 160, 90))
    answers = {}

    def upload(name, exception_id):
        try:
            answers[name] = client.post(f"/api/v1/exceptions/{exception_id}/photos",
                                        data={"photo": (io.BytesIO(photo), "p.jpg")},
                                        content_type="multipart/form-data")
        except Exception as error:  # the test client raises what the app did not answer
            answers[name] = error

    with db.engine.connect() as blocker:  # holds the first exception: its upload waits
        blocker.execute(sa.select(ReceivingException.id)
                        .where(ReceivingException.id == first).with_for_update())
        doomed = threading.Thread(target=upload, args=("first", first))
        doomed.start()
        wait_until_a_request_waits_for_a_lock()
        upload("second", second)
        with db.engine.connect() as operator:  # the first upload's connection drops
            operator.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"))
        doomed.join(timeout=30)
        blocker.rollback()

    assert not isinstance(answers["first"], httpx.Response) or \
        answers["first"].status_code >= 500
    assert answers["second"].status_code == 201, answers["second"].get_json()
    stored = answers["second"].get_json()
    storage = PhotoStorage(Path(app.config["PHOTO_ROOT"]))
    assert storage.exists(stored["sha256"]) and storage.exists(stored["sha256"], "thumb")
    served = client.get(stored["url"])
    assert served.status_code == 200 and served.data == storage.read(stored["sha256"])
    assert [p.exception_id for p in db.session.scalars(sa.select(Photo))] == [second]
