"""Scan events and their idempotency: the same client key twice is one scan.

A key belongs to the request it first came with (its fingerprint: method, path and body,
made by the door that took the request). The same request again is answered with the
first answer; another request with a used key is refused and does nothing; while the
first is still being answered, the same key is told to come back in a moment.
"""
import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ..barcodes import Scan
from ..errors import Conflict, DomainError, IdempotencyKeyInFlight, IdempotencyKeyReused
from ..extensions import db
from ..models import Asn, Carton, Location, ScanEvent, User
from .fast_path import first_answer, insert_scan_event, try_transaction_lock

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
    retry_after: int | None = None  # a refusal that the same request may overcome later

    def to_dict(self) -> dict:
        result = asdict(self)
        result.pop("replayed")
        result.pop("retry_after")
        return result

    @classmethod
    def refused(cls, error: DomainError) -> "ScanResult":
        """A scan the domain refused, in the worker's words."""
        return cls("refused", error.message, tone="error", retry_after=error.retry_after)

    @classmethod
    def from_event(cls, event: ScanEvent | Row) -> "ScanResult":
        stored = dict(event.response)
        return cls(**stored, replayed=True)


def replayed(key: str | None, user: User, fingerprint: str | None = None) -> ScanResult | None:
    """The first answer to this key, when the client sends its scan again (a double tap,
    an offline queue replayed); None for a new key.

    `fingerprint` identifies the request (see the module's docstring); a used key with
    another fingerprint is IdempotencyKeyReused. Without one (a scan stored before the
    fingerprint was kept, or a caller that gives none) the key answers as before.
    On PostgreSQL the key is held until the transaction ends, so a second request with it
    meanwhile is IdempotencyKeyInFlight at once, not a second run of the use case; SQLite
    lets one writer in at a time, so there the second finds the first answer.
    """
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise Conflict("Idempotency key too long.")
    _hold_key(key)
    event = first_answer(key)
    if event is None:
        return None
    if event.user_id != user.id:
        raise Conflict("This idempotency key was used by another user.")
    if fingerprint and event.request_fingerprint and event.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused("This scan's key was already used for another request; "
                                   "nothing was done. Scan again.",
                                   [{"path": "Idempotency-Key",
                                     "message": "already used for another request"}])
    return ScanResult.from_event(event)


def _hold_key(key: str) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    if not try_transaction_lock(_lock_id(key)):
        raise IdempotencyKeyInFlight("This scan is still being answered; it is sent again in "
                                     "a moment.")


def _lock_id(key: str) -> int:
    """The key as a transaction-scoped advisory lock's 64-bit id."""
    digest = hashlib.sha256(b"dockside.idempotency-key\0" + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def record_scan(
    result: ScanResult, *, step: str, scan: Scan, user: User, key: str | None,
    fingerprint: str | None = None, asn: Asn | None = None, carton: Carton | Row | None = None,
    location: Location | None = None, client_time: datetime | None = None,
) -> ScanResult:
    """Write the scan event with its answer and commit the use case's transaction.

    When a concurrent request with the same key committed first, this transaction is rolled
    back whole and the first answer is returned instead (or IdempotencyKeyReused, when it
    answered another request): exactly one effect per key.
    """
    try:
        insert_scan_event(
            idempotency_key=key or None, request_fingerprint=fingerprint if key else None,
            asn_id=asn.id if asn else None, carton_id=carton.id if carton else None,
            location_id=location.id if location else None,
            user_id=user.id, step=step, raw_code=scan.raw[:512],
            parsed=scan.to_dict(), outcome=result.outcome,
            response=result.to_dict(), client_time=client_time,
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = replayed(key, user, fingerprint)
        if first is None:
            raise
        return first
    return result
