"""Raising an exception: by the flow (counting, inspection, a dispute) or by hand, a draft
until its first photo submits it. Resolving it is resolving.py."""
import secrets
from datetime import datetime

import sqlalchemy as sa

from ..barcodes import parse_scan
from ..errors import InvalidInput, NotFound, StorageFailed, WrongStep
from ..evidence import PhotoStorage, ingest_photo
from ..extensions import db
from ..inventory.lookup import find_sku
from ..models import (
    Asn, Carton, CartonContent, ExceptionKind, ExceptionState, Photo, ReceivingException, Sku,
    User, utcnow,
)
from ..payloads import MAX_NOTE, Payload, Scanned, checked, one_of, text, whole_number
from .lookup import find_carton
from .seller_events import emit_exception_event
from .sla import due_at
from .states import check_step

# Kinds whose quantities come from counting an opened carton; a recount can settle them.
COUNT_KINDS = frozenset({ExceptionKind.SHORT, ExceptionKind.OVER, ExceptionKind.WRONG_SKU,
                         ExceptionKind.UNDECLARED_MIXED, ExceptionKind.DAMAGED})
# What a worker may raise by hand; the rest come from the flow (or the seller's dispute).
HAND_RAISED = frozenset(ExceptionKind) - {ExceptionKind.MISSING_CARTON,
                                          ExceptionKind.SELLER_DISPUTE}
UNRESOLVED = (ExceptionState.DRAFT, ExceptionState.OPEN)
MAX_QTY = 1_000_000


class HandRaised(Payload):
    """An exception a worker raises by hand."""

    kind: one_of(lambda: {k.value for k in HAND_RAISED},
                 "one of " + ", ".join(sorted(k.value for k in HAND_RAISED)))
    carton: Scanned | None = None
    sku: Scanned | None = None
    qty: whole_number(0, MAX_QTY, "a whole number, 0 or more") | None = None
    note: text(MAX_NOTE, kind="note") = ""


def new_exception(
    asn: Asn, kind: ExceptionKind, *, user: User | None, carton: Carton | None = None,
    carton_label: str = "", sku_id: int | None = None, expected_qty: int = 0,
    found_qty: int = 0, note: str = "",
) -> ReceivingException:
    """Add a draft exception to the session (the calling use case commits)."""
    now = utcnow()
    exception = ReceivingException(
        asn_id=asn.id, carton_id=carton.id if carton else None,
        carton_label=carton.label if carton else carton_label, sku_id=sku_id, kind=kind,
        state=ExceptionState.DRAFT, expected_qty=expected_qty, found_qty=found_qty, note=note,
        raised_by_id=user.id if user else None, raised_at=now,
        due_at=due_at(now, asn.warehouse.exception_response_hours, asn.warehouse),
    )
    db.session.add(exception)
    return exception



def raise_exception(
    asn: Asn, kind: str, *, user: User, carton_label: str | None = None,
    sku: str | None = None, qty: int | None = None, note: str = "",
) -> ReceivingException:
    """A worker raises an exception by hand (a damaged outer carton, an unreadable label).

    It stays a draft until a photo is attached.
    """
    raised = checked(HandRaised, {"kind": kind, "carton": carton_label, "sku": sku,
                                  "qty": qty, "note": note}, "The exception has errors.")
    kind, carton_label, sku, qty = (ExceptionKind(raised.kind), raised.carton, raised.sku,
                                    raised.qty)
    check_step(asn, "raise_exception")
    carton = find_carton(asn, parse_scan(carton_label)) if carton_label else None
    if carton_label and carton is None and kind not in (
            ExceptionKind.UNEXPECTED_CARTON, ExceptionKind.UNREADABLE_LABEL,
            ExceptionKind.DUPLICATE_LABEL):
        raise NotFound(f"No carton {carton_label} on ASN {asn.number}.")
    sku_row = _find_sku(asn, sku) if sku else None
    expected = 0
    if carton and sku_row:
        expected = next((c.declared_qty for c in carton.contents if c.sku_id == sku_row.id), 0)
    if kind is ExceptionKind.DAMAGED and carton and sku_row and qty:
        _check_damaged_fits(carton, sku_row, qty)
    exception = new_exception(
        asn, kind, user=user, carton=carton, carton_label=(carton_label or "")[:64],
        sku_id=sku_row.id if sku_row else None, expected_qty=expected,
        found_qty=qty if qty is not None else 0, note=raised.note,
    )
    if kind is ExceptionKind.DAMAGED and carton and sku_row and qty:
        carton_content(carton, sku_row.id).damaged_qty += qty
    db.session.commit()
    return exception



