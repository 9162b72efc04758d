"""Quarantine exits: a supervisor releases held units to a shelf, disposes of them, or
returns them to the seller. Each is an adjustment (reason released, disposed or
returned_to_seller), posted at once, and the seller is told."""
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from ..extensions import db
from ..models import (
    Adjustment, AdjustmentReason, AdjustmentState, Bucket, LocationKind, User, utcnow,
)
from ..payloads import MAX_NOTE, checked, one_of, refusal, text, whole_number
from ..webhooks.events import emit
from .adjustments import MAX_QTY, SHELF_KINDS, StockIn, StockRules, post_adjustment, require_review

ACTIONS = {"release": AdjustmentReason.RELEASED, "dispose": AdjustmentReason.DISPOSED,
           "return_to_seller": AdjustmentReason.RETURNED_TO_SELLER}
DISPOSITION_REASONS = tuple(ACTIONS.values())
QUARANTINE = {LocationKind.QUARANTINE: Bucket.QUARANTINE}
ON_HAND = {kind: bucket for kind, bucket in SHELF_KINDS.items() if bucket is Bucket.ON_HAND}


class DispositionIn(StockIn):
    qty: whole_number(1, MAX_QTY)
    action: one_of(lambda: ACTIONS, "one of " + ", ".join(ACTIONS))
    # where a release puts the units on hand
    to_location: Annotated[text(64), Field(validate_default=True)] = ""
    note: text(MAX_NOTE, kind="note") = ""

    @field_validator("location")
    @classmethod
    def held_in_quarantine(cls, code: str, info: ValidationInfo) -> str:
        return info.context.place_of("location", code, QUARANTINE)

    @field_validator("to_location")
    @classmethod
    def a_shelf_for_a_release(cls, code: str, info: ValidationInfo) -> str:
        if info.data.get("action") != "release":
            return code
        if not code:
            raise refusal("a release needs the shelf the units go to")
        return info.context.place_of("to_location", code, ON_HAND)


def dispose_quarantine(*, warehouse, location, seller, sku, qty, action, to_location=None,
                       note="", user: User) -> Adjustment:
    """Take `qty` held units of a seller's SKU out of quarantine at `location`: release them
    on hand at `to_location`, dispose of them, or return them to the seller. More than the
    location holds in quarantine is refused."""
    require_review(user, "Only a supervisor may take units out of quarantine.")
    rules = StockRules(user)
    asked = checked(DispositionIn, dict(
        warehouse=warehouse, seller=seller, sku=sku, location=location, qty=qty, action=action,
        to_location=to_location, note=note), "The disposition has errors; nothing was moved.",
        context=rules)
    target = rules.places.get("to_location") if asked.action == "release" else None
    disposition = Adjustment(
        warehouse_id=rules.warehouse.id, seller_id=rules.seller.id, sku_id=rules.sku.id,
        location_id=rules.places["location"].id, bucket=Bucket.QUARANTINE, qty=-asked.qty,
        reason=ACTIONS[asked.action], to_location_id=target.id if target else None,
        note=asked.note, state=AdjustmentState.POSTED, requested_by_id=user.id,
        requested_at=utcnow())
    db.session.add(disposition)
    db.session.flush()
    post_adjustment(disposition, decided_by=user)
    emit(rules.seller.id, "stock.disposition", {"disposition": disposition_data(disposition)})
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
