"""Photos and thumbnails, served only to users who may see the ASN they belong to."""
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, send_file
from flask_login import current_user, login_required

from ..access import scope_asns
from ..evidence import PhotoStorage
from ..extensions import db
from ..models import Asn, Photo

bp = Blueprint("photos", __name__, url_prefix="/photos")


def photo_storage() -> PhotoStorage:
    return PhotoStorage(Path(current_app.config["PHOTO_ROOT"]))


def visible_photo(user, public_id: str) -> Photo:
    """The photo if the user may see its ASN; 404 otherwise, exactly as for no such photo."""
    query = scope_asns(
        sa.select(Photo).join(Asn, Photo.asn_id == Asn.id).where(Photo.public_id == public_id),
        user,
    )
    photo = db.session.scalar(query)
    if photo is None:
        abort(404)
    return photo


def _send(public_id: str, variant: str):
    user = g.get("api_user") or current_user
    photo = visible_photo(user, public_id)
    response = send_file(photo_storage().path(photo.sha256, variant), mimetype="image/jpeg",
                         etag=photo.sha256 + variant, max_age=0)
    # Evidence belongs to one seller: browsers may keep it, shared caches may not.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/<public_id>")
@login_required
def full(public_id: str):
    """The cleaned photo at full size."""
    return _send(public_id, "full")


@bp.get("/<public_id>/thumbnail")
@login_required
def thumbnail(public_id: str):
    """The photo's thumbnail for lists."""
    return _send(public_id, "thumb")
