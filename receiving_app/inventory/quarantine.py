"""Quarantine exits: a supervisor releases held units to a shelf, disposes of them, or
returns them to the seller. Each is an adjustment (reason released, disposed or
returned_to_seller), posted at once, and the seller is told."""
from ..extensions import db
from ..models import (
    Adjustment, AdjustmentReason, AdjustmentState, Bucket, LocationKind, User, utcnow,
)
from ..webhooks.events import emit
from .adjustments import (
    SHELF_KINDS, Errors, choice, post_adjustment, require_review, stock_key, text, whole_number,
)

ACTIONS = {"release": AdjustmentReason.RELEASED, "dispose": AdjustmentReason.DISPOSED,
           "return_to_seller": AdjustmentReason.RETURNED_TO_SELLER}
DISPOSITION_REASONS = tuple(ACTIONS.values())
QUARANTINE = {LocationKind.QUARANTINE: Bucket.QUARANTINE}
ON_HAND = {kind: bucket for kind, bucket in SHELF_KINDS.items() if bucket is Bucket.ON_HAND}


def dispose_quarantine(*, warehouse, location, seller, sku, qty, action, to_location=None,
                       note="", user: User) -> Adjustment:
    """Take `qty` held units of a seller's SKU out of quarantine at `location`: release them
    on hand at `to_location`, dispose of them, or return them to the seller. More than the
    location holds in quarantine is refused."""
    require_review(user, "Only a supervisor may take units out of quarantine.")
    errors = Errors()
    action = choice(action, ACTIONS, "action", errors)
    qty = whole_number(qty, "qty", errors)
    note = text(note, "note", errors)
    key = stock_key(user, errors, warehouse=warehouse, seller=seller, sku=sku,
                    location=location, kinds=QUARANTINE)
    target = None
    if action == "release" and key:
        target = stock_key(user, errors, warehouse=warehouse, seller=seller, sku=sku,
                           location=to_location, kinds=ON_HAND, location_path="to_location")
    errors.raise_if_any("The disposition has errors; nothing was moved.")
    disposition = Adjustment(
        warehouse_id=key.warehouse.id, seller_id=key.seller.id, sku_id=key.sku.id,
        location_id=key.location.id, bucket=Bucket.QUARANTINE, qty=-qty,
        reason=ACTIONS[action], to_location_id=target.location.id if target else None,
        note=note, state=AdjustmentState.POSTED, requested_by_id=user.id,
        requested_at=utcnow())
    db.session.add(disposition)
    db.session.flush()
    post_adjustment(disposition, decided_by=user)
    emit(key.seller.id, "stock.disposition", {"disposition": disposition_data(disposition)})
    db.session.commit()
    return disposition


def disposition_data(disposition: Adjustment) -> dict:
    """What the seller is told of a quarantine exit (webhook and API)."""
    return {
        "id": disposition.id, "warehouse": disposition.warehouse.code,
        "seller": disposition.seller.code, "sku": disposition.sku.code,
        "location": disposition.location.barcode,
        "action": next(name for name, reason in ACTIONS.items()
                       if reason is disposition.reason),
        "qty": -disposition.qty,
        "to_location": disposition.to_location.barcode if disposition.to_location else None,
        "note": disposition.note,
        "at": disposition.decided_at.isoformat() if disposition.decided_at else None,
    }
