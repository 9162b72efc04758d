"""What a seller's system is told about a receipt and its claims: the data of each webhook
event.

The use cases call these inside their transaction; `webhooks.emit` puts the data in the
outbox, and the webhooks package carries it without knowing what it says.
"""
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Asn, Claim, OutboxEvent, Photo, ReceivingException, Resolution
from ..webhooks import emit
from .calendar import business_days_left
from .summary import RECEIVED_STATUSES, asn_lines


def emit_asn_event(asn: Asn, event_type: str) -> OutboxEvent:
    """asn.arrived or asn.closed, carrying the receipt's figures."""
    return emit(asn.seller_id, event_type, {"asn": asn_data(asn)})


def emit_exception_event(exception: ReceivingException, event_type: str) -> OutboxEvent:
    """exception.raised or exception.resolved, with its photos and resolutions so far."""
    return emit(exception.asn.seller_id, event_type, {"exception": exception_data(exception)})


def emit_claim_event(claim: Claim, event_type: str, now: datetime) -> OutboxEvent:
    """claim.deadline_near: a claim against the carrier is still to file, one business day
    before its deadline."""
    return emit(claim.asn.seller_id, event_type, {"claim": claim_data(claim, now)})


def claim_data(claim: Claim, now: datetime) -> dict:
    return {
        "id": claim.id, "asn": claim.asn.number, "delivery": claim.delivery.number,
        "carrier": claim.carrier, "mode": claim.mode.value, "kind": claim.kind.value,
        "status": claim.status.value, "deadline_at": _iso(claim.deadline_at),
        "business_days_left": business_days_left(now, claim.deadline_at, claim.asn.warehouse),
        "exceptions": [e.id for e in claim.exceptions],
    }


def asn_data(asn: Asn) -> dict:
    received = sum(1 for c in asn.cartons if c.status in RECEIVED_STATUSES)
    return {
        "number": asn.number, "seller": asn.seller.code, "warehouse": asn.warehouse.code,
        "status": asn.status.value, "paperwork_cartons": asn.paperwork_cartons,
        "cartons": len(asn.cartons), "cartons_received": received,
        "arrived_at": _iso(asn.arrived_at), "closed_at": _iso(asn.closed_at),
        "sla_due_at": _iso(asn.sla_due_at),
        "lines": [{"sku": line.sku, "expected": line.expected, "received": line.received,
                   "damaged": line.damaged, "missing": line.missing, "variance": line.variance}
                  for line in asn_lines(asn)],
    }


def exception_data(exception: ReceivingException) -> dict:
    # Queried rather than read from the relationships: the photo or resolution that
    # triggered the event is still pending in this session (autoflush brings it in).
    photos = db.session.scalars(sa.select(Photo).where(Photo.exception_id == exception.id)
                                .order_by(Photo.id))
    resolutions = db.session.scalars(sa.select(Resolution).where(
        Resolution.exception_id == exception.id).order_by(Resolution.id))
    return {
        "id": exception.id, "asn": exception.asn.number, "kind": exception.kind.value,
        "state": exception.state.value,
        "carton": exception.carton.label if exception.carton else exception.carton_label or None,
        "sku": exception.sku.code if exception.sku else None,
        "expected_qty": exception.expected_qty, "found_qty": exception.found_qty,
        "qty": exception.difference, "note": exception.note,
        "raised_at": _iso(exception.raised_at), "resolved_at": _iso(exception.resolved_at),
        "claim": exception.claim_flag,
        "photos": [{"id": p.public_id, "sha256": p.sha256, "taken_at": _iso(p.taken_at)}
                   for p in photos],
        "resolutions": [{"resolution": r.resolution.value, "note": r.note,
                         "at": _iso(r.resolved_at)} for r in resolutions],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
