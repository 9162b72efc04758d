"""The supervisor's review desk: the SLA board, the exception queue and its resolutions,
the dock-to-stock and reconciliation reports."""
from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException, UnprocessableEntity
from werkzeug.exceptions import NotFound as PageNotFound

from ...errors import InvalidInput, NotFound
from .formatting import TEMPLATE_HELPERS

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.context_processor
def template_helpers() -> dict:
    return TEMPLATE_HELPERS


@bp.errorhandler(NotFound)
@bp.errorhandler(InvalidInput)
def refused(error: NotFound | InvalidInput):
    """An exception or ASN outside the user's warehouse is simply not found; a bad query
    string is told what is wrong."""
    page: HTTPException = (PageNotFound if isinstance(error, NotFound)
                           else UnprocessableEntity)(error.message)
    return render_template("error.html", error=page), page.code


from . import (  # noqa: E402,F401  (routes)
    adjustments, board, claims, counts, inspection, queue, reconciliation, report,
)
