"""Photos and thumbnails, served only to users who may see the ASN they belong to."""
from functools import wraps
from pathlib import Path

import sqlalchemy as sa

from flask import Blueprint, abort, current_app, g, request, send_file
from flask_login import current_user, login_required

from ..access import scope_asns
from ..accounts import user_for_token
from ..evidence import PhotoStorage
from ..extensions import db
from ..models import Asn, Photo

bp = Blueprint("photos", __name__, url_prefix="/photos")


def photo_storage() -> PhotoStorage:
    return PhotoStorage(Path(current_app.config["PHOTO_ROOT"]))


def find_visible_photo(user, public_id: str) -> Photo | None:
    """The photo if the user may see its ASN, else None, exactly as for no such photo."""
    query = scope_asns(
        sa.select(Photo).join(Asn, Photo.asn_id == Asn.id).where(Photo.public_id == public_id),
        user,
    )
    return db.session.scalar(query)


def visible_photo(user, public_id: str) -> Photo:
    photo = find_visible_photo(user, public_id)
    if photo is None:
        abort(404)
    return photo


def signed_in(view):
    """A browser session, or (for ERPs following the API's photo URLs) a Bearer token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            g.api_user = user_for_token(token.strip())
            if g.api_user is None:
                abort(401)
            return view(*args, **kwargs)
        return login_required(view)(*args, **kwargs)

    return wrapped


def _send(public_id: str, variant: str):
    user = g.get("api_user") or current_user
    photo = visible_photo(user, public_id)
    response = send_file(photo_storage().path(photo.sha256, variant), mimetype="image/jpeg",
                         etag=photo.sha256 + variant, max_age=0)
    # Evidence belongs to one seller: browsers may keep it, shared caches may not.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/<public_id>")
@signed_in
def full(public_id: str):
    """The cleaned photo at full size."""
    return _send(public_id, "full")


@bp.get("/<public_id>/thumbnail")
@signed_in
def thumbnail(public_id: str):
    """The photo's thumbnail for lists."""
    return _send(public_id, "thumb")
