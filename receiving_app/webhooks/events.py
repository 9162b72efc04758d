"""Events for the sellers' systems, written to the outbox inside the change's transaction.

`emit` adds the event and one pending delivery per active endpoint of the seller to the
session; the calling use case commits them together with its change. If the process dies
after that commit, the rows are there and a later `flask deliver-webhooks` sends them; if
the change rolls back, so does the event. Nothing is ever sent from inside a use case.
What an event says is built by the domain (receiving/seller_events.py); this only carries it.
"""
import uuid

import sqlalchemy as sa

from ..extensions import db
from ..models import OutboxEvent, WebhookDelivery, WebhookEndpoint, utcnow

EVENT_TYPES = ("asn.arrived", "asn.closed", "exception.raised", "exception.resolved",
               "stock.disposition", "stock.changed", "claim.deadline_near")


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


def envelope(event: OutboxEvent) -> dict:
    """What a receiver gets: the id to deduplicate on, the type, the time and the data."""
    return {"id": event.event_id, "type": event.type,
            "created_at": event.created_at.isoformat(), "data": event.payload}
