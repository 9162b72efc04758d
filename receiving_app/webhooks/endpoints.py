"""A seller's webhook endpoints: register one (and get its secret), switch it off, read its log.

Endpoints belong to a seller, never to staff: every lookup here goes through
access.scope_webhook_endpoints, so another seller's endpoint or delivery log is "not
found", like one that does not exist.
"""
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from ..access import scope_webhook_endpoints
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..models import User, WebhookDelivery, WebhookEndpoint
from .urls import UnsafeUrl, check_url

MAX_ACTIVE_ENDPOINTS = 5
DELIVERY_LOG_LENGTH = 200


def register_endpoint(user: User, url: str, *, allow_loopback: bool) -> WebhookEndpoint:
    """Register a URL for the user's seller; the new endpoint's `secret` signs every body."""
    try:
        url = check_url(url, allow_loopback=allow_loopback)
    except UnsafeUrl as error:
        raise InvalidInput(str(error), [{"path": "url", "message": str(error)}]) from error
    seller_id = _seller_of(user)
    active = list(db.session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.seller_id == seller_id, WebhookEndpoint.active.is_(True))))
    if any(endpoint.url == url for endpoint in active):
        raise Conflict(_("That URL is already registered."))
    if len(active) >= MAX_ACTIVE_ENDPOINTS:
        raise Conflict(_("At most %(n)s active webhooks; switch one off first.",
                         n=MAX_ACTIVE_ENDPOINTS))
    endpoint = WebhookEndpoint(seller_id=seller_id, url=url,
                               secret="whsec_" + secrets.token_hex(32), active=True)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def deactivate_endpoint(user: User, endpoint_id: int) -> WebhookEndpoint:
    """Stop sending to an endpoint. It and its log are kept; what is still pending stays unsent."""
    endpoint = find_endpoint(user, endpoint_id)
    endpoint.active = False
    db.session.commit()
    return endpoint


def find_endpoint(user: User, endpoint_id: int) -> WebhookEndpoint:
    """The user's seller's endpoint, else NotFound."""
    endpoint = db.session.scalar(scope_webhook_endpoints(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id), user))
    if endpoint is None:
        raise NotFound(_("No webhook %(id)s.", id=endpoint_id))
    return endpoint


def list_endpoints(user: User) -> list[WebhookEndpoint]:
    """The user's seller's endpoints, active ones first, newest first."""
    return list(db.session.scalars(scope_webhook_endpoints(sa.select(WebhookEndpoint), user)
                                   .order_by(WebhookEndpoint.active.desc(),
                                             WebhookEndpoint.id.desc())))


def delivery_log(endpoint: WebhookEndpoint, limit: int = DELIVERY_LOG_LENGTH
                 ) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest event first."""
    return list(db.session.scalars(sa.select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.event_id.desc()).limit(limit)))


def _seller_of(user: User) -> int:
    # Only a seller registers endpoints (staff have none: see scope_webhook_endpoints).
    if user.seller_id is None:
        raise NotFound(_("Webhooks belong to a seller."))
    return user.seller_id
