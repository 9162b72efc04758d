"""``make bench``: every benchmark in order, then bench/results/latest.json and the table
in docs/benchmarks.md.

``python -m bench [--quick] [--only scan,imports,growth,photo] [--no-docs]``

Runs on SQLite always (a fresh file under a temporary folder) and on PostgreSQL when
BENCH_DATABASE_URL is set. That database is wiped: its public schema is dropped and
rebuilt, so point it at a database kept for benchmarks. Only 127.0.0.1 is loaded.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, url_for

from receiving_app.extensions import db
from receiving_app.inventory.reconcile import ledger_differences
from receiving_app.models import Asn, Carton, CartonStatus

from . import data, plans, report
from .pages import page_weight
from .server import WORKERS, Server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
DOCS = ROOT / "docs" / "benchmarks.md"
PACED_WORKERS = 100
FLAT_WORKERS = (1, 8, 32)
GROWTH_WORKERS = (1, 32)
ASN_CARTONS = 5000
PACKAGES = ("Flask", "Werkzeug", "SQLAlchemy", "Flask-SQLAlchemy", "gunicorn", "psycopg",
            "httpx", "pillow", "zxing-cpp", "biip", "Jinja2")
SECTIONS = ("photo", "scan", "uploads", "imports", "growth")
# Phones sending photos beside one scanning (issue #24: three, over bad Wi-Fi).
UPLOADERS = 3
# Scans sent to a freshly started gunicorn before anything is measured: each worker
# process compiles its templates and SQL on its first scans, which is start-up, not the
# steady state a dock sees. Unmeasured, it once put 200 ms on the paced p99.
WARM_UP_WORKERS = 8
WARM_UP_S = 3


@dataclass(frozen=True)
class Durations:
    """Seconds per load phase, sizes and history levels: scaled so the whole run fits in
    about 15 minutes on a 2-core machine (docs/benchmarks.md says so too)."""

    paced_scan: float
    paced_floor: float
    flat_scan: float
    flat_floor: float
    growth: float
    import_sizes: tuple[int, ...]
    growth_levels: tuple[int, ...]
    uploads: float  # scans beside photo uploads
    upload_spread: float  # each upload's body sent over this many seconds


FULL = Durations(paced_scan=20, paced_floor=10, flat_scan=8, flat_floor=4, growth=6,
                 import_sizes=(1_000, 10_000, 50_000), growth_levels=(0, 100_000, 1_000_000),
                 uploads=45, upload_spread=15)
QUICK = Durations(paced_scan=3, paced_floor=2, flat_scan=2, flat_floor=1, growth=2,
                  import_sizes=(1_000,), growth_levels=(0, 10_000), uploads=4,
                  upload_spread=1.5)


def app_paths(app: Flask) -> dict[str, str]:
    """The URLs the load generator and the doors use, from the app's own url_for."""
    with app.test_request_context():
        def asn_url(endpoint: str) -> str:
            return url_for(endpoint, number="NUMBER").replace("NUMBER", "{number}")

        return {
            "login": url_for("auth.login"), "dock": url_for("dock.index"),
            "healthz": url_for("main.healthz"), "asn": asn_url("dock.asn"),
            "receive": asn_url("dock.receive"), "api_asns": url_for("api.create_asn"),
            "api_photos": url_for("api.add_photo", exception_id=0).replace(
                "/0/", "/{exception_id}/"),
            "csv_confirm": url_for("seller.upload_confirm"),
            "seller_new": url_for("seller.new_asn"), "seller_index": url_for("seller.index"),
        }