def _find_sku(asn: Asn, code: str) -> Sku:
    sku = find_sku(asn.seller_id, parse_scan(code))
    if sku is None:
        raise NotFound(f"No SKU {code} for seller {asn.seller.code}.")
    return sku



def _check_damaged_fits(carton: Carton, sku: Sku, qty: int) -> None:
    content = next((c for c in carton.contents if c.sku_id == sku.id), None)
    held = (content.counted_qty if content and content.counted_qty is not None
            else content.declared_qty if content else 0)
    if qty > held:
        raise InvalidInput("More damaged units than the carton holds.",
                           [{"path": "qty", "message": f"at most {held}"}])



def carton_content(carton: Carton, sku_id: int) -> CartonContent:
    """The carton's content row for one SKU."""
    return next(c for c in carton.contents if c.sku_id == sku_id)


def attach_photo(
    exception: ReceivingException, data: bytes, filename: str, *, user: User,
    storage: PhotoStorage, max_bytes: int, client_taken_at: datetime | None = None,
) -> Photo:
    """Attach a photo as evidence; the first photo submits a draft exception.

    The image is checked, cleaned and stored before anything is written; a refused photo
    (PhotoRefused) leaves no row. Files are never deleted here, even when the row fails:
    another upload of the same photo may have committed its row on them meanwhile
    (`flask photos sweep` removes the files no row points at).
    """
    _check_open_to_evidence(exception)
    # What was read so far is let go before the photo is decoded, which can take seconds
    # (a large one in a child process): on SQLite the request's transaction holds the one
    # write lock, and every other writer would wait for this photo. The exception is read
    # again, under its lock, to record the photo.
    db.session.rollback()
    try:
        stored = ingest_photo(data, filename, storage=storage, max_bytes=max_bytes)
    except OSError as error:
        raise StorageFailed("The photo could not be stored (disk full?). Nothing was saved; "
                            "try again.") from error
    return _record_photo(exception, stored, user, client_taken_at)


def _check_open_to_evidence(exception: ReceivingException) -> None:
    if exception.state is ExceptionState.RESOLVED:
        raise WrongStep("This exception is resolved; evidence can no longer be added.")


def _record_photo(exception, stored, user: User, client_taken_at) -> Photo:
    exception = lock_exception(exception)
    _check_open_to_evidence(exception)  # a supervisor may have resolved it meanwhile
    # The same photo again on the same exception is one piece of evidence: a phone that
    # replays an upload whose answer it lost must not add a second row.
    same = db.session.scalar(sa.select(Photo).where(Photo.exception_id == exception.id,
                                                    Photo.sha256 == stored.sha256))
    if same is not None:
        return same
    now = utcnow()
    photo = Photo(
        public_id=secrets.token_hex(16), sha256=stored.sha256, asn_id=exception.asn_id,
        exception_id=exception.id, width=stored.width, height=stored.height,
        bytes=stored.bytes, content_type=stored.content_type, barcodes=stored.barcodes,
        uploaded_by_id=user.id, taken_at=stored.received_at, client_taken_at=client_taken_at,
    )
    db.session.add(photo)
    if exception.state is ExceptionState.DRAFT:
        exception.state = ExceptionState.OPEN
        exception.submitted_at = now
        # Sellers hear of an exception once it is submitted with evidence, not while it
        # is a draft that may still be rejected as raised in error.
        emit_exception_event(exception, "exception.raised")
    db.session.commit()
    return photo



def lock_exception(exception: ReceivingException) -> ReceivingException:
    """The exception again, locked for this transaction and read afresh."""
    return db.session.get(ReceivingException, exception.id, with_for_update=True,
                          populate_existing=True)



def unresolved_for_carton(carton: Carton) -> list[ReceivingException]:
    return list(db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.carton_id == carton.id, ReceivingException.state.in_(UNRESOLVED))))
