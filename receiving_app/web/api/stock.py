"""Stock after the dock over the API: adjustments, their approval, and quarantine exits."""
from flask import g, request

from ...inventory.adjustments import (
    adjust_stock, approve_adjustment, find_adjustment, list_adjustments, reject_adjustment,
)
from ...inventory.quarantine import dispose_quarantine
from ...models import Adjustment
from . import bp, json_body, require_action
from .serializers import iso


@bp.post("/adjustments")
def create_adjustment():
    """{"warehouse", "seller", "sku", "location", "qty" (signed), "reason", "note"}: 201 with
    the adjustment, posted or awaiting approval."""
    require_action("adjust")
    body = json_body()
    adjustment = adjust_stock(
        warehouse=body.get("warehouse"), seller=body.get("seller"), sku=body.get("sku"),
        location=body.get("location"), qty=body.get("qty"), reason=body.get("reason"),
        note=body.get("note"), user=g.api_user)
    return adjustment_json(adjustment), 201


@bp.get("/adjustments")
def get_adjustments():
    """The adjustments the token may see, newest first (?state=)."""
    return {"adjustments": [adjustment_json(a) for a in list_adjustments(
        g.api_user, state=request.args.get("state"))]}


@bp.get("/adjustments/<int:adjustment_id>")
def get_adjustment(adjustment_id: int):
    """One adjustment."""
    return adjustment_json(find_adjustment(g.api_user, adjustment_id))


@bp.post("/adjustments/<int:adjustment_id>/approve")
def approve(adjustment_id: int):
    """A second supervisor posts it: {"note"}; a proposal may also be changed: {"qty",
    "location"}. 409 when someone decided first."""
    require_action("review")
    body = json_body()
    adjustment = approve_adjustment(
        find_adjustment(g.api_user, adjustment_id), user=g.api_user, note=body.get("note"),
        qty=body.get("qty"), location=body.get("location"))
    return adjustment_json(adjustment)


@bp.post("/adjustments/<int:adjustment_id>/reject")
def reject(adjustment_id: int):
    """{"note"} (required): it posts nothing and stays on record."""
    require_action("review")
    adjustment = reject_adjustment(find_adjustment(g.api_user, adjustment_id), user=g.api_user,
                                   note=json_body().get("note"))
    return adjustment_json(adjustment)


@bp.post("/quarantine/dispositions")
def create_disposition():
    """{"warehouse", "location", "seller", "sku", "qty", "action": "release" | "dispose" |
    "return_to_seller", "to_location" (release), "note"}: 201 with the posted adjustment."""
    require_action("review")
    body = json_body()
    disposition = dispose_quarantine(
        warehouse=body.get("warehouse"), location=body.get("location"), seller=body.get("seller"),
        sku=body.get("sku"), qty=body.get("qty"), action=body.get("action"),
        to_location=body.get("to_location"), note=body.get("note"), user=g.api_user)
    return adjustment_json(disposition), 201


def adjustment_json(adjustment: Adjustment) -> dict:
    return {
        "id": adjustment.id,
        "state": adjustment.state.value,
        "warehouse": adjustment.warehouse.code,
        "seller": adjustment.seller.code,
        "sku": adjustment.sku.code,
        "location": adjustment.location.barcode if adjustment.location else None,
        "bucket": adjustment.bucket.value,
        "qty": adjustment.qty,
        "to_location": adjustment.to_location.barcode if adjustment.to_location else None,
        "reason": adjustment.reason.value,
        "note": adjustment.note,
        "requested_by": adjustment.requested_by.username if adjustment.requested_by else None,
        "requested_at": iso(adjustment.requested_at),
        "decided_by": adjustment.decided_by.username if adjustment.decided_by else None,
        "decided_at": iso(adjustment.decided_at),
        "decision_note": adjustment.decision_note,
        "exception": adjustment.exception_id,
    }
