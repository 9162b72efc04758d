"""Deliveries over the API: the check-in's paperwork, a second truck, delivery documents."""
from pathlib import Path

from flask import current_app, g, request

from ...errors import InvalidInput
from ...evidence import PhotoRefused, PhotoStorage
from ...receiving import find_asn
from ...receiving.counting import add_delivery, arrive_asn
from ...receiving.deliveries import DELIVERY_FIELDS, attach_document
from ...receiving.uploads import Upload
from . import bp, error_response, json_body, require_action
from .dock import _blind, client_time
from .serializers import asn_json, delivery_json, document_json


def _asn(number: str):
    return find_asn(g.api_user, number, request.args.get("seller"))


def upload(field: str = "photo", *, required: bool = True) -> Upload | None:
    """The multipart photo in `field`, ready for the photo intake."""
    sent = request.files.get(field)
    if sent is None:
        if not required:
            return None
        raise InvalidInput(f"Send the photo as multipart field `{field}`.",
                           [{"path": field, "message": "is required"}])
    return Upload(sent.read(), sent.filename or "", PhotoStorage(
        Path(current_app.config["PHOTO_ROOT"])), current_app.config["MAX_CONTENT_LENGTH"],
        client_time())


def paperwork() -> tuple[object, dict, Upload | None]:
    """A delivery's paperwork from a JSON body, or from a multipart form that also carries
    a photo of the delivery receipt (field `photo`)."""
    if request.mimetype == "multipart/form-data":
        cartons = request.form.get("paperwork_cartons", "")
        fields = {name: request.form[name] for name in DELIVERY_FIELDS if name in request.form}
        return (int(cartons) if cartons.strip().isdigit() else cartons), fields, \
            upload(required=False)
    body = json_body()
    return body.get("paperwork_cartons"), {name: body[name] for name in DELIVERY_FIELDS
                                           if name in body}, None


@bp.post("/asns/<number>/arrive")
def arrive(number: str):
    """Check the first truck in with its paperwork; starts the SLA clock."""
    require_action("dock")
    asn = _asn(number)
    cartons, fields, receipt = paperwork()
    try:
        asn = arrive_asn(asn, cartons, user=g.api_user, receipt=receipt, **fields)
    except PhotoRefused as refused:
        return error_response(refused.status, refused.code, str(refused))
    return asn_json(asn, blind=_blind(asn))


@bp.post("/asns/<number>/deliveries")
def create_delivery(number: str):
    """Another truck for an ASN already checked in: 201 with the new delivery."""
    require_action("dock")
    asn = _asn(number)
    cartons, fields, _receipt = paperwork()
    return delivery_json(add_delivery(asn, cartons, user=g.api_user, **fields)), 201


@bp.post("/asns/<number>/documents")
def create_document(number: str):
    """A delivery document (multipart `photo`, `kind`, optional `delivery` number): through
    the same photo intake as an exception's photo; 201 with the document."""
    require_action("dock")
    asn = _asn(number)
    try:
        photo = attach_document(asn, request.form.get("kind", ""), upload(), user=g.api_user,
                                delivery_number=request.form.get("delivery") or None)
    except PhotoRefused as refused:
        return error_response(refused.status, refused.code, str(refused))
    return document_json(photo), 201
