"""Stock adjustments: the one way stock changes after the dock.

An adjustment changes one SKU's units at one location (on hand, or in quarantine at a
quarantine location) for a reason, by someone, for a written why. Up to the warehouse's
threshold it is posted at once; above it, it waits for a second person, a supervisor who did
not ask for it, and changes nothing until then. Posted, it is movements that carry its id;
it is never edited or deleted after that: a wrong one is corrected by another.
"""
from dataclasses import dataclass

import sqlalchemy as sa

from ..access import can, scope_adjustments, scope_warehouses
from ..barcodes import parse_scan
from ..errors import Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..models import (
    Adjustment, AdjustmentReason, AdjustmentState, Bucket, Location, LocationKind, Seller, Sku,
    User, Warehouse, utcnow,
)
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
MAX_NOTE = 2000
# Where stock lives after the dock: the bucket a location's units are in.
SHELF_KINDS = {LocationKind.STORAGE: Bucket.ON_HAND, LocationKind.STAGING: Bucket.ON_HAND,
               LocationKind.QUARANTINE: Bucket.QUARANTINE}


class Errors(list):
    """The details of an InvalidInput, one per bad field."""

    def add(self, path: str, message: str) -> None:
        self.append({"path": path, "message": message})

    def raise_if_any(self, message: str) -> None:
        if self:
            raise InvalidInput(message, list(self))


@dataclass(frozen=True)
class StockKey:
    """Whose units of what, and where: the places an adjustment or a disposition names."""

    warehouse: Warehouse
    seller: Seller
    sku: Sku
    location: Location


def adjust_stock(*, warehouse, seller, sku, location, qty, reason, note, user: User) -> Adjustment:
    """Add (qty > 0) or take out (qty < 0) units of a seller's SKU at a location, for a reason.

    Posted at once up to the warehouse's threshold (`adjustment_approval_units`); above it,
    it waits for another supervisor's approval and changes nothing until then. A taking
    out of more than the location holds is refused, now and again at approval.
    """
    errors = Errors()
    reason = choice(reason, MANUAL_REASONS, "reason", errors)
    qty = whole_number(qty, "qty", errors, signed=True)
    note = text(note, "note", errors, required=True)
    key = stock_key(user, errors, warehouse=warehouse, seller=seller, sku=sku,
                    location=location, kinds=SHELF_KINDS)
    errors.raise_if_any("The adjustment has errors; nothing was saved.")
    adjustment = Adjustment(
        warehouse_id=key.warehouse.id, seller_id=key.seller.id, sku_id=key.sku.id,
        location_id=key.location.id, bucket=SHELF_KINDS[key.location.kind], qty=qty,
        reason=reason, note=note, requested_by_id=user.id, requested_at=utcnow(),
        state=(AdjustmentState.AWAITING_APPROVAL
               if abs(qty) > key.warehouse.adjustment_approval_units else AdjustmentState.POSTED),
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
    adjustment = lock_adjustment(adjustment)
    errors = Errors()
    note = text(note, "note", errors)
    if adjustment.state is AdjustmentState.PROPOSED:
        _change_proposal(adjustment, qty, location, user, errors)
    elif qty is not None or location is not None:
        errors.add("qty" if qty is not None else "location",
                   "only a proposal can be changed; reject this one and ask anew")
    errors.raise_if_any("The approval has errors; nothing was posted.")
    _check_second_person(adjustment, user)
    advance_adjustment(adjustment, "approve")
    adjustment.decision_note = note
    post_adjustment(adjustment, decided_by=user)
    db.session.commit()
    return adjustment


def reject_adjustment(adjustment: Adjustment, *, user: User, note: str) -> Adjustment:
    """Refuse an adjustment that waits, or a proposal, with a note saying why; it posts
    nothing and stays on record."""
    errors = Errors()
    note = text(note, "note", errors, required=True)
    errors.raise_if_any("The rejection has errors.")
    require_review(user, "Only a supervisor may reject an adjustment.")
    adjustment = lock_adjustment(adjustment)
    advance_adjustment(adjustment, "reject")
    adjustment.decided_by_id = user.id
    adjustment.decided_at = utcnow()
    adjustment.decision_note = note
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
        errors = Errors()
        query = query.where(Adjustment.state == choice(state, AdjustmentState, "state", errors))
        errors.raise_if_any("Unknown state.")
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


def _change_proposal(adjustment: Adjustment, qty, location, user: User, errors: Errors):
    if qty is not None:
        adjustment.qty = whole_number(qty, "qty", errors, signed=True)
    if location is not None:
        place = _location(adjustment.warehouse, location, "location", SHELF_KINDS, errors)
        if place is not None:
            adjustment.location_id, adjustment.bucket = place.id, SHELF_KINDS[place.kind]
    elif adjustment.location_id is None:
        errors.add("location", "say where the units are")


# Validation shared with quarantine.py and counts.py: each adds to `errors` and returns the
# value, or None when it is bad.

def choice(value, options, path: str, errors: Errors):
    """The option (a string, or a member of a string enum) that `value` names."""
    for option in options:
        if value == str(option):
            return option
    errors.add(path, "one of " + ", ".join(str(o) for o in options))
    return None


def whole_number(value, path: str, errors: Errors, *, signed: bool = False,
                 zero: bool = False) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, "a whole number")
        return None
    low = -MAX_QTY if signed else (0 if zero else 1)
    if not low <= value <= MAX_QTY or (value == 0 and not zero):
        errors.add(path, ("a whole number other than 0, at most " if signed else
                          "a whole number, at most ") + f"{MAX_QTY:,}")
        return None
    return value


