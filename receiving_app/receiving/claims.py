"""Carrier claims: a supervisor's carrier_claim decision opens one for the delivery the
exception came on (or joins the open one), with its deadline from the warehouse's carrier
windows in business days; supervisors file it and record the carrier's answer; the clock
warns one business day before the deadline and expires what was never filed.

Most claims fail for a missed deadline or a missing document: the deadline is on the
board from the moment of the decision, and the claim pack (claim_pack_of) gathers what a
carrier's claim form asks for.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, StrictStr
from sqlalchemy.orm import selectinload

from ..access import scope_claims
from ..errors import Conflict, InvalidInput, NotFound, WrongStep
from ..extensions import db
from ..models import (
    Asn, CarrierMode, CarrierWindow, Claim, ClaimEvent, ClaimItem, ClaimKind, ClaimStatus,
    Delivery, ExceptionKind, Holiday, ReceivingException, ScanEvent, User, Warehouse, utcnow,
)
from ..payloads import (
    MAX_NOTE, Flag, Payload, checked, one_of, refusal, says, text, whole_number,
)
from .calendar import business_days_after, business_days_left
from .claim_states import OPEN_CLAIM_STATUSES, move_claim
from .deliveries import delivery_at
from .receipt import ExceptionEvidence, PhotoEvidence, barcode_texts
from .seller_events import emit_claim_event

# Business days after delivery to put a claim to the carrier, where the warehouse set none.
# Notice windows rather than the law's last day: an LTL carrier's tariff wants concealed
# damage reported within 5 business days of delivery, though the Carmack claim itself may
# come within 9 months; parcel carriers want damage within about 3 weeks and a lost parcel
# within 60 days; ocean (Hague-Visby) wants notice of hidden damage within 3 days, of
# visible damage at delivery; air (Montreal) within 14 days for damage.
DEFAULT_WINDOWS: dict[CarrierMode, dict[ClaimKind, int]] = {
    CarrierMode.LTL: {ClaimKind.VISIBLE_DAMAGE: 5, ClaimKind.CONCEALED_DAMAGE: 5,
                      ClaimKind.SHORTAGE: 5, ClaimKind.LOSS: 190},
    CarrierMode.FTL: {ClaimKind.VISIBLE_DAMAGE: 5, ClaimKind.CONCEALED_DAMAGE: 5,
                      ClaimKind.SHORTAGE: 5, ClaimKind.LOSS: 190},
    CarrierMode.PARCEL: {ClaimKind.VISIBLE_DAMAGE: 15, ClaimKind.CONCEALED_DAMAGE: 15,
                         ClaimKind.SHORTAGE: 15, ClaimKind.LOSS: 40},
    CarrierMode.OCEAN: {ClaimKind.VISIBLE_DAMAGE: 1, ClaimKind.CONCEALED_DAMAGE: 3,
                        ClaimKind.SHORTAGE: 3, ClaimKind.LOSS: 250},
    CarrierMode.AIR: {ClaimKind.VISIBLE_DAMAGE: 10, ClaimKind.CONCEALED_DAMAGE: 10,
                      ClaimKind.SHORTAGE: 10, ClaimKind.LOSS: 85},
}
MAX_WINDOW_DAYS = 260
CLAIM_KINDS = frozenset(k.value for k in ClaimKind)
# What a supervisor may set through PATCH; the rest belong to the clock and to reversals.
SETTABLE_STATUSES = frozenset({ClaimStatus.TO_FILE, ClaimStatus.FILED, ClaimStatus.PAID,
                               ClaimStatus.DENIED, ClaimStatus.EXPIRED})
MAX_AMOUNT = Decimal("9999999999.99")
CURRENCY = re.compile(r"^[A-Z]{3}$")
# The days left at which the board shows a claim in red and the seller is warned.
URGENT_DAYS = 2
WARN_DAYS = 1


# --- the windows ---------------------------------------------------------------------------

def claim_windows(warehouse: Warehouse) -> dict[tuple[CarrierMode, ClaimKind], int]:
    """The warehouse's business days per (mode, kind): its own where set, else the default."""
    windows = {(mode, kind): days for mode, kinds in DEFAULT_WINDOWS.items()
               for kind, days in kinds.items()}
    for row in db.session.scalars(sa.select(CarrierWindow).where(
            CarrierWindow.warehouse_id == warehouse.id)):
        windows[row.mode, row.kind] = row.business_days
    return windows


