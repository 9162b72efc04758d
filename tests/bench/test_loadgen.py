"""The load generator plays real phones: logged in, with CSRF, scanning as htmx does.

A real HTTP server (werkzeug, threaded, on 127.0.0.1) serves the test app; the load
generator and the page-weight probe talk to it as they talk to gunicorn in `make bench`.
"""
import asyncio
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from bench.data import BENCH_PASSWORD, add_dock_workers, dock_asn, photo_upload_targets
from bench.loadgen import run_plan
from bench.pages import page_weight
from bench.runner import app_paths
from receiving_app.extensions import db
from receiving_app.models import (
    Asn, Bucket, CartonStatus, ExceptionState, Photo, ReceivingException, ScanEvent,
)
from tests.support.builders import jpeg_bytes
from tests.support.ledger import asn_bucket_total, assert_ledger_balanced


@pytest.fixture
def served(demo):
    """The demo app on a real socket, three extra dock workers and a 30-carton ASN."""
    workers = add_dock_workers(3)
    codes = dock_asn("LOAD-1", 30, first_serial=500_000)
    db.session.remove()
    server = make_server("127.0.0.1", 0, demo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", workers, codes
    server.shutdown()
    thread.join()


def plan(base_url, workers, phases, app):
    return {"base_url": base_url, "password": BENCH_PASSWORD, "server_pid": None,
            "paths": app_paths(app), "users": workers, "phases": phases}


def test_three_workers_flat_out_receive_every_carton_exactly_once(app, served):
    base_url, workers, codes = served
    phases = [{"name": "scan_flat_3", "kind": "scan", "shape": "flat", "workers": 3,
               "duration_s": 60, "asn": "LOAD-1", "codes": codes}]

    result = asyncio.run(run_plan(plan(base_url, workers, phases, app)))["phases"][0]

    assert result["requests"] == result["ok"] == 30 and result["errors"] == {}
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    db.session.remove()
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "LOAD-1"))
    assert {c.status for c in asn.cartons} == {CartonStatus.RECEIVED}
    events = db.session.scalars(sa.select(ScanEvent).where(ScanEvent.asn_id == asn.id)).all()
    assert len(events) == 30 and len({e.idempotency_key for e in events}) == 30
    assert len({e.user_id for e in events}) == 3  # each worker its own login
    assert asn_bucket_total(asn, Bucket.IN_TRANSIT) == 0
    assert asn_bucket_total(asn, Bucket.RECEIVING) == sum(
        content.declared_qty for carton in asn.cartons for content in carton.contents)
    assert_ledger_balanced()


def test_a_paced_worker_scans_about_once_a_second_and_stops_on_time(app, served):
    base_url, workers, codes = served
    phases = [{"name": "floor_paced", "kind": "floor", "shape": "paced", "workers": 3,
               "duration_s": 2}]

    result = asyncio.run(run_plan(plan(base_url, workers, phases, app)))["phases"][0]

    assert result["errors"] == {} and result["ok"] == result["requests"]
    assert 1 <= result["requests"] <= 20  # 3 workers x 2 s x ~1/s, with Poisson spread
    assert result["duration_s"] < 10


def test_phones_uploading_photos_slowly_beside_a_scanner_each_get_their_photo_stored(
        app, served, tmp_path):
    base_url, workers, codes = served
    targets = photo_upload_targets("LOAD-1", 2)
    for offset, target in enumerate(targets):
        target["delay_s"] = offset * 0.2
    db.session.remove()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes(size=(640, 480)))
    phases = [{"name": "scan_beside_uploads", "kind": "scan", "shape": "flat", "workers": 1,
               "duration_s": 2, "asn": "LOAD-1", "codes": codes,
               "uploads": {"path": app_paths(app)["api_photos"], "targets": targets,
                           "photo_file": str(photo), "trickle_s": 0.5}}]

    result = asyncio.run(run_plan(plan(base_url, workers, phases, app)))["phases"][0]

    uploads = result["uploads"]
    assert uploads["uploaders"] == 2 and uploads["requests"] >= 2
    assert uploads["ok"] == uploads["requests"] and uploads["errors"] == {}
    assert result["ok"] == result["requests"] > 0 and result["errors"] == {}
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 2  # one a phone: sent again
    assert {e.state for e in db.session.scalars(sa.select(ReceivingException))} == {
        ExceptionState.OPEN}


def test_page_weight_counts_the_dock_page_its_assets_and_one_scan(app, served):
    base_url, workers, codes = served

    weight = asyncio.run(page_weight(base_url, app_paths(app), workers[0], BENCH_PASSWORD,
                                     "LOAD-1", codes[0]))

    parts = weight["first_load"]["parts"]
    assert "page" in parts and any(path.endswith("app.css") for path in parts)
    assert any(path.endswith(".js") for path in parts)
    first = weight["first_load"]
    assert first["gzip"] < first["raw"]
    assert first["raw"] == sum(p["body_raw"] + p["headers"] for p in parts.values())
    assert weight["scan_fragment"]["body_raw"] > 0
    db.session.remove()
    asn = db.session.scalar(sa.select(Asn).where(Asn.number == "LOAD-1"))
    assert sum(c.status is CartonStatus.RECEIVED for c in asn.cartons) == 1
