"""Arrival and the carton count."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.orm.attributes import set_committed_value

from ..database import run
from ..errors import InvalidInput
from ..extensions import db
from ..inventory.ledger import post_movements
from ..models import (
    Asn, AsnStatus, Bucket, Carton, CartonContent, CartonStatus, ExceptionKind, LocationKind,
    ReceivingException, User, utcnow,
)
from ..payloads import checked_value, whole_number
from .lookup import find_carton_row, read_scan
from .raising import new_exception
from .sampling import choose_sample, sample_size
from .scans import ScanResult, record_scan, replayed
from .seller_events import emit_asn_event
from .sla import due_at, receipt_hours
from .states import advance, check_step
from .summary import RECEIVED_STATUSES
from .stock import move, warehouse_location_id

MAX_PAPERWORK_CARTONS = 1_000_000
PAPERWORK_CARTONS = whole_number(0, MAX_PAPERWORK_CARTONS, "a whole number, 0 or more")


def lock_asn(asn: Asn, *, shared: bool = False, status_only: bool = False) -> Asn:
    """Reload the ASN under a row lock (PostgreSQL; SQLite already holds the write lock).

    Scans take the shared lock, so they run side by side but never beside the step that
    ends their stage (complete_count takes the exclusive one). `status_only` (shared) takes
    the lock and refreshes the status alone, in one Core statement: all that the carton
    count checks under it.

    On SQLite a writing transaction holds the database's one write lock from its BEGIN
    IMMEDIATE (database.py), and the session's objects were either read inside it or
    expired by the last commit (expire_on_commit, checked): the ASN in hand is current,
    and reading it again was a statement on every scan.
    """
    shared = shared or status_only
    session = db.session()
    if asn in session and session.expire_on_commit and \
            session.get_bind().dialect.name == "sqlite":
        return asn
    if status_only and asn in session:
        set_committed_value(asn, "status", run(_LOCK_STATUS, {"asn_id": asn.id}).scalar_one())
        return asn
    return db.session.get(Asn, asn.id, with_for_update={"read": shared}, populate_existing=True)


_LOCK_STATUS = (
    sa.select(Asn.status).where(Asn.id == sa.bindparam("asn_id")).with_for_update(read=True)
)


def arrive_asn(asn: Asn, paperwork_cartons: int, *, user: User) -> Asn:
    """Check the delivery in: record the carrier's carton count and start the SLA clock."""
    paperwork_cartons = checked_value(
        PAPERWORK_CARTONS, paperwork_cartons, "paperwork_cartons",
        "Enter the number of cartons on the delivery paperwork.")
    asn = lock_asn(asn)
    advance(asn, "arrive")
    now = utcnow()
    asn.arrived_at = now
    asn.paperwork_cartons = paperwork_cartons
    asn.sla_due_at = due_at(now, receipt_hours(asn), asn.warehouse)
    emit_asn_event(asn, "asn.arrived")
    db.session.commit()
    return asn


def carton_progress(asn: Asn) -> dict:
    """Cartons received (or already put away) out of the ASN's cartons."""
    received = run(_RECEIVED_CARTONS, {"asn_id": asn.id}).scalar_one()
    return {"received": received, "total": asn.carton_count}


def receive_carton(
    asn: Asn, raw_code: str, *, user: User, key: str | None = None,
    fingerprint: str | None = None, client_time: datetime | None = None,
) -> ScanResult:
    """One scanned carton label: receive the carton once, or say why not.

    A second scan of a received carton counts nothing and answers "duplicate"; a label the
    ASN does not know raises an "unexpected carton" exception (once per label).

    The dock's most frequent request, so it reads and writes plain rows through prebuilt
    Core statements rather than mapped objects (docs/benchmarks.md): the same rows, a
    third of the cost, and on SQLite a shorter hold of the one write lock.
    """
    scan = read_scan(raw_code, "label")
    if (first := replayed(key, user, fingerprint)) is not None:
        return first
    asn = lock_asn(asn, status_only=True)
    check_step(asn, "receive")
    carton = find_carton_row(asn, scan, lock=True)
    if carton is None:
        result = _unexpected_carton(asn, scan, user)
    elif carton.status is not CartonStatus.EXPECTED:
        result = ScanResult("duplicate", f"Already received: {carton.label}. Not counted again.",
                            tone="warn", carton=carton.label)
    else:
        _receive(asn, carton, user)
        result = ScanResult("received", f"Received {carton.label}", carton=carton.label)
    result.data["progress"] = carton_progress(asn)
    return record_scan(result, step="receive", scan=scan, user=user, key=key,
                       fingerprint=fingerprint, asn=asn,
                       carton=carton, client_time=client_time)


