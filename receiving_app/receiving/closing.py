"""Closing a receipt, and cancelling an ASN that never arrived."""
import sqlalchemy as sa

from ..errors import Conflict, WrongStep
from ..extensions import db
from ..inventory.ledger import post_movements
from ..models import Asn, AsnStatus, Bucket, ReceivingException, StepName, User, utcnow
from .fast_path import lock_asn
from .history import record_step
from .inspection_levels import apply_switching_rules
from .raising import UNRESOLVED
from .seller_events import emit_asn_event
from .states import advance, check_step
from .stock import asn_balances, move


def close_receipt(asn: Asn, *, user: User) -> Asn:
    """Close a put-away receipt with no exception open, writing off what never arrived.

    After close the ASN has nothing left in transit or on the dock: every declared unit is
    on a shelf, in quarantine, or written off as missing.
    """
    asn = lock_asn(asn)
    check_step(asn, "close")
    unresolved = db.session.scalar(sa.select(sa.func.count(ReceivingException.id)).where(
        ReceivingException.asn_id == asn.id, ReceivingException.state.in_(UNRESOLVED)))
    if unresolved:
        raise Conflict(f"{unresolved} exception(s) still open: resolve them before closing.")
    if asn_balances(asn, Bucket.RECEIVING):
        raise Conflict("Units are still booked on the dock: put every carton away first.")
    _write_off_in_transit(asn, user, "missing_at_close")
    advance(asn, "close")
    asn.closed_at = utcnow()
    record_step(asn, StepName.CLOSED, user, at=asn.closed_at)
    apply_switching_rules(asn, asn.closed_at)
    emit_asn_event(asn, "asn.closed")
    db.session.commit()
    return asn


def cancel_asn(asn: Asn, *, user: User) -> Asn:
    """Cancel an ASN before it arrives: its in-transit units leave the books."""
    asn = lock_asn(asn)
    if asn.status is not AsnStatus.SUBMITTED:
        raise WrongStep(f"Only a submitted ASN can be cancelled; {asn.number} is "
                        f"{asn.status.value.replace('_', ' ')}.")
    _write_off_in_transit(asn, user, "asn_cancelled")
    asn.status = AsnStatus.CANCELLED
    record_step(asn, StepName.CANCELLED, user)
    db.session.commit()
    return asn


def _write_off_in_transit(asn: Asn, user: User, reason: str) -> None:
    """Take whatever the ASN still has in transit off the books, carton by carton."""
    cartons = {c.id: c for c in asn.cartons}
    postings = []
    for (carton_id, sku_id), qty in sorted(asn_balances(asn, Bucket.IN_TRANSIT).items(),
                                           key=lambda item: (item[0][0] or 0, item[0][1])):
        postings += move(asn, sku_id=sku_id, qty=qty, reason=reason, user=user,
                         carton=cartons.get(carton_id), source=(Bucket.IN_TRANSIT, None),
                         target=None)
    post_movements(postings)
