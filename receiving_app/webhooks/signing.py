"""HMAC-SHA256 signatures over the timestamp and the body, Stripe-style.

Header: `Dockside-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
Signing the timestamp with the body lets a receiver refuse old replays.
"""
import hashlib
import hmac

SIGNATURE_HEADER = "Dockside-Signature"
EVENT_ID_HEADER = "Dockside-Event-Id"
EVENT_TYPE_HEADER = "Dockside-Event-Type"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under the endpoint's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"

