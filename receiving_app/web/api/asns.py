"""ASN endpoints."""
from flask import g, request

from ...models import Role
from ...receiving import find_asn, submit_asn
from . import bp, json_body, require_action
from .serializers import asn_json


@bp.post("/asns")
def create_asn():
    """Submit an ASN: 201 with the ASN, 409 for a repeated number, 422 with every bad field."""
    require_action("submit_asn")
    asn = submit_asn(json_body(), user=g.api_user)
    return asn_json(asn), 201


@bp.get("/asns/<number>")
def get_asn(number: str):
    """One ASN with its status, timestamps, cartons, lines and exceptions."""
    asn = find_asn(g.api_user, number, request.args.get("seller"))
    return asn_json(asn, blind=g.api_user.role is Role.DOCK and asn.warehouse.blind_receiving)
