"""Events for the sellers' systems, written to the outbox inside the change's transaction.

`emit` adds the event and one pending delivery per active endpoint of the seller to the
session; the calling use case commits them together with its change. If the process dies
after that commit, the rows are there and a later `flask deliver-webhooks` sends them; if
the change rolls back, so does the event. Nothing is ever sent from inside a use case.
"""
import uuid

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Asn, CartonStatus, OutboxEvent, Photo, ReceivingException, Resolution, WebhookDelivery,
    WebhookEndpoint, utcnow,
)

EVENT_TYPES = ("asn.arrived", "asn.closed", "exception.raised", "exception.resolved")


def emit(seller_id: int, event_type: str, data: dict) -> OutboxEvent:
    """Queue an event for every active endpoint of the seller (the caller commits)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    event = OutboxEvent(event_id=str(uuid.uuid4()), seller_id=seller_id, type=event_type,
                        payload=data, created_at=utcnow())
    db.session.add(event)
    db.session.flush()
    endpoints = db.session.scalars(sa.select(WebhookEndpoint.id).where(
        WebhookEndpoint.seller_id == seller_id, WebhookEndpoint.active.is_(True)))
    for endpoint_id in endpoints:
        db.session.add(WebhookDelivery(event_id=event.id, endpoint_id=endpoint_id,
                                       next_attempt_at=event.created_at))
    return event


def emit_asn_event(asn: Asn, event_type: str) -> OutboxEvent:
    """asn.arrived or asn.closed, carrying the receipt's figures."""
    return emit(asn.seller_id, event_type, {"asn": asn_data(asn)})


def emit_exception_event(exception: ReceivingException, event_type: str) -> OutboxEvent:
    """exception.raised or exception.resolved, with its photos and resolutions so far."""
    return emit(exception.asn.seller_id, event_type, {"exception": exception_data(exception)})


def envelope(event: OutboxEvent) -> dict:
    """What a receiver gets: the id to deduplicate on, the type, the time and the data."""
    return {"id": event.event_id, "type": event.type, "created_at": _iso(event.created_at),
            "data": event.payload}


def asn_data(asn: Asn) -> dict:
    # Imported here: the receiving package imports this module to emit its events.
    from ..receiving.summary import asn_lines

    received = sum(1 for c in asn.cartons
                   if c.status in (CartonStatus.RECEIVED, CartonStatus.PUT_AWAY))
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