def claim_deadline(delivery: Delivery, kind: ClaimKind, warehouse: Warehouse) -> datetime:
    """The close of business on the last day to claim `kind` from this delivery's carrier."""
    days = claim_windows(warehouse)[delivery.mode, kind]
    return business_days_after(delivery.arrived_at, days, warehouse)


def default_claim_kind(exception: ReceivingException) -> ClaimKind:
    """What the exception claims from the carrier, unless the supervisor says otherwise:
    damage found inside an opened carton was concealed, damage outside it was visible; a
    short or a missing carton is a shortage."""
    if exception.kind is ExceptionKind.DAMAGED:
        opened = exception.carton is not None and exception.carton.opened_at is not None
        return ClaimKind.CONCEALED_DAMAGE if opened else ClaimKind.VISIBLE_DAMAGE
    if exception.kind in (ExceptionKind.SHORT, ExceptionKind.MISSING_CARTON,
                          ExceptionKind.SELLER_DISPUTE):
        return ClaimKind.SHORTAGE
    return ClaimKind.VISIBLE_DAMAGE


# --- opened by a decision, left by its reversal ------------------------------------------

def claim_exception(exception: ReceivingException, user: User,
                    kind: str | None = None) -> Claim:
    """Put the exception into the open claim of the delivery it came on, or open one
    (the resolving use case commits). The claim's deadline is the earliest of its
    exceptions'; `kind` (a ClaimKind value) overrides default_claim_kind."""
    claim_kind = ClaimKind(kind) if kind else default_claim_kind(exception)
    asn = exception.asn
    moment = (exception.carton.received_at if exception.carton is not None
              and exception.carton.received_at else exception.raised_at)
    delivery = delivery_at(asn, moment)
    if delivery is None:
        raise WrongStep(f"ASN {asn.number} has no delivery to claim from.")
    # One open claim per delivery, even when two supervisors decide at the same moment.
    delivery = db.session.get(Delivery, delivery.id, with_for_update=True)
    deadline = claim_deadline(delivery, claim_kind, asn.warehouse)
    now = utcnow()
    claim = db.session.scalar(sa.select(Claim).where(
        Claim.delivery_id == delivery.id, Claim.status.in_(OPEN_CLAIM_STATUSES))
        .order_by(Claim.id).limit(1))
    if claim is None:
        claim = Claim(asn_id=asn.id, delivery_id=delivery.id, carrier=delivery.carrier,
                      mode=delivery.mode, kind=claim_kind, status=ClaimStatus.TO_FILE,
                      deadline_at=deadline, opened_at=now, opened_by_id=user.id)
        db.session.add(claim)
        db.session.flush()
        _log(claim, user, "opened", {"exception": exception.id, "kind": claim_kind.value})
    else:
        _log(claim, user, "exception_added",
             {"exception": exception.id, "kind": claim_kind.value})
        if deadline < claim.deadline_at:
            claim.deadline_at, claim.kind = deadline, claim_kind
        claim.version += 1
    db.session.add(ClaimItem(claim_id=claim.id, exception_id=exception.id, kind=claim_kind,
                             deadline_at=deadline, added_at=now))
    return claim


def withdraw_from_claim(exception: ReceivingException, user: User) -> Claim | None:
    """The carrier_claim decision was reversed: the exception leaves its open claim (the
    reversing use case commits). A claim left with no exception is withdrawn; one already
    filed keeps it, for the carrier has it already."""
    item = db.session.scalar(
        sa.select(ClaimItem).join(Claim, ClaimItem.claim_id == Claim.id)
        .where(ClaimItem.exception_id == exception.id, ClaimItem.removed_at.is_(None),
               Claim.status.in_(OPEN_CLAIM_STATUSES)))
    if item is None:
        return None
    claim = item.claim
    item.removed_at = utcnow()
    _log(claim, user, "exception_removed", {"exception": exception.id})
    remaining = [i for i in claim.items if i.removed_at is None]
    if remaining:
        first = min(remaining, key=lambda i: i.deadline_at)
        claim.deadline_at, claim.kind = first.deadline_at, first.kind
    else:
        move_claim(claim, ClaimStatus.WITHDRAWN)
    claim.version += 1
    return claim