def _receive(asn: Asn, carton: Row, user: User) -> None:
    run(_MARK_RECEIVED, {"carton_id": carton.id, "received_at": utcnow(), "user_id": user.id})
    dock = warehouse_location_id(asn, LocationKind.DOCK)
    postings = []
    for sku_id, declared_qty in run(_DECLARED, {"carton_id": carton.id}):
        postings += move(asn, sku_id=sku_id, qty=declared_qty,
                         reason="carton_received", user=user, carton=carton,
                         source=(Bucket.IN_TRANSIT, None), target=(Bucket.RECEIVING, dock))
    post_movements(postings)


# The carton scan's statements, built once (building a statement costs as much as running it).

# From the (asn_id, status) index alone; the total is stored with the ASN. Counting every
# carton by status cost 0.6 ms on 5,000 cartons, under SQLite's write lock.
_RECEIVED_CARTONS = sa.select(sa.func.count()).where(
    Carton.asn_id == sa.bindparam("asn_id"), Carton.status.in_(RECEIVED_STATUSES))
_MARK_RECEIVED = (
    sa.update(Carton).where(Carton.id == sa.bindparam("carton_id"))
    .values(status=CartonStatus.RECEIVED, received_at=sa.bindparam("received_at"),
            received_by_id=sa.bindparam("user_id"))
)
_DECLARED = (
    sa.select(CartonContent.sku_id, CartonContent.declared_qty)
    .where(CartonContent.carton_id == sa.bindparam("carton_id")).order_by(CartonContent.id)
)


def _unexpected_carton(asn: Asn, scan, user: User) -> ScanResult:
    if scan.error:
        return ScanResult("unreadable", f"Could not read that label: {scan.error}.", tone="error")
    label = scan.code[:64]
    exception = db.session.scalar(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id,
        ReceivingException.kind == ExceptionKind.UNEXPECTED_CARTON,
        ReceivingException.carton_label == label,
    ))
    if exception is None:
        exception = new_exception(asn, ExceptionKind.UNEXPECTED_CARTON, user=user,
                                  carton_label=label, found_qty=1,
                                  note="Carton label not on the ASN.")
        db.session.flush()
    return ScanResult("unknown", f"Not on this ASN: {label}. Set it aside and photograph it.",
                      tone="error", carton=label, data={"exception_id": exception.id})


def complete_count(asn: Asn, *, user: User) -> dict:
    """End the carton count: every carton not scanned is missing (an exception each), the
    scanned total is compared with the paperwork, and the sample to open is drawn."""
    asn = lock_asn(asn)
    advance(asn, "complete_count")
    now = utcnow()
    asn.counted_at = now
    missing = [c for c in asn.cartons if c.status is CartonStatus.EXPECTED]
    for carton in missing:
        carton.status = CartonStatus.MISSING
        new_exception(asn, ExceptionKind.MISSING_CARTON, user=user, carton=carton,
                      expected_qty=1, found_qty=0, note="Carton on the ASN was not delivered.")
    received = [c for c in asn.cartons if c.status is CartonStatus.RECEIVED]
    size = sample_size(len(received), asn.warehouse.sampling_policy, asn.warehouse.sample_rate)
    sample = choose_sample(received, asn.sample_seed, size)
    for carton in sample:
        carton.in_sample = True
    finish_stages(asn)
    db.session.commit()
    return {
        "sample": [c.label for c in sample],
        "missing": [c.label for c in missing],
        "received": len(received),
        "paperwork_cartons": asn.paperwork_cartons,
        "paperwork_matches": asn.paperwork_cartons == len(received),
        "status": asn.status.value,
    }


def finish_stages(asn: Asn) -> None:
    """Move the ASN on when its stage is done: all sample cartons inspected, then all
    received cartons put away."""
    now = utcnow()
    if asn.status is AsnStatus.COUNTED and not any(
        c.in_sample and c.status is not CartonStatus.MISSING and c.inspected_at is None
        for c in asn.cartons
    ):
        advance(asn, "finish_inspection")
        asn.inspected_at = now
    if asn.status is AsnStatus.INSPECTED and not any(
        c.status is CartonStatus.RECEIVED for c in asn.cartons
    ):
        advance(asn, "finish_putaway")
        asn.put_away_at = now
