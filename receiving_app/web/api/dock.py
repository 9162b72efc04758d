"""The dock flow and exceptions over the API: the same domain functions as the phone pages."""
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, request

from ... import payloads
from ...access import scope_exceptions
from ...errors import InvalidInput, NotFound
from ...evidence import PhotoRefused, PhotoStorage
from ...extensions import db
from ...models import ExceptionKind, ExceptionState, ReceivingException, Role
from ...receiving import (
    attach_photo, cancel_asn, close_receipt, complete_count, find_asn,
    inspect_carton, put_away, raise_exception, receive_carton, resolve_exception,
)
from ...receiving.resolving import reverse_resolution
from ..idempotency import request_fingerprint
from . import bp, error_response, json_body, require_action
from .serializers import asn_json, exception_json, photo_json


def _asn(number: str):
    return find_asn(g.api_user, number, request.args.get("seller"))


def _blind(asn) -> bool:
    return g.api_user.role is Role.DOCK and asn.warehouse.blind_receiving


def client_time() -> datetime | None:
    """The phone's clock at capture (header X-Client-Time, ISO 8601), kept beside server time."""
    return payloads.client_time(request.headers.get("X-Client-Time"))


def scan_response(result):
    body = result.to_dict()
    return body, 200, {"Idempotent-Replayed": "true" if result.replayed else "false"}


@bp.post("/asns/<number>/cartons/<path:label>/receive")
def receive(number: str, label: str):
    """Receive one carton by its label; the Idempotency-Key header makes retries safe."""
    require_action("dock")
    result = receive_carton(_asn(number), label, user=g.api_user,
                            key=request.headers.get("Idempotency-Key"),
                            fingerprint=request_fingerprint(), client_time=client_time())
    return scan_response(result)


@bp.post("/asns/<number>/count/complete")
def count_complete(number: str):
    """End the count: missing cartons become exceptions; answers the sample to open."""
    require_action("dock")
    return complete_count(_asn(number), user=g.api_user)


@bp.post("/asns/<number>/cartons/<path:label>/inspect")
def inspect(number: str, label: str):
    """Record an opened carton's counts and compare them with the packing list."""
    require_action("dock")
    asn = _asn(number)  # a foreign ASN is not found, whatever the body says
    counts = json_body().get("counts")
    if counts is None:
        raise InvalidInput("counts is required.", [{"path": "counts", "message": "is required"}])
    return inspect_carton(asn, label, user=g.api_user, counts=counts)


@bp.post("/asns/<number>/cartons/<path:label>/putaway")
def putaway(number: str, label: str):
    """Put a carton away to a scanned location."""
    require_action("dock")
    asn = _asn(number)
    result = put_away(asn, label, json_body().get("location"), user=g.api_user,
                      key=request.headers.get("Idempotency-Key"),
                      fingerprint=request_fingerprint(), client_time=client_time())
    return scan_response(result)


@bp.post("/asns/<number>/close")
def close(number: str):
    """Close the receipt when everything is put away and no exception is open."""
    require_action("dock")
    asn = close_receipt(_asn(number), user=g.api_user)
    return asn_json(asn, blind=_blind(asn))


@bp.post("/asns/<number>/cancel")
def cancel(number: str):
    """Cancel an ASN that has not arrived."""
    require_action("submit_asn")
    return asn_json(cancel_asn(_asn(number), user=g.api_user))


@bp.post("/asns/<number>/exceptions")
def create_exception(number: str):
    """Raise an exception by hand; it needs a photo before it counts as submitted."""
    require_action("dock")
    asn = _asn(number)
    body = json_body()
    exception = raise_exception(
        asn, body.get("kind", ""), user=g.api_user, carton_label=body.get("carton"),
        sku=body.get("sku"), qty=body.get("qty"), note=body.get("note") or "",
    )
    return exception_json(exception), 201


def visible_exception(exception_id: int) -> ReceivingException:
    query = scope_exceptions(sa.select(ReceivingException), g.api_user)
    exception = db.session.scalar(query.where(ReceivingException.id == exception_id))
    if exception is None:
        raise NotFound(f"No exception {exception_id}.")
    return exception


@bp.post("/exceptions/<int:exception_id>/photos")
def add_photo(exception_id: int):
    """Attach a photo (multipart field `photo`); the first photo submits the exception."""
    require_action("dock")
    exception = visible_exception(exception_id)
    upload = request.files.get("photo")
    if upload is None:
        raise InvalidInput("Send the photo as multipart field `photo`.",
                           [{"path": "photo", "message": "is required"}])
    try:
        photo = attach_photo(
            exception, upload.read(), upload.filename or "", user=g.api_user,
            storage=PhotoStorage(Path(current_app.config["PHOTO_ROOT"])),
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"], client_taken_at=client_time(),
        )
    except PhotoRefused as refused:
        return error_response(refused.status, refused.code, str(refused))
    return photo_json(photo), 201


@bp.post("/exceptions/<int:exception_id>/resolve")
def resolve(exception_id: int):
    """A supervisor's resolution: accept, recount, carrier_claim or reject, with a note."""
    require_action("review")
    exception = visible_exception(exception_id)
    body = json_body()
    resolve_exception(exception, body.get("resolution", ""), body.get("note", ""),
                      user=g.api_user, expected_version=body.get("version"),
                      claim_kind=body.get("claim_kind"))
    return exception_json(exception)


@bp.post("/exceptions/<int:exception_id>/reverse")
def reverse(exception_id: int):
    """Reverse a wrong resolution with a new one (note required); the exception reopens."""
    require_action("review")
    exception = visible_exception(exception_id)
    reverse_resolution(exception, json_body().get("note", ""), user=g.api_user)
    return exception_json(exception)


@bp.get("/exceptions")
def list_exceptions():
    """Exceptions the token may see, filtered by ?state= and ?asn=, open ones first."""
    query = scope_exceptions(sa.select(ReceivingException), g.api_user)
    if state := request.args.get("state"):
        if state not in {s.value for s in ExceptionState}:
            raise InvalidInput("Unknown state.", [{"path": "state", "message":
                                                   "draft, open or resolved"}])
        query = query.where(ReceivingException.state == ExceptionState(state))
    if number := request.args.get("asn"):
        query = query.where(ReceivingException.asn_id == _asn(number).id)
    if kind := request.args.get("kind"):
        if kind not in {k.value for k in ExceptionKind}:
            raise InvalidInput("Unknown kind.", [{"path": "kind", "message": "an exception kind"}])
        query = query.where(ReceivingException.kind == ExceptionKind(kind))
    exceptions = db.session.scalars(query.order_by(
        ReceivingException.resolved_at.is_not(None), ReceivingException.due_at,
        ReceivingException.id).limit(500))
    return {"exceptions": [exception_json(e) for e in exceptions]}