def machine() -> dict:
    """The machine the figures come from, and how busy it was when the run started."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor())
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines()
                   if line.startswith("MemTotal")), 0)
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 ** 2, 1),
            "kernel": platform.release(), "load_average_at_start": os.getloadavg()}


def versions(targets: list[data.Target]) -> dict:
    """Python, the databases and the libraries on the measured path."""
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for target in targets:
        if target.is_postgres:
            engine = sa.create_engine(target.url)
            with engine.connect() as connection:
                found["postgresql"] = connection.exec_driver_sql("SHOW server_version").scalar()
            engine.dispose()
    for package in PACKAGES:
        found[package] = metadata.version(package)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    found["commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    return found


def make_asns(target: data.Target, names: list[str], first_serial: int,
              cartons: int = ASN_CARTONS) -> dict[str, list[str]]:
    """Submitted and checked-in ASNs of `cartons` cartons each; their scan codes."""
    app = data.make_app(target)
    asns = {}
    with app.app_context():
        for offset, name in enumerate(names):
            serial = first_serial + offset * cartons
            asns[name] = data.dock_asn(name, cartons, first_serial=serial)
        db.session.remove()
        db.engine.dispose()
    return asns


def run_load(server: Server, target_users: list[str], phases: list[dict],
             paths: dict[str, str]) -> list[dict]:
    """Run the load generator as its own process against the server."""
    plan = {"base_url": server.base_url, "password": data.BENCH_PASSWORD,
            "server_pid": server.process.pid, "paths": paths, "users": target_users,
            "phases": phases}
    # Its progress and any error go straight to our stderr.
    done = subprocess.run([sys.executable, "-m", "bench.loadgen"], input=json.dumps(plan),
                          stdout=subprocess.PIPE, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError("the load generator failed (its error is above)")
    return json.loads(done.stdout)["phases"]


def scan_phase(name: str, shape: str, workers: int, seconds: float, number: str,
               codes: list[str]) -> dict:
    return {"name": name, "kind": "scan", "shape": shape, "workers": workers,
            "duration_s": seconds, "asn": number, "codes": codes}


def warm_up_phase(number: str, codes: list[str]) -> dict:
    """Scans that only warm the server up; counted in the books, not reported."""
    return scan_phase("scan_warm_up", "flat", WARM_UP_WORKERS, WARM_UP_S, number, codes)


def floor_phase(name: str, shape: str, workers: int, seconds: float) -> dict:
    return {"name": name, "kind": "floor", "shape": shape, "workers": workers,
            "duration_s": seconds}


def check_books(target: data.Target, received_by_load: int) -> dict:
    """After the load: every accepted scan received one carton, and the ledger balances."""
    app = data.make_app(target)
    with app.app_context():
        received = db.session.scalar(
            sa.select(sa.func.count(Carton.id)).join(Asn, Carton.asn_id == Asn.id)
            .where(Asn.number.startswith("BENCH-"), Carton.status == CartonStatus.RECEIVED))
        differences = ledger_differences()
        db.session.remove()
        db.engine.dispose()
    return {"cartons_received": received, "scans_accepted": received_by_load,
            "ledger_differences": len(differences),
            "ok": received == received_by_load and not differences}


def bench_scans(target: data.Target, durations: Durations, *, with_pages: bool) -> dict:
    """Scan under load (paced and flat out), each against /healthz under the same load."""
    names = data.prepare_database(target, PACED_WORKERS)
    asn_names = ["BENCH-WARM", "BENCH-PACED"] + [f"BENCH-FLAT-{n}" for n in FLAT_WORKERS]
    asns = make_asns(target, asn_names, first_serial=1_000_000)
    paced_codes = asns["BENCH-PACED"]
    reserved_for_pages = paced_codes.pop()
    phases = [warm_up_phase("BENCH-WARM", asns["BENCH-WARM"]),
              floor_phase("floor_paced", "paced", PACED_WORKERS, durations.paced_floor),
              scan_phase("scan_paced", "paced", PACED_WORKERS, durations.paced_scan,
                         "BENCH-PACED", paced_codes)]
    for workers in FLAT_WORKERS:
        phases.append(floor_phase(f"floor_flat_{workers}", "flat", workers,
                                  durations.flat_floor))
        phases.append(scan_phase(f"scan_flat_{workers}", "flat", workers, durations.flat_scan,
                                 f"BENCH-FLAT-{workers}", asns[f"BENCH-FLAT-{workers}"]))
    paths = app_paths(data.make_app(target))
    with Server(data.server_environment(target)) as server:
        results = {p["name"]: p for p in run_load(server, names, phases, paths)}
        if with_pages:
            results["pages"] = asyncio.run(page_weight(
                server.base_url, paths, names[0], data.BENCH_PASSWORD, "BENCH-PACED",
                reserved_for_pages))
    accepted = sum(p["ok"] for name, p in results.items() if name.startswith("scan_"))
    results["books"] = check_books(target, accepted + (1 if with_pages else 0))
    return results


def bench_uploads(target: data.Target, durations: Durations, photo_file: Path) -> dict:
    """One worker scanning flat out, alone and then while UPLOADERS phones send a 12 MP
    photo each over the API, again and again, each body spread over `upload_spread`
    seconds (a phone on bad Wi-Fi) and then cleaned and stored by the server."""
    names = data.prepare_database(target, WARM_UP_WORKERS)
    asns = make_asns(target, ["BENCH-UP-WARM", "BENCH-UP-ALONE", "BENCH-UP"],
                     first_serial=3_000_000, cartons=2 * ASN_CARTONS)
    app = data.make_app(target)
    with app.app_context():
        targets = data.photo_upload_targets("BENCH-UP-WARM", UPLOADERS)
        db.session.remove()
        db.engine.dispose()
    paths = app_paths(app)
    for offset, upload_target in enumerate(targets):  # their slow sends overlap, staggered
        upload_target["delay_s"] = offset * durations.upload_spread / UPLOADERS
    beside = scan_phase("scan_beside_uploads", "flat", 1, durations.uploads, "BENCH-UP",
                        asns["BENCH-UP"])
    beside["uploads"] = {"path": paths["api_photos"], "targets": targets,
                         "photo_file": str(photo_file), "trickle_s": durations.upload_spread}
    phases = [warm_up_phase("BENCH-UP-WARM", asns["BENCH-UP-WARM"]),
              scan_phase("scan_alone", "flat", 1, durations.flat_scan, "BENCH-UP-ALONE",
                         asns["BENCH-UP-ALONE"]),
              beside]
    with Server(data.server_environment(target)) as server:
        results = {p["name"]: p for p in run_load(server, names, phases, paths)}
    accepted = sum(p["ok"] for name, p in results.items() if name.startswith("scan_"))
    results["books"] = check_books(target, accepted)
    return results


def bench_imports(target: data.Target, durations: Durations, *,
                  fresh_database: bool = False) -> list[dict]:
    """Each door at each size, in its own process (for its own peak memory).

    `fresh_database` when no scan section ran before and migrated and seeded it
    (`--only imports`).
    """
    if fresh_database:
        data.prepare_database(target, 1)
    paths = app_paths(data.make_app(target))
    results = []
    serial = 10_000_000
    for lines in durations.import_sizes:
        for door in ("api", "csv"):
            result = _import_job(target, door, lines, serial, paths)
            serial += 3 * lines + 100
            results.append(result)
    return results


def _import_job(target: data.Target, door: str, lines: int, serial: int,
                paths: dict[str, str]) -> dict:
    job = {"target": asdict(target), "door": door, "lines": lines, "paths": paths,
           "number": f"IMP-{door.upper()}-{lines}-{serial}", "first_serial": serial}
    done = subprocess.run([sys.executable, "-m", "bench.imports"], input=json.dumps(job),
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"the {door} import of {lines} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def bench_growth(target: data.Target, durations: Durations) -> dict:
    """Scan latency at 1 and 32 workers with 0, 100,000 and 1,000,000 history rows, and
    the query plans of a scan at each level."""
    names = data.prepare_database(target, max(GROWTH_WORKERS))
    paths = app_paths(data.make_app(target))
    levels = {}
    for index, rows in enumerate(durations.growth_levels):
        started = time.perf_counter()
        app = data.make_app(target)
        with app.app_context():
            data.grow_history(rows)
            db.session.remove()
            db.engine.dispose()
        generated_s = time.perf_counter() - started
        asn_names = [f"BENCH-G{index}-{n}" for n in GROWTH_WORKERS] + [
            f"BENCH-G{index}-PLAN", f"BENCH-G{index}-WARM"]
        asns = make_asns(target, asn_names, first_serial=2_000_000 + index * 25_000)
        phases = [warm_up_phase(f"BENCH-G{index}-WARM", asns[f"BENCH-G{index}-WARM"]),
                  floor_phase(f"floor_flat_{GROWTH_WORKERS[0]}", "flat", GROWTH_WORKERS[0],
                              durations.flat_floor)]
        phases += [scan_phase(f"scan_flat_{n}", "flat", n, durations.growth,
                              f"BENCH-G{index}-{n}", asns[f"BENCH-G{index}-{n}"])
                   for n in GROWTH_WORKERS]
        with Server(data.server_environment(target)) as server:
            measured = {p["name"]: p for p in run_load(server, names, phases, paths)}
        app = data.make_app(target)
        statements = plans.scan_statements(app, paths, names[0], data.BENCH_PASSWORD,
                                           f"BENCH-G{index}-PLAN",
                                           asns[f"BENCH-G{index}-PLAN"][0])
        levels[str(rows)] = {"history_rows": rows, "generated_in_s": round(generated_s, 1),
                             **measured, "plans": plans.explain(app, statements)}
        with app.app_context():
            db.engine.dispose()
    return levels


def photo() -> dict:
    """The photo figures of bench/photo.py."""
    from .photo import run

    return run()


def sample_photo_file(folder: Path) -> Path:
    """The photo benchmark's 12 MP phone photo with a carton label, as a file."""
    from .photo import sample_photo

    path = folder / "sample-photo.jpg"
    if not path.exists():
        path.write_bytes(sample_photo())
    return path


