"""Each seller's inspection level over the API: read by supervisors and by the seller
themselves; set by hand by a supervisor."""
from flask import g, request

from ...receiving.inspection_levels import (
    Standing, find_standing, reason_text, set_inspection_level,
)
from . import bp, json_body, require_action
from .serializers import iso


@bp.get("/sellers/<code>/inspection")
def seller_inspection(code: str):
    """The seller's level at ?warehouse= (staff: their own by default), why, and every
    switch, newest first."""
    require_action("see_inspection")
    return standing_json(find_standing(g.api_user, code, request.args.get("warehouse")))


@bp.put("/sellers/<code>/inspection")
def set_seller_inspection(code: str):
    """A supervisor sets the level by hand: {"warehouse", "level", "note"}."""
    require_action("review")
    body = json_body()
    standing = find_standing(g.api_user, code, body.get("warehouse"))
    set_inspection_level(standing.seller, standing.warehouse, body.get("level"),
                         body.get("note"), user=g.api_user)
    return standing_json(find_standing(g.api_user, code, standing.warehouse.code))


def standing_json(standing: Standing) -> dict:
    return {
        "seller": standing.seller.code,
        "warehouse": standing.warehouse.code,
        "level": standing.level.value,
        "reason": standing.text,
        "since": iso(standing.since),
        "clean_in_a_row": standing.clean_in_a_row,
        "findings_in_last_five": standing.findings_in_last_five,
        "history": [{"at": iso(s.at), "from": s.from_level.value, "to": s.to_level.value,
                     "reason": reason_text(s.to_level, s.reason), "note": s.note,
                     "by": s.by.username if s.by else None,
                     "asn": s.asn.number if s.asn else None} for s in standing.switches],
    }