# --- what supervisors change -------------------------------------------------------------

def _money(value):
    """A sum of money from a JSON number or text ("1250.00"), as a Decimal to check."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise refusal(AMOUNT_WORDS)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise refusal(AMOUNT_WORDS) from None
    if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT or \
            amount.as_tuple().exponent < -2:
        raise refusal(AMOUNT_WORDS)
    return amount.quantize(Decimal("0.01"))


def _currency(value: str) -> str:
    if not CURRENCY.match(value.strip().upper()):
        raise refusal("an ISO 4217 code, e.g. USD")
    return value.strip().upper()


AMOUNT_WORDS = "an amount of 0 or more, in cents at most (e.g. \"1250.00\")"
Amount = Annotated[Decimal, BeforeValidator(_money)]
Currency = Annotated[StrictStr, AfterValidator(_currency)]


class ClaimChange(Payload):
    """What a supervisor records on a claim; a field left out is left as it is, null
    clears the amount or the currency."""

    status: one_of(lambda: {s.value for s in SETTABLE_STATUSES}, "one of " + ", ".join(
        sorted(s.value for s in SETTABLE_STATUSES))) | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    reference: text(80) = ""
    note: text(MAX_NOTE, kind="note") = ""
    # the claim's version the supervisor saw; a newer one means someone changed it first
    version: StrictInt | None = None


def update_claim(claim: Claim, values: Mapping[str, object], *, user: User) -> Claim:
    """A supervisor records the claim's progress: {"status", "amount", "currency",
    "reference", "note"} (each optional, `version` to be told of a change meanwhile).
    Everything is checked first; nothing is saved when anything is wrong. Each change is
    kept in the claim's history with who made it, when, and the note."""
    change = checked(ClaimChange, values, "The claim has errors.")
    wanted = {name: getattr(change, name) for name in ("status", "amount", "currency",
                                                        "reference")
              if name in change.model_fields_set and not (name == "status" and not change.status)}
    if "status" in wanted:
        wanted["status"] = ClaimStatus(wanted["status"])
    claim = db.session.get(Claim, claim.id, with_for_update=True, populate_existing=True)
    if change.version is not None and claim.version != change.version:
        raise Conflict("Someone else changed this claim meanwhile; look again.",
                       [{"path": "version", "message": f"now {claim.version}"}])
    changes = {name: [_plain(getattr(claim, name)), _plain(value)]
               for name, value in wanted.items() if getattr(claim, name) != value}
    if not changes and not change.note:
        raise InvalidInput("Nothing to change.", [{"path": "$", "message":
                                                   "change a field or add a note"}])
    amount = wanted.get("amount", claim.amount)
    if amount is not None and not wanted.get("currency", claim.currency):
        raise InvalidInput("An amount needs its currency.",
                           [{"path": "currency", "message": "required with an amount"}])
    if "status" in changes:
        move_claim(claim, wanted["status"])
    for name in ("amount", "currency", "reference"):
        if name in changes:
            setattr(claim, name, wanted[name])
    _log(claim, user, "updated", changes, change.note)
    claim.version += 1
    db.session.commit()
    return claim


