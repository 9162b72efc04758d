"""Stock adjustments: the one way stock changes after the dock.

An adjustment changes one SKU's units at one location (on hand, or in quarantine at a
quarantine location) for a reason, by someone, for a written why. Up to the warehouse's
threshold it is posted at once; above it, it waits for a second person, a supervisor who did
not ask for it, and changes nothing until then. Posted, it is movements that carry its id;
it is never edited or deleted after that: a wrong one is corrected by another.
"""
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, Field, StrictInt, ValidationInfo, field_validator

from ..access import can, scope_adjustments, scope_warehouses
from ..barcodes import parse_scan
from ..errors import Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..models import (
    Adjustment, AdjustmentReason, AdjustmentState, Bucket, Location, LocationKind, Seller, Sku,
    User, Warehouse, utcnow,
)
from ..payloads import MAX_NOTE, Payload, checked, one_of, refusal, says, text
from .ledger import Posting, check_balances_cover, post_movements
from .lookup import find_sku
from .states import advance_adjustment

# What a person may give as the reason of an adjustment; the quarantine exits have their
# own door (quarantine.py), and count gains and losses also come from a cycle count.
MANUAL_REASONS = (
    AdjustmentReason.COUNT_GAIN, AdjustmentReason.COUNT_LOSS,
    AdjustmentReason.DAMAGED_IN_STORAGE, AdjustmentReason.FOUND, AdjustmentReason.LOST,
    AdjustmentReason.DISPUTE_ACCEPTED, AdjustmentReason.CORRECTION,
)
MAX_QTY = 1_000_000
# Where stock lives after the dock: the bucket a location's units are in.
SHELF_KINDS = {LocationKind.STORAGE: Bucket.ON_HAND, LocationKind.STAGING: Bucket.ON_HAND,
               LocationKind.QUARANTINE: Bucket.QUARANTINE}
CODE = text(64, required=True)
WHY = text(MAX_NOTE, required=True, kind="note", blank="required: say why")


def _not_zero(qty: int) -> int:
    if qty == 0:
        raise refusal("not 0")
    return qty


# Units in (+) or out (-).
SIGNED_UNITS = Annotated[StrictInt, Field(ge=-MAX_QTY, le=MAX_QTY), AfterValidator(_not_zero),
                         says(f"a whole number other than 0, at most {MAX_QTY:,} either way")]


class StockRules:
    """The checks of a request naming stock that need the database, called by its model's
    validators as pydantic reaches each field (so a 422 lists every bad field at once);
    what they resolve is kept here."""

    def __init__(self, user: User, warehouse: Warehouse | None = None):
        self.user = user
        self.warehouse = warehouse
        self.seller: Seller | None = None
        self.sku: Sku | None = None
        self.places: dict[str, Location] = {}

    def warehouse_of(self, code: str) -> str:
        """A warehouse the user works in; another's is unknown, like one that does not exist."""
        self.warehouse = db.session.scalar(scope_warehouses(
            sa.select(Warehouse).where(Warehouse.code == code), self.user))
        if self.warehouse is None:
            raise refusal("unknown warehouse")
        return code

    def seller_of(self, code: str) -> str:
        self.seller = db.session.scalar(sa.select(Seller).where(Seller.code == code))
        if self.seller is None:
            raise refusal("unknown seller")
        return code

    def sku_of(self, code: str) -> str:
        """The seller's SKU by its code or any of its barcodes."""
        if self.seller is not None:
            self.sku = find_sku(self.seller.id, parse_scan(code))
            if self.sku is None:
                raise refusal(f"no such SKU for seller {self.seller.code}")
        return code

    def place_of(self, field: str, code: str, kinds: dict) -> str:
        """A location of the warehouse, of one of `kinds`, kept as `field`."""
        if self.warehouse is None:
            return code
        place = db.session.scalar(sa.select(Location).where(
            Location.barcode == parse_scan(code).code.strip(),
            Location.warehouse_id == self.warehouse.id))
        if place is None:
            raise refusal(f"no such location in {self.warehouse.code}")
        if place.kind not in kinds:
            raise refusal("a " + " or ".join(sorted(k.value for k in kinds)) + " location")
        self.places[field] = place
        return code


class InWarehouse(Payload):
    """A request about a warehouse the user works in (its code, checked first)."""

    warehouse: CODE

    @field_validator("warehouse")
    @classmethod
    def known_warehouse(cls, code: str, info: ValidationInfo) -> str:
        return info.context.warehouse_of(code)


class StockIn(InWarehouse):
    """Whose units of what, and where (each a code): the start of an adjustment's and a
    disposition's payload. Checked in this order, so a SKU is looked up for its seller and a
    location in its warehouse."""

    seller: CODE
    sku: CODE
    location: CODE

    @field_validator("seller")
    @classmethod
    def known_seller(cls, code: str, info: ValidationInfo) -> str:
        return info.context.seller_of(code)

    @field_validator("sku")
    @classmethod
    def the_sellers_sku(cls, code: str, info: ValidationInfo) -> str:
        return info.context.sku_of(code)


