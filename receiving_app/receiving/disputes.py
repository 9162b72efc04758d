"""A seller contests a line of a closed receipt; the review desk decides, the seller sees how.

A dispute is an exception of kind "seller dispute", submitted at once (the seller's note
is its evidence), on the SKU's line with the figures the seller contests: expected is
what the ASN declared, found is what the warehouse received. A supervisor resolves it
like any exception; accepting it posts nothing to the ledger by itself (the units the seller
says are there were not found on the dock): it proposes the adjustment it implies, expected
minus received, which a supervisor posts, changes or rejects (resolving.py).
"""
import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l

from ..errors import Conflict, InvalidInput, NotFound, WrongStep
from ..extensions import db
from ..models import (
    Asn, AsnStatus, ExceptionKind, ExceptionState, ReceivingException, Sku, User, utcnow,
)
from ..payloads import MAX_NOTE, Payload, checked, text
from .fast_path import lock_asn
from .raising import UNRESOLVED, new_exception
from .seller_events import emit_exception_event
from .summary import asn_lines


class Dispute(Payload):
    """A seller's dispute: the SKU of the line, and what they contest."""

    sku: text(64)
    note: text(MAX_NOTE, required=True, kind="note", blank=_l("a note is required"))


def dispute_line(asn: Asn, sku_code: str, note: str, *, user: User) -> ReceivingException:
    """Open a dispute on one SKU line of the seller's closed receipt."""
    dispute = checked(Dispute, {"sku": sku_code, "note": note},
                      _("Say what you contest, in at most %(n)s characters.", n=MAX_NOTE))
    sku_code, note = dispute.sku, dispute.note
    if user.seller_id != asn.seller_id:
        raise NotFound(_("No ASN %(number)s.", number=asn.number))
    asn = lock_asn(asn)
    if asn.status is not AsnStatus.CLOSED:
        raise WrongStep(_("Only a closed receipt can be disputed; this one is still in progress."))
    line = next((line for line in asn_lines(asn) if line.sku == sku_code), None)
    if line is None:
        raise NotFound(_("ASN %(number)s has no line %(sku)s.", number=asn.number, sku=sku_code))
    sku = db.session.scalar(sa.select(Sku).where(Sku.seller_id == asn.seller_id,
                                                 Sku.code == sku_code))
    if _open_dispute(asn, sku) is not None:
        raise Conflict(_("This line is already disputed; wait for the warehouse's answer."))
    exception = new_exception(asn, ExceptionKind.SELLER_DISPUTE, user=user, sku_id=sku.id,
                              expected_qty=line.expected, found_qty=line.received, note=note)
    exception.state = ExceptionState.OPEN
    exception.submitted_at = utcnow()
    db.session.flush()
    emit_exception_event(exception, "exception.raised")
    db.session.commit()
    return exception


def disputes_by_sku(asn: Asn) -> dict[str, list[ReceivingException]]:
    """The ASN's disputes per SKU code, oldest first, for showing their outcomes."""
    disputes = db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id,
        ReceivingException.kind == ExceptionKind.SELLER_DISPUTE).order_by(ReceivingException.id))
    result: dict[str, list[ReceivingException]] = {}
    for dispute in disputes:
        result.setdefault(dispute.sku.code, []).append(dispute)
    return result


def _open_dispute(asn: Asn, sku: Sku) -> ReceivingException | None:
    return db.session.scalar(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id, ReceivingException.sku_id == sku.id,
        ReceivingException.kind == ExceptionKind.SELLER_DISPUTE,
        ReceivingException.state.in_(UNRESOLVED)).limit(1))