def _plain(value: object) -> object:
    """A value as the history's JSON keeps it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, ClaimStatus):
        return value.value
    return value


def _log(claim: Claim, user: User | None, action: str, changes: dict, note: str = "") -> None:
    db.session.add(ClaimEvent(claim_id=claim.id, at=utcnow(), by_id=user.id if user else None,
                              action=action, changes=changes, note=note))


# --- reading ------------------------------------------------------------------------------

CLAIM_LOADS = (selectinload(Claim.asn).selectinload(Asn.seller),
               selectinload(Claim.asn).selectinload(Asn.warehouse),
               selectinload(Claim.delivery), selectinload(Claim.items))


def list_claims(user: User, status: str | None = None, *, limit: int = 500) -> list[Claim]:
    """The claims the user may see: open ones first, nearest deadline first; then the rest,
    latest deadline first. `status` filters (InvalidInput for an unknown one)."""
    query = scope_claims(sa.select(Claim), user)
    if status:
        if status not in {s.value for s in ClaimStatus}:
            raise InvalidInput("Unknown claim status.", [{"path": "state", "message": "one of "
                               + ", ".join(s.value for s in ClaimStatus)}])
        query = query.where(Claim.status == ClaimStatus(status))
    is_open = Claim.status.in_(OPEN_CLAIM_STATUSES)
    return list(db.session.scalars(query.options(*CLAIM_LOADS).order_by(
        sa.case((is_open, 0), else_=1), sa.case((is_open, Claim.deadline_at)),
        Claim.deadline_at.desc(), Claim.id).limit(limit)))


def find_claim(user: User, claim_id: int) -> Claim:
    """The claim if the user may see it; another tenant's is "not found", as none is."""
    claim = db.session.scalar(scope_claims(sa.select(Claim), user).where(Claim.id == claim_id))
    if claim is None:
        raise NotFound(f"No claim {claim_id}.")
    return claim


def days_left(claim: Claim, now: datetime | None = None) -> int | None:
    """Business days to the deadline of a claim still to file (None once it moved on)."""
    if claim.status not in OPEN_CLAIM_STATUSES:
        return None
    return business_days_left(now or utcnow(), claim.deadline_at, claim.asn.warehouse)


# --- the clock -----------------------------------------------------------------------------

@dataclass
class DeadlineSweep:
    warned: list[int]
    expired: list[int]


def sweep_claim_deadlines(now: datetime | None = None) -> DeadlineSweep:
    """Warn the seller (claim.deadline_near) of every claim still to file whose deadline is
    one business day away, once; expire those whose deadline has passed. One transaction;
    the webhook worker runs it on every pass."""
    now = now or utcnow()
    sweep = DeadlineSweep([], [])
    claims = db.session.scalars(sa.select(Claim).where(Claim.status.in_(OPEN_CLAIM_STATUSES))
                                .options(*CLAIM_LOADS).order_by(Claim.deadline_at, Claim.id)
                                .with_for_update(skip_locked=True))
    for claim in claims:
        if now > claim.deadline_at:
            move_claim(claim, ClaimStatus.EXPIRED)
            _log(claim, None, "expired", {"status": ["to_file", "expired"]},
                 "The deadline passed before the claim was filed.")
            claim.version += 1
            sweep.expired.append(claim.id)
        elif claim.deadline_warned_at is None and \
                business_days_left(now, claim.deadline_at, claim.asn.warehouse) <= WARN_DAYS:
            claim.deadline_warned_at = now
            _log(claim, None, "deadline_warned", {})
            emit_claim_event(claim, "claim.deadline_near", now)
            sweep.warned.append(claim.id)
    db.session.commit()
    return sweep


# --- the claim pack ------------------------------------------------------------------------

@dataclass
class ClaimPack:
    """What a carrier's claim form asks for: the delivery (who checked the truck in, when,
    its paperwork, seal and trailer) with its documents, each exception with its photos,
    and the scan log of the cartons concerned."""

    claim: Claim
    delivery: Delivery
    exceptions: list[ExceptionEvidence]
    documents: list[PhotoEvidence]
    scans: list[ScanEvent]
    now: datetime


def claim_pack_of(claim: Claim, *, now: datetime | None = None) -> ClaimPack:
    exceptions = claim.exceptions
    cartons = {e.carton_id for e in exceptions if e.carton_id is not None}
    labels = {e.carton_label for e in exceptions if e.carton_id is None and e.carton_label}
    scans = list(db.session.scalars(
        sa.select(ScanEvent).where(ScanEvent.asn_id == claim.asn_id, sa.or_(
            ScanEvent.carton_id.in_(cartons), ScanEvent.raw_code.in_(labels)))
        .options(selectinload(ScanEvent.user), selectinload(ScanEvent.carton))
        .order_by(ScanEvent.server_time, ScanEvent.id))) if cartons or labels else []
    return ClaimPack(
        claim=claim, delivery=claim.delivery,
        exceptions=[ExceptionEvidence(e, [PhotoEvidence(p, barcode_texts(p)) for p in e.photos])
                    for e in exceptions],
        documents=[PhotoEvidence(d, barcode_texts(d)) for d in claim.delivery.documents],
        scans=scans, now=now or utcnow())


