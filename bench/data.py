"""What the benchmarks run on: a fresh database, the demo data, dock workers, big ASNs,
and generated history.

History is written in bulk (COPY on PostgreSQL, executemany on SQLite) because a million
ledger rows through the ORM would take longer than the whole benchmark. It is still a
history the app could have written: closed ASNs whose cartons were submitted, received
and put away, every movement matched by its balance (balance == sum(ledger) holds).
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from werkzeug.security import generate_password_hash

from receiving_app import create_app
from receiving_app.demo import gtin, seed_demo, sscc
from receiving_app.extensions import db
from receiving_app.inventory.ledger import add_to_balances
from receiving_app.models import (
    Asn, AsnStatus, Bucket, Carton, CartonStatus, Location, LocationKind, Role, Seller, Sku,
    User, Warehouse, utcnow,
)
from receiving_app.receiving import arrive_asn, submit_asn

BENCH_SECRET_KEY = "dockside-bench-not-a-secret"
BENCH_PASSWORD = "dockside-bench"
# The simulated workers' passwords use a cheap scrypt: logging a hundred workers in is
# set-up, not what is measured, and each login holds SQLite's write lock through the
# hash check (at production cost the log-ins alone took minutes on a busy machine).
BENCH_HASH_METHOD = "scrypt:1024:8:1"
SKU_COUNT = 20
HISTORY_CARTONS_PER_ASN = 500
# Per history carton: submitted, received (out of transit, onto the dock), put away
# (off the dock, onto a shelf) = 5 ledger rows; and 5 scan events.
HISTORY_ROWS_PER_CARTON = 5
HISTORY_PREFIX = "HIST-"


@dataclass(frozen=True)
class Target:
    """One database the benchmarks run on."""

    name: str  # "sqlite" or "postgresql"
    url: str  # a SQLAlchemy URL

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"


def sqlite_target(folder: Path) -> Target:
    return Target("sqlite", f"sqlite:///{folder / 'bench.sqlite'}")


def postgres_target(url: str) -> Target:
    from config import database_url

    return Target("postgresql", database_url(url, Path(".")))


def server_environment(target: Target) -> dict[str, str]:
    """The environment gunicorn gets: production settings on the target database."""
    return {"APP_ENV": "production", "SECRET_KEY": BENCH_SECRET_KEY, "DATABASE_URL": target.url}


def make_app(target: Target, **overrides) -> Flask:
    """The app as gunicorn builds it, in this process, for set-up and in-process doors."""
    settings = {"SQLALCHEMY_DATABASE_URI": target.url, "SECRET_KEY": BENCH_SECRET_KEY,
                "APP_ENV": "production"}
    settings.update(overrides)
    return create_app(settings)


def reset_database(target: Target) -> None:
    """Empty the target completely (the SQLite file, or PostgreSQL's public schema)."""
    if target.is_postgres:
        engine = sa.create_engine(target.url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return
    path = Path(target.url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prepare_database(target: Target, workers: int) -> list[str]:
    """A fresh, migrated database with the demo data and `workers` dock users; their names."""
    from flask_migrate import upgrade

    reset_database(target)
    app = make_app(target)
    with app.app_context():
        upgrade()
        seed_demo()
        names = add_dock_workers(workers)
        db.session.remove()
        db.engine.dispose()
    return names


def add_dock_workers(count: int) -> list[str]:
    """`count` dock workers at LAX1 (bench-dock-001 ...), each with its own login."""
    warehouse_id = db.session.scalar(sa.select(Warehouse.id).where(Warehouse.code == "LAX1"))
    password_hash = generate_password_hash(BENCH_PASSWORD, method=BENCH_HASH_METHOD)
    names = [f"bench-dock-{n:03d}" for n in range(1, count + 1)]
    db.session.execute(sa.insert(User), [
        {"username": name, "password_hash": password_hash, "role": Role.DOCK,
         "warehouse_id": warehouse_id, "active": True, "session_version": 1,
         "created_at": utcnow()}
        for name in names
    ])
    db.session.commit()
    return names


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def asn_payload(number: str, lines: int, *, first_serial: int = 1,
                mixed_every: int | None = 10) -> dict:
    """An ACME ASN of exactly `lines` carton contents over SSCC-labelled cartons.

    Every `mixed_every`th carton is a declared mixed carton (two SKUs); twenty SKUs
    with barcodes.
    """
    skus = [{"sku": f"BENCH-SKU-{n:02d}", "description": f"Bench item {n}",
             "barcodes": [gtin("ACME", f"9{n:04d}")], "high_value": False}
            for n in range(1, SKU_COUNT + 1)]
    cartons, made, serial = [], 0, first_serial
    while made < lines:
        mixed = mixed_every and serial % mixed_every == 0 and lines - made >= 2
        width = 2 if mixed else 1
        contents = [{"sku": skus[(serial + i) % SKU_COUNT]["sku"], "qty": 6 + (serial + i) % 19}
                    for i in range(width)]
        cartons.append({"label": sscc("ACME", serial), "contents": contents})
        made += width
        serial += 1
    return {"number": number, "warehouse": "LAX1", "seller": "ACME", "carrier": "Maersk",
            "tracking": "MAEU0000001", "skus": skus, "cartons": cartons}


def packing_list_csv(payload: dict) -> str:
    """The same ASN as a CSV packing list, one row per carton content."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["asn_number", "carton_label", "sku", "qty", "sku_description", "barcode"])
    described: set[str] = set()
    skus = {s["sku"]: s for s in payload["skus"]}
    for carton in payload["cartons"]:
        for line in carton["contents"]:
            sku = skus[line["sku"]]
            first = sku["sku"] not in described
            described.add(sku["sku"])
            writer.writerow([payload["number"], carton["label"], line["sku"], line["qty"],
                             sku["description"] if first else "",
                             sku["barcodes"][0] if first else ""])
    return out.getvalue()


def dock_asn(number: str, cartons: int, *, first_serial: int) -> list[str]:
    """Submit and check in an ASN of `cartons` single-SKU cartons; the codes a scanner
    sends for them (GS1-128 with its symbology identifier, as the demo walk scans)."""
    payload = asn_payload(number, cartons, first_serial=first_serial, mixed_every=None)
    asn = submit_asn(payload, user=user("supervisor"))
    arrive_asn(asn, cartons, user=user("dock"))
    return [f"]C100{carton['label']}" for carton in payload["cartons"]]


def photo_upload_targets(number: str, phones: int) -> list[dict]:
    """For each of `phones` phones sending photos: an API token of the dock user and a
    draft exception (a damaged carton of ASN `number`) to send them to."""
    from receiving_app.accounts import create_api_token
    from receiving_app.receiving import raise_exception

    asn = db.session.scalar(sa.select(Asn).where(Asn.number == number))
    dock = user("dock")
    labels = db.session.scalars(sa.select(Carton.label).where(Carton.asn_id == asn.id)
                                .order_by(Carton.id.desc()).limit(phones)).all()
    return [{"token": create_api_token(dock),
             "exception_id": raise_exception(asn, "damaged", user=dock, carton_label=label).id}
            for label in labels]


def history_rows() -> int:
    """Generated ledger rows so far (the scan-event table holds as many)."""
    asns = db.session.scalar(sa.select(sa.func.count(Asn.id))
                             .where(Asn.number.startswith(HISTORY_PREFIX)))
    return asns * HISTORY_CARTONS_PER_ASN * HISTORY_ROWS_PER_CARTON


def grow_history(total_rows: int, *, seed: int = 8) -> int:
    """Add closed, put-away history until the ledger and the scan log each hold about
    `total_rows` generated rows; returns the rows added to each."""
    per_asn = HISTORY_CARTONS_PER_ASN * HISTORY_ROWS_PER_CARTON
    have = history_rows() // per_asn
    want = -(-total_rows // per_asn)
    if want <= have:
        return 0
    context = _HistoryContext.load()
    rng = random.Random(seed + have)
    connection = db.session.connection()
    _skip_foreign_key_checks(connection)
    for start in range(have, want, 20):  # 20 ASNs = 50,000 rows a table per batch
        _write_history_batch(connection, context, range(start, min(start + 20, want)), rng)
    _sync_sequences(connection)
    db.session.commit()
    return (want - have) * per_asn


@dataclass
class _HistoryContext:
    warehouse_id: int
    sellers: list[int]
    skus: dict[int, list[int]]
    dock_id: int
    shelves: list[int]
    user_id: int

    @classmethod
    def load(cls) -> "_HistoryContext":
        warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == "LAX1"))
        locations = db.session.scalars(sa.select(Location).where(
            Location.warehouse_id == warehouse.id).order_by(Location.id)).all()
        sellers = db.session.scalars(sa.select(Seller.id).order_by(Seller.id)).all()
        skus = {s: db.session.scalars(sa.select(Sku.id).where(Sku.seller_id == s)).all()
                for s in sellers}
        return cls(
            warehouse_id=warehouse.id, sellers=[s for s in sellers if skus[s]], skus=skus,
            dock_id=next(loc.id for loc in locations if loc.kind is LocationKind.DOCK),
            shelves=[loc.id for loc in locations if loc.kind is LocationKind.STORAGE],
            user_id=user("dock").id,
        )


def _write_history_batch(connection, context: _HistoryContext, asn_indexes: range,
                         rng: random.Random) -> None:
    next_carton = (db.session.scalar(sa.select(sa.func.max(Carton.id))) or 0) + 1
    carton_ids = itertools.count(next_carton)
    cartons, contents, movements, scans = [], [], [], []
    deltas: dict[tuple, int] = defaultdict(int)
    for index in asn_indexes:
        seller_id = context.sellers[index % len(context.sellers)]
        when = datetime(2024, 1, 1) + timedelta(hours=6 * index)
        asn_id = connection.execute(sa.insert(Asn).returning(Asn.id), {
            "number": f"{HISTORY_PREFIX}{index + 1:06d}", "seller_id": seller_id,
            "warehouse_id": context.warehouse_id, "status": AsnStatus.CLOSED,
            "carrier": "", "tracking": "", "paperwork_cartons": HISTORY_CARTONS_PER_ASN,
            "carton_count": HISTORY_CARTONS_PER_ASN,
            "sample_seed": index, "submitted_at": when.replace(tzinfo=UTC),
            "arrived_at": when.replace(tzinfo=UTC), "closed_at": when.replace(tzinfo=UTC),
        }).scalar_one()
        for n in range(HISTORY_CARTONS_PER_ASN):
            carton_id = next(carton_ids)
            sku_id = rng.choice(context.skus[seller_id])
            shelf = rng.choice(context.shelves)
            qty = rng.randint(1, 48)
            at = when + timedelta(seconds=n)
            label = f"H{index:06d}-{n:04d}"
            cartons.append((carton_id, asn_id, label, CartonStatus.PUT_AWAY.value, False,
                            False, at, context.user_id, at, shelf))
            contents.append((carton_id, sku_id, qty, 0))
            key = (context.warehouse_id, seller_id, sku_id)
            for bucket, location, delta, reason in (
                (Bucket.IN_TRANSIT, None, qty, "asn_submitted"),
                (Bucket.IN_TRANSIT, None, -qty, "carton_received"),
                (Bucket.RECEIVING, context.dock_id, qty, "carton_received"),
                (Bucket.RECEIVING, context.dock_id, -qty, "put_away"),
                (Bucket.ON_HAND, shelf, qty, "put_away"),
            ):
                movements.append((*key, location, bucket.value, delta, reason, asn_id,
                                  carton_id, context.user_id, at))
                deltas[(*key, location, bucket)] += delta
            scans.extend(_history_scans(asn_id, carton_id, label, shelf, context.user_id, at))
    _bulk(connection, "cartons", ("id", "asn_id", "label", "status", "in_sample",
                                  "recount_requested", "received_at", "received_by_id",
                                  "put_away_at", "location_id"), cartons)
    _bulk(connection, "carton_contents", ("carton_id", "sku_id", "declared_qty", "damaged_qty"),
          contents)
    _bulk(connection, "movements", ("warehouse_id", "seller_id", "sku_id", "location_id",
                                    "bucket", "qty", "reason", "asn_id", "carton_id", "user_id",
                                    "created_at"), movements)
    _bulk(connection, "scan_events", ("idempotency_key", "asn_id", "carton_id", "location_id",
                                      "user_id", "step", "raw_code", "parsed", "outcome",
                                      "response", "server_time", "client_time"), scans)
    add_to_balances(deltas, utcnow())


def _history_scans(asn_id: int, carton_id: int, label: str, shelf: int, user_id: int,
                   at: datetime) -> Iterable[tuple]:
    parsed = json.dumps({"raw": label, "code": label, "kind": "plain"})
    for k, (step, outcome, location) in enumerate((
        ("receive", "received", None), ("receive", "duplicate", None),
        ("count", "counted", None), ("putaway", "selected", None),
        ("putaway", "put_away", shelf),
    )):
        response = json.dumps({"outcome": outcome, "message": f"{outcome} {label}",
                               "tone": "ok", "carton": label, "data": {}})
        yield (f"hist-{carton_id}-{k}", asn_id, carton_id, location, user_id, step, label,
               parsed, outcome, response, at + timedelta(seconds=k), at + timedelta(seconds=k))


def _bulk(connection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in rows])


def _sqlite_value(value):
    # The models store naive UTC text; sqlite3's own datetime adapter is deprecated.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _skip_foreign_key_checks(connection) -> None:
    """On PostgreSQL, as a superuser, skip the per-row foreign-key triggers for this
    transaction: they were two thirds of the load's time, and every generated row points
    at rows made just before it. Elsewhere the checks simply run."""
    if connection.dialect.name != "postgresql":
        return
    superuser = connection.execute(sa.text(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if superuser:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))


def _sync_sequences(connection) -> None:
    """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("asns", "cartons", "carton_contents", "movements", "scan_events"):
        connection.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
