"""The carton scan's fast path: what the dock's most frequent request runs past the ORM.

A scan reads and writes plain rows through Core statements built once, run on the
session's connection (database.execute_core), and takes the ASN's lock in the cheapest
form that still holds. The use cases call these by name, so that they read top to bottom
as the warehouse says them. What each piece saved, and how it was measured, is in
docs/benchmarks.md; SQLite's writers' queue is in database.py.
"""
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.orm.attributes import set_committed_value

from ..barcodes import Scan
from ..database import execute_core
from ..extensions import db
from ..models import Asn, Carton, CartonContent, CartonStatus, Location, LocationKind, ScanEvent
from .summary import RECEIVED_STATUSES


def lock_asn(asn: Asn, *, shared: bool = False) -> Asn:
    """The ASN reloaded under its row lock: exclusive to end a stage, `shared` for the
    scans of a stage, which run side by side but never beside the step that ends it.

    On SQLite the write transaction already holds the database's one write lock from its
    BEGIN (database.py), and the session's objects were either read inside it or expired
    by the last commit (expire_on_commit, checked): the ASN in hand is current.
    """
    if _current_under_the_write_lock(asn):
        return asn
    return db.session.get(Asn, asn.id, with_for_update={"read": shared}, populate_existing=True)


def lock_asn_status(asn: Asn) -> Asn:
    """lock_asn(shared=True) that reads the status alone: all a carton scan checks."""
    if _current_under_the_write_lock(asn):
        return asn
    if asn not in db.session:
        return lock_asn(asn, shared=True)
    status = execute_core(_ASN_STATUS_SHARED, {"asn_id": asn.id}).scalar_one()
    set_committed_value(asn, "status", status)
    return asn


def _current_under_the_write_lock(asn: Asn) -> bool:
    session = db.session()
    return asn in session and session.expire_on_commit and \
        session.get_bind().dialect.name == "sqlite"


_ASN_STATUS_SHARED = (
    sa.select(Asn.status).where(Asn.id == sa.bindparam("asn_id")).with_for_update(read=True)
)


def carton_row(asn: Asn, scan: Scan, *, lock: bool = False) -> Row | None:
    """The ASN's carton the scan names, as a row (id, label, status); None without one."""
    if not (keys := scan.carton_keys()):
        return None
    return execute_core(carton_query(True, bool(scan.sscc), lock),
                        carton_params(asn, scan, keys)).first()


@cache
def carton_query(as_row: bool, by_sscc: bool, lock: bool):
    """The carton a scan names (its label in any scanned form, or its SSCC), built once
    per shape: as a row (id, label, status) or the mapped Carton, under a lock or not."""
    asn_id = sa.bindparam("asn_id")
    # Each form is looked up through its own index: "asn AND (label IN ... OR sscc = ...)"
    # made SQLite walk every carton of the ASN.
    matches = sa.select(Carton.id).where(
        Carton.asn_id == asn_id, Carton.label.in_(sa.bindparam("keys", expanding=True)))
    if by_sscc:
        matches = sa.union_all(matches, sa.select(Carton.id).where(
            Carton.asn_id == asn_id, Carton.sscc == sa.bindparam("sscc")))
    columns = (Carton.id, Carton.label, Carton.status) if as_row else (Carton,)
    query = sa.select(*columns).where(Carton.id.in_(matches)).order_by(Carton.id).limit(1)
    return query.with_for_update() if lock else query


def carton_params(asn: Asn, scan: Scan, keys: list[str]) -> dict:
    params = {"asn_id": asn.id, "keys": keys}
    if scan.sscc:
        params["sscc"] = scan.sscc
    return params


def received_carton_count(asn_id: int) -> int:
    """Cartons of the ASN received or already put away, from the (asn_id, status) index."""
    return execute_core(_RECEIVED_CARTONS, {"asn_id": asn_id}).scalar_one()


_RECEIVED_CARTONS = sa.select(sa.func.count()).where(
    Carton.asn_id == sa.bindparam("asn_id"), Carton.status.in_(RECEIVED_STATUSES))


def mark_carton_received(carton_id: int, user_id: int, received_at) -> None:
    execute_core(_MARK_RECEIVED, {"carton_id": carton_id, "received_at": received_at,
                                  "user_id": user_id})


_MARK_RECEIVED = (
    sa.update(Carton).where(Carton.id == sa.bindparam("carton_id"))
    .values(status=CartonStatus.RECEIVED, received_at=sa.bindparam("received_at"),
            received_by_id=sa.bindparam("user_id"))
)


def declared_contents(carton_id: int) -> list[tuple[int, int]]:
    """(sku_id, declared units) of each of the carton's contents, in their order."""
    return execute_core(_DECLARED, {"carton_id": carton_id}).all()


_DECLARED = (
    sa.select(CartonContent.sku_id, CartonContent.declared_qty)
    .where(CartonContent.carton_id == sa.bindparam("carton_id")).order_by(CartonContent.id)
)


def first_location_id(warehouse_id: int, kind: LocationKind) -> int | None:
    """The id of the warehouse's first location of a kind (its dock, its quarantine)."""
    return execute_core(_FIRST_LOCATION, {"warehouse_id": warehouse_id, "kind": kind}).scalar()


_FIRST_LOCATION = (
    sa.select(Location.id)
    .where(Location.warehouse_id == sa.bindparam("warehouse_id"),
           Location.kind == sa.bindparam("kind"))
    .order_by(Location.id).limit(1)
)


def try_transaction_lock(lock_id: int) -> bool:
    """PostgreSQL: take the advisory lock `lock_id` until the transaction ends, if no other
    transaction holds it (True); False at once if one does."""
    return execute_core(_TRY_TRANSACTION_LOCK, {"lock_id": lock_id}).scalar_one()


_TRY_TRANSACTION_LOCK = sa.select(sa.func.pg_try_advisory_xact_lock(
    sa.bindparam("lock_id", type_=sa.BigInteger)))


def first_answer(key: str) -> Row | None:
    """The scan event (user_id, response, request_fingerprint) written for an idempotency
    key, if any."""
    return execute_core(_FIRST_ANSWER, {"key": key}).first()


_FIRST_ANSWER = sa.select(ScanEvent.user_id, ScanEvent.response,
                          ScanEvent.request_fingerprint).where(
    ScanEvent.idempotency_key == sa.bindparam("key"))


def insert_scan_event(**values) -> None:
    """One row of the scan log, its columns by name."""
    execute_core(_INSERT_SCAN_EVENT, values)


_INSERT_SCAN_EVENT = sa.insert(ScanEvent.__table__)