def text(value, path: str, errors: Errors, *, required: bool = False) -> str:
    value = value.strip() if isinstance(value, str) else "" if value is None else None
    if value is None or len(value) > MAX_NOTE:
        errors.add(path, f"text of at most {MAX_NOTE} characters")
        return ""
    if required and not value:
        errors.add(path, "required: say why")
    return value


def stock_key(user: User, errors: Errors, *, warehouse, seller, sku, location,
              kinds: dict, location_path: str = "location") -> StockKey | None:
    """Resolve the codes of a request that names stock: a warehouse the user works in, a
    seller, the seller's SKU (code or barcode) and a location of one of `kinds` there."""
    place = staff_warehouse(warehouse, user, errors)
    owner = _seller(seller, errors)
    item = _sku(owner, sku, errors) if owner else None
    spot = _location(place, location, location_path, kinds, errors) if place else None
    if place and owner and item and spot:
        return StockKey(place, owner, item, spot)
    return None


def staff_warehouse(code, user: User, errors: Errors,
                    path: str = "warehouse") -> Warehouse | None:
    """The warehouse with this code if the user works in it."""
    found = db.session.scalar(scope_warehouses(
        sa.select(Warehouse).where(Warehouse.code == code), user)) \
        if isinstance(code, str) and code else None
    if found is None:
        # another warehouse's is unknown, exactly like one that does not exist
        errors.add(path, "unknown warehouse")
    return found


def _seller(code, errors: Errors) -> Seller | None:
    found = db.session.scalar(sa.select(Seller).where(Seller.code == code)) \
        if isinstance(code, str) and code else None
    if found is None:
        errors.add("seller", "unknown seller")
    return found


def _sku(seller: Seller, code, errors: Errors, path: str = "sku") -> Sku | None:
    found = find_sku(seller.id, parse_scan(code)) if isinstance(code, str) and code else None
    if found is None:
        errors.add(path, f"no such SKU for seller {seller.code}")
    return found


def _location(warehouse: Warehouse, code, path: str, kinds: dict,
              errors: Errors) -> Location | None:
    found = db.session.scalar(sa.select(Location).where(
        Location.barcode == parse_scan(code).code.strip(),
        Location.warehouse_id == warehouse.id)) if isinstance(code, str) and code else None
    if found is None:
        errors.add(path, f"no such location in {warehouse.code}")
    elif found.kind not in kinds:
        errors.add(path, "a " + " or ".join(sorted(k.value for k in kinds)) + " location")
        return None
    return found
