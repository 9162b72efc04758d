"""Results pushed to sellers' systems: an outbox written with each change, a worker that
delivers it signed, and the endpoints sellers register. Transport only: what an event says
is the domain's (receiving/seller_events.py)."""
from .delivery import MAX_ATTEMPTS, PassReport, deliver_due, retry_delay
from .endpoints import (
    deactivate_endpoint, delivery_log, find_endpoint, list_endpoints, register_endpoint,
)
from .events import EVENT_TYPES, emit
from .signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER
from .urls import UnsafeUrl, check_url, loopback_allowed

__all__ = [
    "EVENT_ID_HEADER", "EVENT_TYPES", "EVENT_TYPE_HEADER", "MAX_ATTEMPTS", "PassReport",
    "SIGNATURE_HEADER", "UnsafeUrl", "check_url", "deactivate_endpoint", "deliver_due",
    "delivery_log", "emit", "find_endpoint", "list_endpoints", "loopback_allowed",
    "register_endpoint", "retry_delay",
]