# --- the warehouse's claim policy ----------------------------------------------------------

def _percent(value):
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise refusal(PERCENT_WORDS) from None
    return value


PERCENT_WORDS = "a percentage, 0 to 100"


class ClaimPolicy(Payload):
    """The admin's form: a window per mode and kind, the holidays (one "YYYY-MM-DD name" a
    line), the check-in's rule, the inspection levels' damage tolerance."""

    windows: dict[str, whole_number(0, MAX_WINDOW_DAYS, "a whole number of business days, "
                                    f"0 to {MAX_WINDOW_DAYS}", form=True)]
    holidays: text(20_000, kind="note") = ""
    delivery_receipt_required: Flag
    damage_tolerance_pct: Annotated[float, Field(ge=0, le=100), says(PERCENT_WORDS),
                                    BeforeValidator(_percent)]


def update_claim_policy(warehouse: Warehouse, values: Mapping[str, object]) -> Warehouse:
    """Save a warehouse's carrier windows, holidays, check-in rule and damage tolerance from
    the admin's form.

    `values`: "windows" {"<mode>.<kind>": business days}, "holidays" (one "YYYY-MM-DD name"
    a line), "delivery_receipt_required" (bool), "damage_tolerance_pct" (the damaged share
    of a receipt's units that does not yet count against the seller's inspection level,
    0 to 100). Everything is checked first; nothing is saved when anything is wrong. New
    windows apply to claims opened from now on; a claim keeps the deadline it was opened
    with.
    """
    errors: list[dict] = []
    try:
        policy = checked(ClaimPolicy, values, "The claim policy has errors.")
    except InvalidInput as refused:
        errors, policy = refused.details, None
    windows = {}
    for mode in CarrierMode:
        for kind in ClaimKind:
            name = f"{mode.value}.{kind.value}"
            if policy is not None and name in policy.windows:
                windows[mode, kind] = policy.windows[name]
            elif policy is not None:
                errors.append({"path": f"windows.{name}", "message": "is required"})
    # the dates are read even when another field is wrong, so every mistake is told at once
    raw = values.get("holidays")
    holidays = _holidays(policy.holidays if policy else raw if isinstance(raw, str) else "",
                         errors)
    if errors:
        raise InvalidInput("The claim policy has errors.", errors)
    warehouse = db.session.get(Warehouse, warehouse.id, with_for_update=True,
                               populate_existing=True)
    rows = {(r.mode, r.kind): r for r in db.session.scalars(
        sa.select(CarrierWindow).where(CarrierWindow.warehouse_id == warehouse.id))}
    for (mode, kind), days in windows.items():
        row = rows.get((mode, kind))
        if row is None:
            db.session.add(CarrierWindow(warehouse_id=warehouse.id, mode=mode, kind=kind,
                                         business_days=days))
        else:
            row.business_days = days
    kept = {h.day: h for h in warehouse.holidays}
    for day, holiday in kept.items():
        if day not in holidays:
            db.session.delete(holiday)
    for day, name in holidays.items():
        if day in kept:
            kept[day].name = name
        else:
            db.session.add(Holiday(warehouse_id=warehouse.id, day=day, name=name))
    warehouse.delivery_receipt_required = policy.delivery_receipt_required
    warehouse.damage_tolerance_pct = policy.damage_tolerance_pct
    db.session.commit()
    db.session.refresh(warehouse)
    return warehouse


def _holidays(text_: str, errors: list[dict]) -> dict[date, str]:
    """{day: name} from one "YYYY-MM-DD name" a line."""
    holidays = {}
    for number, line in enumerate(text_.splitlines(), start=1):
        if not line.strip():
            continue
        day_text, _, name = line.strip().partition(" ")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors.append({"path": f"holidays[{number}]",
                           "message": "a date as YYYY-MM-DD, then its name"})
            continue
        if day in holidays:
            errors.append({"path": f"holidays[{number}]", "message": "listed twice"})
        holidays[day] = name.strip()[:80]
    return holidays
