"""Exceptions: raised by the flow or by hand, evidenced by photos, resolved by a supervisor."""
import secrets
from datetime import datetime

import sqlalchemy as sa

from ..barcodes import parse_scan
from ..errors import Conflict, InvalidInput, NotFound, StorageFailed, WrongStep
from ..evidence import PhotoStorage, ingest_photo
from ..extensions import db
from ..inventory.ledger import Posting, post_movements
from ..models import (
    Asn, AsnStatus, Bucket, Carton, CartonStatus, ExceptionKind, ExceptionState, LocationKind,
    Movement, Photo, ReceivingException, Resolution, ResolutionKind, Sku, User, utcnow,
)
from .lookup import find_carton, find_sku
from .seller_events import emit_exception_event
from .sla import due_at
from .states import check_step
from .stock import asn_balances, carton_balances, move, warehouse_location_id

# Kinds whose quantities come from counting an opened carton; a recount can settle them.
COUNT_KINDS = frozenset({ExceptionKind.SHORT, ExceptionKind.OVER, ExceptionKind.WRONG_SKU,
                         ExceptionKind.UNDECLARED_MIXED, ExceptionKind.DAMAGED})
VARIANCE_KINDS = COUNT_KINDS - {ExceptionKind.DAMAGED}
# What a worker may raise by hand; the rest come from the flow (or the seller's dispute).
HAND_RAISED = frozenset(ExceptionKind) - {ExceptionKind.MISSING_CARTON,
                                          ExceptionKind.SELLER_DISPUTE}
UNRESOLVED = (ExceptionState.DRAFT, ExceptionState.OPEN)
MAX_QTY = 1_000_000


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
    errors = []
    try:
        kind = ExceptionKind(kind)
    except ValueError:
        kind = None
    if kind not in HAND_RAISED:
        errors.append({"path": "kind", "message": "one of " + ", ".join(sorted(HAND_RAISED))})
    if qty is not None and (isinstance(qty, bool) or not isinstance(qty, int)
                            or not 0 <= qty <= MAX_QTY):
        errors.append({"path": "qty", "message": "a whole number, 0 or more"})
    if not isinstance(note, str) or len(note) > 2000:
        errors.append({"path": "note", "message": "text of at most 2000 characters"})
    if errors:
        raise InvalidInput("The exception has errors.", errors)
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
        found_qty=qty if qty is not None else 0, note=note.strip(),
    )
    if kind is ExceptionKind.DAMAGED and carton and sku_row and qty:
        _content(carton, sku_row.id).damaged_qty += qty
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


def _content(carton: Carton, sku_id: int):
    return next(c for c in carton.contents if c.sku_id == sku_id)


def attach_photo(
    exception: ReceivingException, data: bytes, filename: str, *, user: User,
    storage: PhotoStorage, max_bytes: int, client_taken_at: datetime | None = None,
) -> Photo:
    """Attach a photo as evidence; the first photo submits a draft exception.

    The image is checked, cleaned and stored before anything is written; a refused photo
    (PhotoRefused) leaves no row.
    """
    if exception.state is ExceptionState.RESOLVED:
        raise WrongStep("This exception is resolved; evidence can no longer be added.")
    try:
        stored = ingest_photo(data, filename, storage=storage, max_bytes=max_bytes)
    except OSError as error:
        raise StorageFailed("The photo could not be stored (disk full?). Nothing was saved; "
                            "try again.") from error
    try:
        return _record_photo(exception, stored, user, client_taken_at)
    except BaseException:
        db.session.rollback()
        if stored.newly_stored:  # no row will point at these files
            storage.discard(stored.sha256)
        raise


def _record_photo(exception, stored, user: User, client_taken_at) -> Photo:
    exception = _lock(exception)
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


def _lock(exception: ReceivingException) -> ReceivingException:
    return db.session.get(ReceivingException, exception.id, with_for_update=True,
                          populate_existing=True)