def targets_from_environment(folder: Path) -> list[data.Target]:
    found = [data.sqlite_target(folder)]
    if os.environ.get("BENCH_DATABASE_URL"):
        found.append(data.postgres_target(os.environ["BENCH_DATABASE_URL"]))
    return found


def run(durations: Durations, sections: tuple[str, ...], folder: Path) -> dict:
    """Every selected section on every database; the results as one dict."""
    targets = targets_from_environment(folder)
    started = time.perf_counter()
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": machine(), "versions": versions(targets),
                     "durations": asdict(durations), "gunicorn_workers": WORKERS,
                     "databases": {}}
    if "photo" in sections:
        _say("photo evidence")
        results["photo"] = photo()
    for number, target in enumerate(targets):
        section: dict = {}
        if "scan" in sections:
            _say(f"{target.name}: scans under load")
            section["scan"] = bench_scans(target, durations, with_pages=number == 0)
        if "uploads" in sections:
            _say(f"{target.name}: scans beside photo uploads")
            section["uploads"] = bench_uploads(target, durations, sample_photo_file(folder))
        if "imports" in sections:
            _say(f"{target.name}: ASN imports")
            section["imports"] = bench_imports(target, durations,
                                               fresh_database="scan" not in sections)
        if "growth" in sections:
            _say(f"{target.name}: growth with history")
            section["growth"] = bench_growth(target, durations)
        results["databases"][target.name] = section
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["total_s"] = round(time.perf_counter() - started)
    return results


def _say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, write latest.json and the table in docs/benchmarks.md."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="seconds instead of minutes: to check the benchmarks run")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument("--no-docs", action="store_true",
                        help="leave docs/benchmarks.md alone (write latest.json only)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="dockside-bench-") as folder:
        results = run(QUICK if args.quick else FULL, sections, Path(folder))
    results["profile"] = "quick" if args.quick else "full"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results)
    if not args.no_docs:
        report.update_docs(DOCS, table)
    print(table)
    _say(f"done in {results['total_s']} s: {args.output}")
