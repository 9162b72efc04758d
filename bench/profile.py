"""One carton scan in this process: its time, its statements and, on request, a profile.

``python -m bench.profile [--postgres URL] [--scans 300] [--pyinstrument]``

The steady comparison behind the before/after figures of docs/benchmarks.md: the phone's
own request (Flask's test client, htmx headers, CSRF, a fresh idempotency key) against a
checked-in ASN of 5,000 cartons, timed one by one after a warm-up. No socket and no other
worker, so a busy machine moves these figures far less than the load runs; `cpu_ms`, the
process's CPU time per scan (the app's and, on SQLite, the database's), moves least.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from receiving_app.extensions import db

from . import data
from .loadgen import FORM_TOKEN, HEADER_TOKEN

WARM_UP = 50
ASN_CARTONS = 5000


def logged_in_client(app, username: str):
    """A test client logged in through the form; its CSRF token from the dock page."""
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"username": username, "password": data.BENCH_PASSWORD,
                                     "csrf_token": FORM_TOKEN.search(page).group(1)})
    token = HEADER_TOKEN.search(client.get("/dock/").get_data(as_text=True)).group(1)
    return client, token


def profile_scans(target: data.Target, scans: int, *, pyinstrument: bool = False) -> dict:
    """Time `scans` carton scans (after a warm-up); statements per scan; a profile."""
    names = data.prepare_database(target, 1)
    app = data.make_app(target)
    with app.app_context():
        codes = data.dock_asn("BENCH-PROFILE", max(ASN_CARTONS, WARM_UP + scans),
                              first_serial=5_000_000)
        db.session.remove()
    client, token = logged_in_client(app, names[0])
    url = "/dock/asns/BENCH-PROFILE/receive"
    headers = {"HX-Request": "true", "HX-Target": "scan-result", "X-CSRFToken": token}

    def scan(code: str) -> None:
        response = client.post(url, headers=headers, data={
            "csrf_token": token, "code": code, "key": str(uuid.uuid4()),
            "client_time": "2026-01-01T00:00:00Z"})
        if response.status_code != 200 or b"Received" not in response.data:
            raise RuntimeError(f"scan refused: {response.status_code} {response.data[:200]!r}")

    for code in codes[:WARM_UP]:
        scan(code)
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    profiler = None
    if pyinstrument:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0002)
        profiler.start()
    times = []
    cpu_started = time.process_time()
    for code in codes[WARM_UP:WARM_UP + scans]:
        started = time.perf_counter()
        scan(code)
        times.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / scans
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False), file=sys.stderr)
    sa.event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.engine.dispose()
    return {"database": target.name, "scans": scans,
            "cpu_ms": round(cpu_ms, 2), "median_ms": round(statistics.median(times), 2),
            "p90_ms": round(statistics.quantiles(times, n=10)[-1], 2),
            "statements_per_scan": round(len(statements) / scans, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--postgres", metavar="URL", help="a database to WIPE and use")
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dockside-profile-") as folder:
        target = (data.postgres_target(args.postgres) if args.postgres
                  else data.sqlite_target(Path(folder)))
        print(profile_scans(target, args.scans, pyinstrument=args.pyinstrument))


if __name__ == "__main__":
    main()
