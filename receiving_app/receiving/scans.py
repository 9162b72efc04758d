"""Scan events and their idempotency: the same client key twice is one scan."""
from dataclasses import asdict, dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ..barcodes import Scan
from ..database import run
from ..errors import Conflict
from ..extensions import db
from ..models import Asn, Carton, Location, ScanEvent, User

MAX_KEY_LENGTH = 64


@dataclass
class ScanResult:
    """What a scan did, in words for the worker and fields for the API.

    `tone` drives the phone's feedback: ok (green, one beep), warn (amber: duplicate, open
    this carton), error (red: unknown, wrong place).
    """

    outcome: str
    message: str
    tone: str = "ok"
    carton: str | None = None
    data: dict = field(default_factory=dict)
    replayed: bool = False

    def to_dict(self) -> dict:
        result = asdict(self)
        result.pop("replayed")
        return result

    @classmethod
    def from_event(cls, event: ScanEvent | Row) -> "ScanResult":
        stored = dict(event.response)
        return cls(**stored, replayed=True)


def replayed(key: str | None, user: User) -> ScanResult | None:
    """The first answer to this key, when the client sends a scan again (a double tap,
    an offline queue replayed); None for a new key."""
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise Conflict("Idempotency key too long.")
    event = run(_FIRST_ANSWER, {"key": key}).first()
    if event is None:
        return None
    if event.user_id != user.id:
        raise Conflict("This idempotency key was used by another user.")
    return ScanResult.from_event(event)


_FIRST_ANSWER = sa.select(ScanEvent.user_id, ScanEvent.response).where(
    ScanEvent.idempotency_key == sa.bindparam("key"))
_WRITE_EVENT = sa.insert(ScanEvent.__table__)


def record_scan(
    result: ScanResult, *, step: str, scan: Scan, user: User, key: str | None,
    asn: Asn | None = None, carton: Carton | Row | None = None,
    location: Location | None = None, client_time: datetime | None = None,
) -> ScanResult:
    """Write the scan event with its answer and commit the use case's transaction.

    When a concurrent request with the same key committed first, this transaction is rolled
    back whole and the first answer is returned instead: exactly one effect per key.
    """
    try:
        run(_WRITE_EVENT, {
            "idempotency_key": key or None, "asn_id": asn.id if asn else None,
            "carton_id": carton.id if carton else None,
            "location_id": location.id if location else None,
            "user_id": user.id, "step": step, "raw_code": scan.raw[:512],
            "parsed": scan.to_dict(), "outcome": result.outcome,
            "response": result.to_dict(), "client_time": client_time,
        })
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = replayed(key, user)
        if first is None:
            raise
        return first
    return result
