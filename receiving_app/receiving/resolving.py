"""Resolving an exception: a supervisor's decision, recorded and posted to the ledger; a
recount; a wrong decision reversed. Raising one is raising.py."""
import sqlalchemy as sa
from pydantic import StrictInt

from ..errors import Conflict, WrongStep
from ..extensions import db
from ..inventory.adjustments import new_proposal, withdraw_proposals
from ..inventory.ledger import Posting, check_balances_cover, post_movements
from ..models import (
    AdjustmentReason, Asn, AsnStatus, Bucket, Carton, CartonStatus, ExceptionKind,
    ExceptionState, Location, LocationKind, Movement, ReceivingException, Resolution,
    ResolutionKind, User, utcnow,
)
from ..payloads import MAX_NOTE, Payload, checked, checked_value, one_of, text
from .claims import CLAIM_KINDS, claim_exception, withdraw_from_claim
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
    # what a carrier claim is for (claims.default_claim_kind when not said)
    claim_kind: one_of(lambda: CLAIM_KINDS, "one of " + ", ".join(sorted(CLAIM_KINDS))) | \
        None = None


def resolve_exception(
    exception: ReceivingException, resolution: str, note: str, *, user: User,
    expected_version: int | None = None, claim_kind: str | None = None,
) -> Resolution:
    """A supervisor's decision, recorded with who, when and why, and posted to the ledger.

    accept: post what was found; carrier_claim: the same, and the exception goes into the
    claim against the carrier of the delivery it came on (`claim_kind` says what is
    claimed, else claims.default_claim_kind); damaged units go to quarantine either way;
    reject: raised in error, nothing posted; recount: the carton goes back to the dock and
    the exception stays open. An accepted seller dispute posts nothing itself: it proposes
    the adjustment it implies.
    """
    decision = checked(Decision, {"resolution": resolution, "note": note,
                                  "version": expected_version, "claim_kind": claim_kind},
                       "The resolution has errors.")
    resolution, note = ResolutionKind(decision.resolution), decision.note
    claim_kind = decision.claim_kind
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
        if exception.kind is ExceptionKind.SELLER_DISPUTE and \
                resolution is ResolutionKind.ACCEPT:
            _propose_dispute_correction(exception, note, user)
        exception.state = ExceptionState.RESOLVED
        exception.resolved_at = utcnow()
        exception.claim_flag = resolution is ResolutionKind.CARRIER_CLAIM
        if exception.claim_flag:
            claim_exception(exception, user, claim_kind)
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
    """Undo a wrong decision with a new, recorded one, and open the exception again for a
    new decision. Nothing is edited or deleted.

    While the units are where the decision left them, what it posted is posted back. Once
    they have moved on (put away, or the receipt closed), posting back at the dock would be
    wrong: the reversal proposes the correcting adjustments where the units are now, for a
    supervisor to post, change or reject. A proposal the decision implied that nobody has
    posted yet is withdrawn.
    """
    note = checked_value(NOTE, note, "note", "The reversal has errors.")
    exception = lock_exception(exception)
    if exception.state is not ExceptionState.RESOLVED:
        raise WrongStep("Only a resolved exception can be reversed.")
    decision = exception.resolutions[-1]
    carton = exception.carton
    posted = db.session.execute(
        sa.select(Movement.sku_id, Movement.bucket, Movement.location_id, Movement.carton_id,
                  sa.func.sum(Movement.qty))
        .where(Movement.exception_id == exception.id)
        .group_by(Movement.sku_id, Movement.bucket, Movement.location_id, Movement.carton_id)
    ).all()
    asn = exception.asn
    withdraw_proposals(exception.id, user=user, note=f"The decision was reversed: {note}")
    if asn.status is AsnStatus.CLOSED or (carton is not None
                                          and carton.status is CartonStatus.PUT_AWAY):
        _propose_reversal(exception, decision, posted, note, user)
    else:
        post_movements([
            Posting(warehouse_id=asn.warehouse_id, seller_id=asn.seller_id, sku_id=sku_id,
                    bucket=bucket, qty=-qty, reason="decision_reversed",
                    location_id=location_id, asn_id=asn.id, carton_id=carton_id,
                    exception_id=exception.id, user_id=user.id)
            for sku_id, bucket, location_id, carton_id, qty in posted if qty
        ])
    if decision.resolution is ResolutionKind.REJECT and exception.kind is ExceptionKind.DAMAGED \
            and carton and exception.sku_id:
        carton_content(carton, exception.sku_id).damaged_qty += exception.found_qty
    if decision.resolution is ResolutionKind.CARRIER_CLAIM:
        withdraw_from_claim(exception, user)
    exception.state = ExceptionState.OPEN
    exception.resolved_at = None
    exception.claim_flag = False
    exception.version += 1
    record = Resolution(exception_id=exception.id, resolution=ResolutionKind.REVERSAL, note=note,
                        resolved_by_id=user.id, reverses_id=decision.id)
    db.session.add(record)
    db.session.commit()
    return record


def _propose_reversal(exception: ReceivingException, decision: Resolution, posted, note: str,
                      user: User) -> None:
    """What the decision posted, taken back where its units are now: units it booked on the
    dock went to the shelf with their carton; units in transit were never on a shelf."""
    net: dict[tuple[int, int], int] = {}
    for sku_id, bucket, location_id, carton_id, qty in posted:
        if bucket is Bucket.RECEIVING:
            carton = db.session.get(Carton, carton_id) if carton_id else None
            location_id = carton.location_id if carton is not None else None
        elif bucket not in (Bucket.ON_HAND, Bucket.QUARANTINE):
            continue
        if location_id is not None and qty:
            net[(sku_id, location_id)] = net.get((sku_id, location_id), 0) + int(qty)
    asn = exception.asn
    for (sku_id, location_id), qty in sorted(net.items()):
        new_proposal(warehouse_id=asn.warehouse_id, seller_id=asn.seller_id, sku_id=sku_id,
                     location=db.session.get(Location, location_id), qty=-qty,
                     reason=AdjustmentReason.CORRECTION, exception_id=exception.id, user=user,
                     note=f"Reverses the {decision.resolution.value} decision on exception "
                          f"{exception.id} of ASN {asn.number}: {note}")


def _propose_dispute_correction(exception: ReceivingException, note: str, user: User) -> None:
    """The units the seller says were shipped and the warehouse now agrees it has: expected
    minus received, where the receipt put that SKU away (the supervisor may change it)."""
    asn = exception.asn
    shelves = db.session.execute(
        sa.select(Movement.location_id, sa.func.sum(Movement.qty))
        .where(Movement.asn_id == asn.id, Movement.sku_id == exception.sku_id,
               Movement.bucket == Bucket.ON_HAND, Movement.reason == "put_away")
        .group_by(Movement.location_id).order_by(sa.func.sum(Movement.qty).desc(),
                                                  Movement.location_id)).first()
    new_proposal(warehouse_id=asn.warehouse_id, seller_id=asn.seller_id,
                 sku_id=exception.sku_id,
                 location=db.session.get(Location, shelves[0]) if shelves else None,
                 qty=exception.expected_qty - exception.found_qty,
                 reason=AdjustmentReason.DISPUTE_ACCEPTED, exception_id=exception.id, user=user,
                 note=f"Dispute on ASN {asn.number} accepted: {note}")


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
    # what corrections have changed since on the shelf is the balance's, not the carton's
    check_balances_cover(postings)
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
