"""Resolving an exception: a supervisor's decision, recorded and posted to the ledger; a
recount; a wrong decision reversed. Raising one is raising.py."""
import sqlalchemy as sa
from pydantic import StrictInt

from ..errors import Conflict, WrongStep
from ..extensions import db
from ..inventory.ledger import Posting, post_movements
from ..models import (
    Asn, AsnStatus, Bucket, Carton, CartonStatus, ExceptionKind, ExceptionState, LocationKind,
    Movement, ReceivingException, Resolution, ResolutionKind, User, utcnow,
)
from .payloads import MAX_NOTE, Payload, checked, checked_value, one_of, text
from .raising import COUNT_KINDS, carton_content, lock_exception
from .seller_events import emit_exception_event
from .states import check_step
from .stock import asn_balances, carton_balances, move, warehouse_location_id

VARIANCE_KINDS = COUNT_KINDS - {ExceptionKind.DAMAGED}
# What a supervisor may decide (a recount's match and a reversal are recorded by the flow).
DECISIONS = frozenset(k.value for k in (ResolutionKind.ACCEPT, ResolutionKind.RECOUNT,
                                        ResolutionKind.CARRIER_CLAIM, ResolutionKind.REJECT))
NOTE = text(MAX_NOTE, required=True, kind="note", blank="a note is required")


class Decision(Payload):
    """A supervisor's resolution of an exception."""

    resolution: one_of(lambda: DECISIONS, "accept, recount, carrier_claim or reject")
    note: NOTE
    # The exception's version the supervisor saw; a newer one means someone decided first.
    version: StrictInt | None = None


def resolve_exception(
    exception: ReceivingException, resolution: str, note: str, *, user: User,
    expected_version: int | None = None,
) -> Resolution:
    """A supervisor's decision, recorded with who, when and why, and posted to the ledger.

    accept: post what was found; carrier_claim: the same, flagged for a claim against the
    carrier (damaged units go to quarantine either way); reject: raised in error, nothing
    posted; recount: the carton goes back to the dock and the exception stays open.
    """
    decision = checked(Decision, {"resolution": resolution, "note": note,
                                  "version": expected_version}, "The resolution has errors.")
    resolution, note = ResolutionKind(decision.resolution), decision.note
    exception = lock_exception(exception)
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
    note = checked_value(NOTE, note, "note", "The reversal has errors.")
    exception = lock_exception(exception)
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
        carton_content(carton, exception.sku_id).damaged_qty += exception.found_qty
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



def _post_resolution(exception: ReceivingException, resolution: ResolutionKind,
                     user: User) -> None:
    asn, carton, kind = exception.asn, exception.carton, exception.kind
    if resolution is ResolutionKind.REJECT:
        if kind is ExceptionKind.DAMAGED and carton and exception.sku_id:
            content = carton_content(carton, exception.sku_id)
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