class AdjustmentIn(StockIn):
    qty: SIGNED_UNITS
    reason: one_of(lambda: {r.value for r in MANUAL_REASONS},
                   "one of " + ", ".join(r.value for r in MANUAL_REASONS))
    note: WHY

    @field_validator("location")
    @classmethod
    def a_shelf(cls, code: str, info: ValidationInfo) -> str:
        return info.context.place_of("location", code, SHELF_KINDS)


class ApprovalIn(Payload):
    note: text(MAX_NOTE, kind="note") = ""
    qty: SIGNED_UNITS | None = None
    location: text(64) = ""


class RejectionIn(Payload):
    note: WHY


def adjust_stock(*, warehouse, seller, sku, location, qty, reason, note, user: User) -> Adjustment:
    """Add (qty > 0) or take out (qty < 0) units of a seller's SKU at a location, for a reason.

    Posted at once up to the warehouse's threshold (`adjustment_approval_units`); above it,
    it waits for another supervisor's approval and changes nothing until then. A taking
    out of more than the location holds is refused, now and again at approval.
    """
    rules = StockRules(user)
    asked = checked(AdjustmentIn, dict(warehouse=warehouse, seller=seller, sku=sku,
                                       location=location, qty=qty, reason=reason, note=note),
                    "The adjustment has errors; nothing was saved.", context=rules)
    place = rules.places["location"]
    adjustment = Adjustment(
        warehouse_id=rules.warehouse.id, seller_id=rules.seller.id, sku_id=rules.sku.id,
        location_id=place.id, bucket=SHELF_KINDS[place.kind], qty=asked.qty,
        reason=AdjustmentReason(asked.reason), note=asked.note, requested_by_id=user.id,
        requested_at=utcnow(),
        state=(AdjustmentState.AWAITING_APPROVAL
               if abs(asked.qty) > rules.warehouse.adjustment_approval_units
               else AdjustmentState.POSTED),
    )
    db.session.add(adjustment)
    db.session.flush()
    if adjustment.state is AdjustmentState.POSTED:
        post_adjustment(adjustment, decided_by=user)
    else:
        # Told now rather than at approval: the units are not there today either.
        check_balances_cover(adjustment_postings(adjustment))
    db.session.commit()
    return adjustment


def approve_adjustment(adjustment: Adjustment, *, user: User, note: str = "",
                       qty=None, location=None) -> Adjustment:
    """A second person posts an adjustment that waits; a supervisor posts a proposal,
    changing its quantity or location if they say so. Posted exactly once, however many
    approve at the same moment: the others are told who was first."""
    asked = checked(ApprovalIn, dict(note=note, qty=qty, location=location),
                    "The approval has errors; nothing was posted.")
    adjustment = lock_adjustment(adjustment)
    if adjustment.state is AdjustmentState.PROPOSED:
        _change_proposal(adjustment, asked, user)
    elif asked.qty is not None or asked.location:
        raise InvalidInput("Only a proposal can be changed; reject this one and ask anew.",
                           [{"path": "qty" if asked.qty is not None else "location",
                             "message": "only a proposal can be changed"}])
    _check_second_person(adjustment, user)
    advance_adjustment(adjustment, "approve")
    adjustment.decision_note = asked.note
    post_adjustment(adjustment, decided_by=user)
    db.session.commit()
    return adjustment


def reject_adjustment(adjustment: Adjustment, *, user: User, note: str) -> Adjustment:
    """Refuse an adjustment that waits, or a proposal, with a note saying why; it posts
    nothing and stays on record."""
    asked = checked(RejectionIn, dict(note=note), "The rejection has errors.")
    require_review(user, "Only a supervisor may reject an adjustment.")
    adjustment = lock_adjustment(adjustment)
    advance_adjustment(adjustment, "reject")
    adjustment.decided_by_id = user.id
    adjustment.decided_at = utcnow()
    adjustment.decision_note = asked.note
    db.session.commit()
    return adjustment


def post_adjustment(adjustment: Adjustment, *, decided_by: User) -> None:
    """Post the adjustment's movements in the caller's transaction (the caller commits),
    refusing any that would take a balance below zero."""
    postings = adjustment_postings(adjustment)
    check_balances_cover(postings)
    post_movements(postings)
    adjustment.state = AdjustmentState.POSTED
    adjustment.decided_by_id = decided_by.id
    adjustment.decided_at = utcnow()


