"""What the review desk reads: the exception queue and the scan log around an exception.

Reads only, and always through the access scope: a supervisor sees their warehouse.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ...access import scope_asns, scope_exceptions
from ...errors import NotFound
from ...extensions import db
from ...models import (
    Asn, ExceptionKind, ExceptionState, ReceivingException, Resolution, ScanEvent, Seller, User,
)

QUEUE_LIMIT = 200
# Scans either side of the moment an exception was raised: enough to see what the worker
# was doing, few enough to read on a phone.
SCANS_AROUND = 6
# Open first (waiting for a supervisor), then drafts (waiting for the dock's photo), then
# the resolved history.
STATE_ORDER = {ExceptionState.OPEN: 0, ExceptionState.DRAFT: 1, ExceptionState.RESOLVED: 2}
# What every exception card shows, loaded in a few queries rather than a few per card.
CARD_LOADS = (
    selectinload(ReceivingException.asn).selectinload(Asn.seller),
    selectinload(ReceivingException.carton), selectinload(ReceivingException.sku),
    selectinload(ReceivingException.raised_by), selectinload(ReceivingException.photos),
    selectinload(ReceivingException.resolutions).selectinload(Resolution.resolved_by),
)


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters as the form sends them; an empty value does not filter."""

    seller: str = ""
    asn: str = ""
    kind: str = ""
    state: str = ""

    @classmethod
    def from_args(cls, args: MultiDict) -> "QueueFilters":
        """Read the query string; unknown kinds and states are dropped, not errors, so a
        stale bookmark still shows the queue."""
        kind = args.get("kind", "").strip()
        state = args.get("state", "").strip()
        return cls(
            seller=args.get("seller", "").strip().upper()[:16],
            asn=args.get("asn", "").strip()[:64],
            kind=kind if kind in {k.value for k in ExceptionKind} else "",
            state=state if state in {s.value for s in ExceptionState} else "",
        )


def exception_queue(user: User, filters: QueueFilters) -> list[ReceivingException]:
    """The exceptions the user may see: open ones first, each group by due time; the
    resolved ones last, latest first."""
    query = scope_exceptions(sa.select(ReceivingException), user)
    if filters.seller:
        query = query.join(Seller, Asn.seller_id == Seller.id).where(Seller.code == filters.seller)
    if filters.asn:
        query = query.where(Asn.number == filters.asn)
    if filters.kind:
        query = query.where(ReceivingException.kind == ExceptionKind(filters.kind))
    if filters.state:
        query = query.where(ReceivingException.state == ExceptionState(filters.state))
    rank = sa.case({state: order for state, order in STATE_ORDER.items()},
                   value=ReceivingException.state)
    unresolved_due = sa.case((ReceivingException.state != ExceptionState.RESOLVED,
                              ReceivingException.due_at))
    return list(db.session.scalars(query.options(*CARD_LOADS).order_by(
        rank, unresolved_due, ReceivingException.resolved_at.desc(), ReceivingException.id,
    ).limit(QUEUE_LIMIT)))


def asn_exceptions(asn: Asn) -> list[ReceivingException]:
    """The ASN's exceptions in the order they were raised."""
    return list(db.session.scalars(
        sa.select(ReceivingException).where(ReceivingException.asn_id == asn.id)
        .options(*CARD_LOADS).order_by(ReceivingException.id)))


def visible_exception(user: User, exception_id: int) -> ReceivingException:
    """The exception if the user may see its ASN, else NotFound (as for no such exception)."""
    exception = db.session.scalar(scope_exceptions(sa.select(ReceivingException), user)
                                  .where(ReceivingException.id == exception_id))
    if exception is None:
        raise NotFound(f"No exception {exception_id}.")
    return exception


def queue_sellers(user: User) -> list[str]:
    """Codes of the sellers whose ASNs the user may see, for the filter's choices."""
    query = scope_asns(sa.select(Seller.code).join(Asn, Asn.seller_id == Seller.id), user)
    return sorted(set(db.session.scalars(query)))


def scan_log_around(exception: ReceivingException) -> list[ScanEvent]:
    """The ASN's scans just before and just after the exception was raised, oldest first."""
    same_asn = sa.select(ScanEvent).where(ScanEvent.asn_id == exception.asn_id)
    before = db.session.scalars(
        same_asn.where(ScanEvent.server_time <= exception.raised_at)
        .order_by(ScanEvent.server_time.desc(), ScanEvent.id.desc()).limit(SCANS_AROUND))
    after = db.session.scalars(
        same_asn.where(ScanEvent.server_time > exception.raised_at)
        .order_by(ScanEvent.server_time, ScanEvent.id).limit(SCANS_AROUND))
    return sorted([*before, *after], key=lambda event: (event.server_time, event.id))
