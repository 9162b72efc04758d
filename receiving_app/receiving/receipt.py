"""One ASN's receipt as the seller may know it: stages, SLA, lines, cartons, exceptions
with their evidence, the scan log, who did each step and what each truck brought.

`receipt_of` gathers it once; the seller's receipt page, the evidence PDF and the lines CSV
(rendered by the seller's door, web/seller/) all read it, so they never disagree.
"""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    Asn, AsnStatus, CartonStatus, Delivery, ExceptionKind, Photo, ReceivingException, ScanEvent,
    utcnow,
)
from .deliveries import deliveries_of
from .disputes import disputes_by_sku
from .history import HistoryEntry, asn_history
from .raising import UNRESOLVED
from .summary import RECEIVED_STATUSES, Line, asn_lines

# A page stays readable and a download stays small for ASNs with very many scans.
SCAN_LOG_LIMIT = 2000


@dataclass
class PhotoEvidence:
    photo: Photo
    barcodes: list[str]


@dataclass
class ExceptionEvidence:
    exception: ReceivingException
    photos: list[PhotoEvidence]


@dataclass
class Receipt:
    """One ASN's receipt: stages, SLA, lines, cartons, exceptions and their evidence, scans."""

    asn: Asn
    lines: list[Line]
    exceptions: list[ExceptionEvidence]
    disputes: dict[str, list[ReceivingException]]
    scans: list[ScanEvent]
    scan_count: int
    now: datetime
    cartons_scanned: int = 0
    cartons_missing: int = 0
    cartons_unexpected: int = 0
    history: list[HistoryEntry] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def stages(self) -> list[tuple[str, datetime | None]]:
        """Each stage's name and when the ASN reached it."""
        asn = self.asn
        return [(_("Submitted"), asn.submitted_at), (_("Arrived"), asn.arrived_at),
                (_("Counted"), asn.counted_at), (_("Inspected"), asn.inspected_at),
                (_("Put away"), asn.put_away_at), (_("Closed"), asn.closed_at)]

    @property
    def sla_met(self) -> bool | None:
        """True when closed by the due time, False when closed late or overdue, else None."""
        due = self.asn.sla_due_at
        if due is None:
            return None
        if self.asn.closed_at is not None:
            return self.asn.closed_at <= due
        return False if self.now > due else None

    @property
    def sla_text(self) -> str:
        if self.asn.sla_due_at is None:
            return _("starts at arrival")
        if self.sla_met is None:
            return _("running")
        return _("met") if self.sla_met else _("missed")

    @property
    def paperwork_matches(self) -> bool | None:
        if self.asn.paperwork_cartons is None:
            return None
        return self.asn.paperwork_cartons == self.cartons_scanned

    def disputable(self, sku: str) -> bool:
        """A line of a closed receipt may be disputed, one dispute at a time."""
        return self.asn.status is AsnStatus.CLOSED and not any(
            d.state in UNRESOLVED for d in self.disputes.get(sku, []))


def receipt_of(asn: Asn, *, now: datetime | None = None) -> Receipt:
    """Everything the seller may know about one ASN's receipt."""
    exceptions = list(db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id).order_by(ReceivingException.id)))
    scans = sa.select(ScanEvent).where(ScanEvent.asn_id == asn.id)
    return Receipt(
        asn=asn, lines=asn_lines(asn),
        exceptions=[ExceptionEvidence(e, [PhotoEvidence(p, barcode_texts(p)) for p in e.photos])
                    for e in exceptions],
        disputes=disputes_by_sku(asn),
        scans=list(db.session.scalars(scans.order_by(ScanEvent.server_time, ScanEvent.id)
                                      .limit(SCAN_LOG_LIMIT))),
        scan_count=db.session.scalar(sa.select(sa.func.count()).select_from(scans.subquery())),
        now=now or utcnow(),
        cartons_scanned=sum(1 for c in asn.cartons if c.status in RECEIVED_STATUSES),
        cartons_missing=sum(1 for c in asn.cartons if c.status is CartonStatus.MISSING),
        cartons_unexpected=sum(1 for e in exceptions
                               if e.kind is ExceptionKind.UNEXPECTED_CARTON),
        history=asn_history(asn), deliveries=deliveries_of(asn),
    )


def barcode_texts(photo: Photo) -> list[str]:
    """The barcodes read from a photo, as "format: text" (GS1 separators shown as |)."""
    return [f"{code.get('format', '?')}: {str(code.get('text', '')).replace(chr(29), '|')}"
            for code in photo.barcodes or []]
