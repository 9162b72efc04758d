"""Carrier claims over the API: supervisors see their warehouse's and record their progress,
sellers see their own; each has its claim pack as a PDF."""
from flask import g, request

from ...models import Claim
from ...receiving.claims import days_left, find_claim, list_claims, update_claim
from ..seller.downloads import claim_pack_download
from . import bp, json_body, require_action
from .serializers import iso


@bp.get("/claims")
def claims():
    """The claims the token may see (?state= filters): open ones first, nearest deadline
    first."""
    require_action("see_claims")
    return {"claims": [claim_json(c) for c in list_claims(g.api_user, request.args.get("state"))]}


# One rule for both methods: an id beyond the database's integers is then the router's 404
# for either, not a 405 because the other method's rule matched the path.
@bp.route("/claims/<int:claim_id>", methods=["GET", "PATCH"])
def claim(claim_id: int):
    """One claim with its exceptions and its history. PATCH: a supervisor records the
    claim's progress, {"status", "amount", "currency", "reference", "note"} (and "version"
    to be told of another change meanwhile)."""
    if request.method == "PATCH":
        require_action("review")
        claim = find_claim(g.api_user, claim_id)
        return claim_json(update_claim(claim, json_body(), user=g.api_user), full=True)
    require_action("see_claims")
    return claim_json(find_claim(g.api_user, claim_id), full=True)


@bp.get("/claims/<int:claim_id>/pack.pdf")
def claim_pack(claim_id: int):
    """The claim pack (?lang=en or zh_Hans, else the token user's language)."""
    require_action("see_claims")
    return claim_pack_download(find_claim(g.api_user, claim_id))


def claim_json(claim: Claim, *, full: bool = False) -> dict:
    body = {
        "id": claim.id,
        "asn": claim.asn.number,
        "seller": claim.asn.seller.code,
        "warehouse": claim.asn.warehouse.code,
        "delivery": claim.delivery.number,
        "carrier": claim.carrier,
        "mode": claim.mode.value,
        "kind": claim.kind.value,
        "status": claim.status.value,
        "deadline_at": iso(claim.deadline_at),
        "business_days_left": days_left(claim),
        "amount": str(claim.amount) if claim.amount is not None else None,
        "currency": claim.currency,
        "reference": claim.reference,
        "opened_at": iso(claim.opened_at),
        "version": claim.version,
        "exceptions": [{"id": item.exception_id, "kind": item.exception.kind.value,
                        "claim_kind": item.kind.value, "deadline_at": iso(item.deadline_at),
                        "carton": item.exception.carton.label if item.exception.carton
                        else item.exception.carton_label or None,
                        "sku": item.exception.sku.code if item.exception.sku else None,
                        "qty": item.exception.difference}
                       for item in claim.items if item.removed_at is None],
    }
    if full:
        body["history"] = [{"at": iso(e.at), "by": e.by.username if e.by else None,
                            "action": e.action, "changes": e.changes, "note": e.note}
                           for e in claim.events]
    return body
