"""The JSON API for sellers' ERPs: /api/v1, Bearer tokens, the same domain functions as the pages."""
from contextlib import suppress

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ...accounts import user_for_token
from ...access import can
from ...database import read_transaction
from ...errors import DomainError, Forbidden, InvalidInput
from ...extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# No cookies are honoured here, only the Authorization header, so there is no CSRF to guard.
csrf.exempt(bp)


def error_response(status: int, code: str, message: str, details=None):
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return jsonify(body), status


@bp.before_request
def authenticate_token():
    """The token's user, checked in a read transaction; then the body (received whole
    already: whole_body.py) parsed before the view's write transaction begins: a 20 MB
    photo's form or 50,000 lines of JSON take their time, and on SQLite every scan would
    wait for them (web/transactions.py)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    with read_transaction():
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        response, status = error_response(401, "unauthorized", "A valid Bearer token is required.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="dockside"'
        return response, status
    g.api_user = user
    if request.is_json:
        # parsed here, kept for json_body(), which answers a body that does not parse
        with suppress(RecursionError):
            request.get_json(silent=True)
    else:
        request.get_data(parse_form_data=True)  # multipart into request.files


def require_action(action: str) -> None:
    """403 unless the token's role may do `action`."""
    if not can(g.api_user, action):
        raise Forbidden("This token's role may not do that.")


def json_body() -> dict:
    """The request's JSON object, or a 422 saying why it is not one."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit: "[[[[..." nested 100,000 deep
        raise InvalidInput("The body is nested too deeply.",
                           [{"path": "$", "message": "nested too deeply"}]) from None
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.",
                           [{"path": "$", "message": "not a JSON object"}])
    return data


def is_api_request() -> bool:
    """Is the request under /api/v1, whether or not a route of the API matched it."""
    return request.path == bp.url_prefix or request.path.startswith(f"{bp.url_prefix}/")


def domain_error(error: DomainError):
    """A domain error in the API's JSON error (the app's handler calls it for /api/v1)."""
    response, status = error_response(error.status, error.code, error.message, error.details)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response, status


def api_error(error: HTTPException):
    """An HTTP refusal in the API's JSON error (the app's handler calls it for /api/v1)."""
    return error_response(error.code, error.name.lower().replace(" ", "_"), error.description)


from . import (  # noqa: E402,F401  (routes)
    asns, claims, counts, deliveries, dock, inspection, inventory, review, seller, stock,
)