def resolve_exception(
    exception: ReceivingException, resolution: str, note: str, *, user: User,
    expected_version: int | None = None,
) -> Resolution:
    """A supervisor's decision, recorded with who, when and why, and posted to the ledger.

    accept: post what was found; carrier_claim: the same, flagged for a claim against the
    carrier (damaged units go to quarantine either way); reject: raised in error, nothing
    posted; recount: the carton goes back to the dock and the exception stays open.
    """
    try:
        resolution = ResolutionKind(resolution)
    except ValueError:
        resolution = None
    note = (note or "").strip() if isinstance(note, str) else ""
    errors = []
    if resolution not in (ResolutionKind.ACCEPT, ResolutionKind.RECOUNT,
                          ResolutionKind.CARRIER_CLAIM, ResolutionKind.REJECT):
        errors.append({"path": "resolution", "message": "accept, recount, carrier_claim or reject"})
    if not note:
        errors.append({"path": "note", "message": "a note is required"})
    if errors:
        raise InvalidInput("The resolution has errors.", errors)
    exception = _lock(exception)
    if expected_version is not None and exception.version != expected_version:
        raise Conflict("Someone else changed this exception meanwhile; look again.")
    if exception.state is ExceptionState.RESOLVED:
        last = exception.resolutions[-1] if exception.resolutions else None
        who = last.resolved_by.username if last and last.resolved_by else "someone"
        raise Conflict(f"Already resolved ({last.resolution.value if last else 'resolved'} "
                       f"by {who}).")
    if exception.state is ExceptionState.DRAFT and resolution is not ResolutionKind.REJECT:
        raise WrongStep("This exception has no photo yet; it cannot be resolved before it is "
                        "submitted (it can be rejected as raised in error).")
    if resolution is ResolutionKind.RECOUNT:
        _order_recount(exception)
    else:
        _post_resolution(exception, resolution, user)
        exception.state = ExceptionState.RESOLVED
        exception.resolved_at = utcnow()
        exception.claim_flag = resolution is ResolutionKind.CARRIER_CLAIM
    record = Resolution(exception_id=exception.id, resolution=resolution, note=note,
                        resolved_by_id=user.id)
    db.session.add(record)
    exception.version += 1
    # A recount leaves it open (no event yet); a draft rejected as raised in error was
    # never announced, so its end is not either.
    if exception.state is ExceptionState.RESOLVED and exception.submitted_at is not None:
        emit_exception_event(exception, "exception.resolved")
    db.session.commit()
    return record


def reverse_resolution(exception: ReceivingException, note: str, *, user: User) -> Resolution:
    """Undo a wrong decision with a new, recorded one: what it posted is posted back and the
    exception is open again for a new decision. Nothing is edited or deleted.

    Possible while the units are still where the decision left them: before the carton is
    put away and before the receipt closes (later, correct the stock with an adjustment).
    """
    note = (note or "").strip() if isinstance(note, str) else ""
    if not note:
        raise InvalidInput("The reversal has errors.",
                           [{"path": "note", "message": "a note is required"}])
    exception = _lock(exception)
    if exception.state is not ExceptionState.RESOLVED:
        raise WrongStep("Only a resolved exception can be reversed.")
    decision = exception.resolutions[-1]
    carton = exception.carton
    if exception.asn.status is AsnStatus.CLOSED or (
            carton is not None and carton.status is CartonStatus.PUT_AWAY):
        raise WrongStep("The units have moved on (put away or closed); correct the stock with "
                        "an adjustment instead.")
    rows = db.session.execute(
        sa.select(Movement.sku_id, Movement.bucket, Movement.location_id, Movement.carton_id,
                  sa.func.sum(Movement.qty))
        .where(Movement.exception_id == exception.id)
        .group_by(Movement.sku_id, Movement.bucket, Movement.location_id, Movement.carton_id))
    asn = exception.asn
    post_movements([
        Posting(warehouse_id=asn.warehouse_id, seller_id=asn.seller_id, sku_id=sku_id,
                bucket=bucket, qty=-qty, reason="decision_reversed", location_id=location_id,
                asn_id=asn.id, carton_id=carton_id, exception_id=exception.id, user_id=user.id)
        for sku_id, bucket, location_id, carton_id, qty in rows if qty
    ])
    if decision.resolution is ResolutionKind.REJECT and exception.kind is ExceptionKind.DAMAGED \
            and carton and exception.sku_id:
        _content(carton, exception.sku_id).damaged_qty += exception.found_qty
    exception.state = ExceptionState.OPEN
    exception.resolved_at = None
    exception.claim_flag = False
    exception.version += 1
    record = Resolution(exception_id=exception.id, resolution=ResolutionKind.REVERSAL, note=note,
                        resolved_by_id=user.id, reverses_id=decision.id)
    db.session.add(record)
    db.session.commit()
    return record


