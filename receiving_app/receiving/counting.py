"""Arrival and the carton count."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Row

from ..errors import InvalidInput
from ..extensions import db
from ..inventory.ledger import post_movements
from ..models import (
    Asn, AsnStatus, Bucket, CartonStatus, Delivery, DocumentKind, ExceptionKind, LocationKind,
    ReceivingException, StepName, User, utcnow,
)
from .deliveries import document_row, new_delivery, read_paperwork
from .fast_path import (
    carton_row, declared_contents, lock_asn, lock_asn_status, mark_carton_received,
    received_carton_count,
)
from .history import record_step
from .inspection_levels import level_of, reason_text, record_sample
from .lookup import read_scan
from .raising import new_exception
from .sampling import choose_sample, sample_size
from .scans import ScanResult, record_scan, replayed
from .seller_events import emit_asn_event
from .sla import due_at, receipt_hours
from .states import advance, check_step
from .stock import move, warehouse_location_id
from .uploads import Upload, store_photo


def arrive_asn(asn: Asn, paperwork_cartons: int, *, user: User, receipt: Upload | None = None,
               **fields) -> Asn:
    """Check the delivery in: record the carrier's carton count (and, when given, the seal
    number, trailer, carrier and mode: `DELIVERY_FIELDS`) as delivery 1, and start the SLA
    clock. `receipt` is a photo of the signed delivery receipt, kept as its document;
    a warehouse may require it."""
    paperwork = read_paperwork(paperwork_cartons, fields, default_carrier=asn.carrier)
    if receipt is None and asn.warehouse.delivery_receipt_required:
        raise InvalidInput("Photograph the delivery receipt to check in.",
                           [{"path": "receipt", "message": "a photo is required"}])
    stored = store_photo(receipt) if receipt is not None else None
    asn = lock_asn(asn)
    advance(asn, "arrive")
    now = utcnow()
    asn.arrived_at = now
    asn.paperwork_cartons = paperwork.paperwork_cartons
    asn.sla_due_at = due_at(now, receipt_hours(asn), asn.warehouse)
    delivery = new_delivery(asn, paperwork, user=user, at=now)
    if stored is not None:
        db.session.flush()
        document_row(delivery, DocumentKind.POD, stored, user, receipt.client_taken_at)
    emit_asn_event(asn, "asn.arrived")
    db.session.commit()
    return asn


def add_delivery(asn: Asn, paperwork_cartons: int, *, user: User, **fields) -> Delivery:
    """A later truck for an ASN already checked in: its paperwork is a new delivery, and the
    cartons it brings are received as late ones. The paperwork's total grows by its count."""
    paperwork = read_paperwork(paperwork_cartons, fields, default_carrier=asn.carrier)
    asn = lock_asn(asn)
    check_step(asn, "add_delivery")
    delivery = new_delivery(asn, paperwork, user=user, at=utcnow())
    asn.paperwork_cartons = (asn.paperwork_cartons or 0) + paperwork.paperwork_cartons
    db.session.commit()
    return delivery


def carton_progress(asn: Asn) -> dict:
    """Cartons received (or already put away) out of the ASN's cartons."""
    return {"received": received_carton_count(asn.id), "total": asn.carton_count}


def receive_carton(
    asn: Asn, raw_code: str, *, user: User, key: str | None = None,
    fingerprint: str | None = None, client_time: datetime | None = None,
) -> ScanResult:
    """One scanned carton label: receive the carton once, or say why not.

    A second scan of a received carton counts nothing and answers "duplicate"; a label the
    ASN does not know raises an "unexpected carton" exception (once per label).

    The dock's most frequent request: it reads and writes plain rows on the fast path
    (fast_path.py), not mapped objects.
    """
    scan = read_scan(raw_code, "label")
    if (first := replayed(key, user, fingerprint)) is not None:
        return first
    asn = lock_asn_status(asn)
    check_step(asn, "receive")
    carton = carton_row(asn, scan, lock=True)
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
    mark_carton_received(carton.id, user.id, utcnow())
    dock = warehouse_location_id(asn, LocationKind.DOCK)
    postings = []
    for sku_id, declared_qty in declared_contents(carton.id):
        postings += move(asn, sku_id=sku_id, qty=declared_qty,
                         reason="carton_received", user=user, carton=carton,
                         source=(Bucket.IN_TRANSIT, None), target=(Bucket.RECEIVING, dock))
    post_movements(postings)


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
    # the seller's inspection level here sizes the sample, and the receipt keeps it
    level, reason, _since = level_of(asn.seller_id, asn.warehouse_id)
    size = sample_size(len(received), asn.warehouse.sampling_policy, asn.warehouse.sample_rate,
                       level)
    sample = choose_sample(received, asn.sample_seed, size)
    for carton in sample:
        carton.in_sample = True
    record_sample(asn, level, reason, size, now)
    record_step(asn, StepName.COUNTED, user, at=now)
    finish_stages(asn, user)
    db.session.commit()
    return {
        "sample": [c.label for c in sample],
        "missing": [c.label for c in missing],
        "received": len(received),
        "paperwork_cartons": asn.paperwork_cartons,
        "paperwork_matches": asn.paperwork_cartons == len(received),
        "status": asn.status.value,
        "inspection": {"level": level.value, "reason": reason_text(level, reason),
                       "sample_size": size},
    }


def finish_stages(asn: Asn, user: User) -> None:
    """Move the ASN on when its stage is done: all sample cartons inspected, then all
    received cartons put away. `user` did the scan that finished it, and is recorded."""
    now = utcnow()
    if asn.status is AsnStatus.COUNTED and not any(
        c.in_sample and c.status is not CartonStatus.MISSING and c.inspected_at is None
        for c in asn.cartons
    ):
        advance(asn, "finish_inspection")
        asn.inspected_at = now
        record_step(asn, StepName.INSPECTED, user, at=now)
    if asn.status is AsnStatus.INSPECTED and not any(
        c.status is CartonStatus.RECEIVED for c in asn.cartons
    ):
        advance(asn, "finish_putaway")
        asn.put_away_at = now
        record_step(asn, StepName.PUT_AWAY, user, at=now)
