"""The delivery worker: POST each due event to its endpoint, signed; retry with backoff.

Each delivery is claimed in a short transaction (its next attempt moved out by a lease, so a
second worker leaves it alone), sent with no transaction open, and its outcome recorded in
another short transaction. A worker that dies mid-send leaves the claim to expire and the
event is sent again: delivery is at least once, and receivers drop repeats by event id.
"""
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa

from ..extensions import db
from ..models import OutboxEvent, WebhookDelivery, WebhookEndpoint, utcnow
from .events import envelope
from .signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature_header
from .urls import UnsafeUrl, resolve_target

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
# 30 s, 1, 2, 4 ... minutes, capped at 6 h: some 32 hours of trying before giving up.
MAX_ATTEMPTS = 15
TIMEOUT_SECONDS = 10.0
# Longer than one send can take, so a live worker never loses its claim.
CLAIM_LEASE = timedelta(seconds=TIMEOUT_SECONDS * 6)
USER_AGENT = "Dockside-Webhooks/1"


@dataclass
class Job:
    delivery_id: int
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes


@dataclass
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str = ""


@dataclass
class PassReport:
    """What one pass did, for the command's output."""

    delivered: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.delivered) + len(self.retrying) + len(self.failed)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt: 30 s, 60 s, 2 min ... at most 6 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def deliver_due(*, allow_loopback: bool, now: datetime | None = None, limit: int = 500,
                transport: httpx.BaseTransport | None = None) -> PassReport:
    """One pass: send every delivery that is due at `now`, at most `limit` of them."""
    now = now or utcnow()
    report = PassReport()
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False,
                      transport=transport, headers={"User-Agent": USER_AGENT}) as client:
        for _ in range(limit):
            job = _claim_next(now)
            if job is None:
                break
            outcome = _send(client, job, allow_loopback=allow_loopback)
            status = _record(job.delivery_id, outcome, now)
            if status == DELIVERED:
                report.delivered.append(job.event_id)
            elif status == FAILED:
                report.failed.append(job.event_id)
            else:
                report.retrying.append(job.event_id)
    return report


def _claim_next(now: datetime) -> Job | None:
    """Take the next due delivery to an active endpoint, and hold it for CLAIM_LEASE."""
    query = (
        sa.select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now,
               WebhookEndpoint.active.is_(True))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(1)
        # PostgreSQL: two workers never take the same row. SQLite: BEGIN IMMEDIATE
        # already lets one writer at a time in.
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    delivery = db.session.scalar(query)
    if delivery is None:
        db.session.rollback()
        return None
    delivery.next_attempt_at = now + CLAIM_LEASE
    event: OutboxEvent = delivery.event
    job = Job(delivery_id=delivery.id, url=delivery.endpoint.url,
              secret=delivery.endpoint.secret, event_id=event.event_id,
              event_type=event.type, body=_body(event))
    db.session.commit()
    return job


def _body(event: OutboxEvent) -> bytes:
    # The same bytes on every attempt: sorted keys, no spaces, UTF-8 as is.
    return json.dumps(envelope(event), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def _send(client: httpx.Client, job: Job, *, allow_loopback: bool) -> Outcome:
    """POST the event, signed; any 2xx answer counts as delivered."""
    try:
        target = resolve_target(job.url, allow_loopback=allow_loopback)
    except UnsafeUrl as refused:
        return Outcome(False, error=f"refused: {refused}")
    headers = {
        "Content-Type": "application/json",
        "Host": target.host_header,
        SIGNATURE_HEADER: signature_header(job.secret, int(time.time()), job.body),
        EVENT_ID_HEADER: job.event_id,
        EVENT_TYPE_HEADER: job.event_type,
    }
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    try:
        response = client.post(target.url, content=job.body, headers=headers,
                                extensions=extensions)
    except httpx.HTTPError as error:
        return Outcome(False, error=f"{type(error).__name__}: {error}")
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    return Outcome(False, response.status_code, f"HTTP {response.status_code}")


def _record(delivery_id: int, outcome: Outcome, now: datetime) -> str:
    """Write the attempt's outcome and when to try again; gives the delivery's new status."""
    delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True,
                              populate_existing=True)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:500]
    if outcome.delivered:
        delivery.status = DELIVERED
        delivery.delivered_at = now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = FAILED
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    status = delivery.status
    db.session.commit()
    return status
