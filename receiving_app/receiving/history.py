"""Who did each step of an ASN, and when: written by each step's use case in its own
transaction, read by the API, the pages and the evidence pack."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Asn, AsnStep, Delivery, StepName, User, utcnow


def record_step(asn: Asn, step: StepName, user: User | None, *, at: datetime | None = None,
                delivery: Delivery | None = None) -> AsnStep:
    """Add the step to the session (the calling use case commits)."""
    entry = AsnStep(asn_id=asn.id, step=step, at=at or utcnow(),
                    by_id=user.id if user is not None else None, delivery=delivery)
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class HistoryEntry:
    step: StepName
    at: datetime
    by: str | None  # the username; None for steps recorded before anyone's name was
    delivery: int | None  # the delivery's number, for a check-in


def asn_history(asn: Asn) -> list[HistoryEntry]:
    """The ASN's steps in the order they happened."""
    steps = db.session.scalars(
        sa.select(AsnStep).where(AsnStep.asn_id == asn.id)
        .options(selectinload(AsnStep.by), selectinload(AsnStep.delivery))
        .order_by(AsnStep.at, AsnStep.id))
    return [HistoryEntry(s.step, s.at, s.by.username if s.by else None,
                         s.delivery.number if s.delivery else None) for s in steps]