def adjustment_postings(adjustment: Adjustment) -> list[Posting]:
    """The movements an adjustment stands for: its change at its location, and for a release
    the same units arriving on hand at the location they go to."""
    common = dict(warehouse_id=adjustment.warehouse_id, seller_id=adjustment.seller_id,
                  sku_id=adjustment.sku_id, reason=adjustment.reason.value,
                  exception_id=adjustment.exception_id, adjustment_id=adjustment.id,
                  user_id=adjustment.requested_by_id)
    postings = [Posting(bucket=adjustment.bucket, qty=adjustment.qty,
                        location_id=adjustment.location_id, **common)]
    if adjustment.to_location_id is not None:
        postings.append(Posting(bucket=Bucket.ON_HAND, qty=-adjustment.qty,
                                location_id=adjustment.to_location_id, **common))
    return postings


def new_proposal(*, warehouse_id: int, seller_id: int, sku_id: int, location: Location | None,
                 qty: int, reason: AdjustmentReason, note: str, exception_id: int,
                 user: User) -> Adjustment | None:
    """Add the adjustment a decision implies, for a supervisor to post, change or reject
    (the calling use case commits). None when it implies no change."""
    if not qty:
        return None
    bucket = SHELF_KINDS.get(location.kind, Bucket.ON_HAND) if location else Bucket.ON_HAND
    proposal = Adjustment(
        warehouse_id=warehouse_id, seller_id=seller_id, sku_id=sku_id,
        location_id=location.id if location else None, bucket=bucket, qty=qty, reason=reason,
        note=note, state=AdjustmentState.PROPOSED, requested_by_id=user.id,
        requested_at=utcnow(), exception_id=exception_id)
    db.session.add(proposal)
    return proposal


def withdraw_proposals(exception_id: int, *, user: User, note: str) -> None:
    """Reject the proposals an exception's decision implied that nobody has posted yet, when
    that decision is reversed (the calling use case commits)."""
    for proposal in db.session.scalars(sa.select(Adjustment).where(
            Adjustment.exception_id == exception_id,
            Adjustment.state == AdjustmentState.PROPOSED).with_for_update()):
        advance_adjustment(proposal, "reject")
        proposal.decided_by_id = user.id
        proposal.decided_at = utcnow()
        proposal.decision_note = note


def find_adjustment(user: User, adjustment_id: int) -> Adjustment:
    """The adjustment with this id that the user may see, else NotFound (another
    warehouse's or seller's is not found either)."""
    adjustment = db.session.scalar(scope_adjustments(
        sa.select(Adjustment).where(Adjustment.id == adjustment_id), user))
    if adjustment is None:
        raise NotFound(f"No adjustment {adjustment_id}.")
    return adjustment


def list_adjustments(user: User, *, state: str | None = None,
                     reasons=None, limit: int = 500) -> list[Adjustment]:
    """The adjustments the user may see, newest first; `state` one of AdjustmentState."""
    query = scope_adjustments(sa.select(Adjustment), user)
    if state:
        if state not in {s.value for s in AdjustmentState}:
            raise InvalidInput("Unknown state.", [{"path": "state", "message": "one of " + ", ".join(
                s.value for s in AdjustmentState)}])
        query = query.where(Adjustment.state == AdjustmentState(state))
    if reasons is not None:
        query = query.where(Adjustment.reason.in_(reasons))
    return list(db.session.scalars(query.order_by(Adjustment.id.desc()).limit(limit)))


def lock_adjustment(adjustment: Adjustment) -> Adjustment:
    """Reload under a row lock: two approvals of one adjustment queue, and the second sees
    the first's decision."""
    return db.session.get(Adjustment, adjustment.id, with_for_update=True,
                          populate_existing=True)


def require_review(user: User, message: str) -> None:
    """Forbidden unless the user is a supervisor (or an admin)."""
    if not can(user, "review"):
        raise Forbidden(message)


def _check_second_person(adjustment: Adjustment, user: User) -> None:
    require_review(user, "Only a supervisor may approve an adjustment.")
    if adjustment.state is AdjustmentState.AWAITING_APPROVAL and \
            adjustment.requested_by_id == user.id:
        raise Forbidden("Another supervisor must approve the adjustment you asked for.")


def _change_proposal(adjustment: Adjustment, asked: ApprovalIn, user: User) -> None:
    """What the supervisor posting a proposal changed: its quantity, its location."""
    if asked.qty is not None:
        adjustment.qty = asked.qty
    if asked.location:
        rules = StockRules(user, adjustment.warehouse)
        try:
            rules.place_of("location", asked.location, SHELF_KINDS)
        except ValueError as refused:  # pydantic's refusal, raised outside a model
            raise InvalidInput("The approval has errors; nothing was posted.",
                               [{"path": "location", "message": str(refused)}]) from None
        place = rules.places["location"]
        adjustment.location_id, adjustment.bucket = place.id, SHELF_KINDS[place.kind]
    elif adjustment.location_id is None:
        raise InvalidInput("The approval has errors; nothing was posted.",
                           [{"path": "location", "message": "say where the units are"}])