def _order_recount(exception: ReceivingException) -> None:
    carton = exception.carton
    if exception.kind not in COUNT_KINDS or carton is None:
        raise WrongStep("Only a count on an opened carton can be recounted.")
    if carton.status is not CartonStatus.RECEIVED:
        raise WrongStep(f"Carton {carton.label} is already put away; it cannot be recounted.")
    check_step(exception.asn, "recount")
    carton.recount_requested = True
    carton.inspected_at = None
    for content in carton.contents:
        content.counted_qty = None
        content.damaged_qty = 0
    # The exception stays open: the recount settles it, or a supervisor decides anew.


def _post_resolution(exception: ReceivingException, resolution: ResolutionKind,
                     user: User) -> None:
    asn, carton, kind = exception.asn, exception.carton, exception.kind
    if resolution is ResolutionKind.REJECT:
        if kind is ExceptionKind.DAMAGED and carton and exception.sku_id:
            content = _content(carton, exception.sku_id)
            content.damaged_qty = max(content.damaged_qty - exception.found_qty, 0)
        return
    postings = []
    if kind in VARIANCE_KINDS and carton and exception.sku_id and exception.difference:
        postings = move(asn, sku_id=exception.sku_id, qty=exception.difference,
                        reason=f"{kind.value}_{resolution.value}", user=user, carton=carton,
                        exception_id=exception.id, source=None, target=_position(asn, carton))
    elif kind is ExceptionKind.DAMAGED and carton and exception.sku_id and exception.found_qty:
        quarantine = warehouse_location_id(asn, LocationKind.QUARANTINE)
        postings = move(asn, sku_id=exception.sku_id, qty=exception.found_qty,
                        reason=f"damaged_{resolution.value}", user=user, carton=carton,
                        exception_id=exception.id, source=_position(asn, carton),
                        target=(Bucket.QUARANTINE, quarantine))
    elif kind is ExceptionKind.MISSING_CARTON and carton:
        remaining = asn_balances(asn, Bucket.IN_TRANSIT)
        for content in carton.contents:
            qty = remaining.get((carton.id, content.sku_id), 0)
            postings += move(asn, sku_id=content.sku_id, qty=qty, reason="carton_missing",
                             user=user, carton=carton, exception_id=exception.id,
                             source=(Bucket.IN_TRANSIT, None), target=None)
    _check_not_negative(carton, postings)
    post_movements(postings)


def _position(asn: Asn, carton: Carton):
    """Where the carton's good units are booked: on the dock, or on its shelf."""
    if carton.status is CartonStatus.PUT_AWAY and carton.location is not None:
        bucket = (Bucket.QUARANTINE if carton.location.kind is LocationKind.QUARANTINE
                  else Bucket.ON_HAND)
        return bucket, carton.location
    return Bucket.RECEIVING, warehouse_location_id(asn, LocationKind.DOCK)


def _check_not_negative(carton: Carton | None, postings) -> None:
    if carton is None:
        return
    for bucket in {p.bucket for p in postings if p.qty < 0}:
        held = carton_balances(carton, bucket)
        for p in postings:
            if p.bucket is bucket and held.get(p.sku_id, 0) + p.qty < 0:
                raise Conflict(f"Carton {carton.label} does not hold the units this would "
                               f"remove ({bucket.value}).")


def unresolved_for_carton(carton: Carton) -> list[ReceivingException]:
    return list(db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.carton_id == carton.id, ReceivingException.state.in_(UNRESOLVED))))
