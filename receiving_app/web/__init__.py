"""The web doors: HTML pages (htmx) and the JSON API, both thin over the domain."""
from flask import Flask, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..access import can
from ..accounts import login_is_current
from ..errors import DomainError, InvalidInput
from ..extensions import db, login_manager
from ..models import User
from ..payloads import CONTROL_CHARACTERS
from ..receiving.inspection_levels import reason_text
from .request_limits import refuse_oversized_request
from .clock import warehouse_clock
from .transactions import init_transactions

# Every id in a URL is a row id, an INTEGER column (PostgreSQL's stops at 2^31 - 1).
MAX_ID = 2**31 - 1


class RowId(IntegerConverter):
    """`<int:...>` in every route: an id no row can have does not match the route (a 404)
    rather than reaching the database, which refuses a number beyond its integers."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def register_web(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .dock import bp as dock_bp
    from .main import bp as main_bp
    from .photos import bp as photos_bp
    from .review import bp as review_bp
    from .seller import bp as seller_bp

    app.url_map.converters["int"] = RowId  # before any route is added
    app.before_request(refuse_oversized_request)
    app.before_request(refuse_nul_characters)
    for blueprint in (main_bp, auth_bp, dock_bp, review_bp, seller_bp, photos_bp, api_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(admin_bp)

    init_transactions(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in."
    login_manager.user_loader(load_user)
    app.jinja_env.globals["can"] = lambda action: can(current_user, action)
    app.jinja_env.globals["warehouse_clock"] = warehouse_clock
    app.jinja_env.globals["inspection_reason"] = reason_text
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(DomainError, _domain_error_page)


def load_user(user_id: str) -> User | None:
    """The cookies carry "<id>.<session_version>.<login time>" (User.get_id): a login ends
    when the user's session version moves on (logout, password change, disabling) and a
    shift after it began."""
    try:
        id_part, version_part, logged_in_at = user_id.split(".")
        logged_in_at = int(logged_in_at)
        user = db.session.get(User, int(id_part))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or str(user.session_version) != version_part \
            or not login_is_current(logged_in_at):
        return None
    user.logged_in_at = logged_in_at
    return user


def refuse_nul_characters() -> None:
    """No text anywhere may hold a NUL: PostgreSQL refuses it in the first query that
    carries it, where SQLite would store it. A NUL in the URL, the query string, a form
    field or a header is refused here, before any view reads it (422); JSON bodies are
    checked, with every other control character, by the payloads of the domain."""
    texts = [*(request.view_args or {}).items(), *request.args.items(multi=True),
             *request.headers.items()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += request.form.items(multi=True)
    bad = [name for name, value in texts if isinstance(value, str) and "\x00" in value]
    if bad:
        raise InvalidInput("The request holds a NUL character.",
                           [{"path": name, "message": CONTROL_CHARACTERS} for name in bad])


def _error_page(error: HTTPException):
    """Every HTTP refusal: the error page, or under /api/v1 the API's JSON error, also where
    no API route matched or the request was refused before one could run (413, 414, 431)."""
    from .api import api_error, is_api_request

    if is_api_request():
        return api_error(error)
    return render_template("error.html", error=error), error.code


def _domain_error_page(error: DomainError):
    """A domain error no view handled itself (e.g. another warehouse's ASN: not found).

    The API answers these in JSON; pages get the error page, or for htmx a fragment that
    the swap shows in place.
    """
    from .api import domain_error, is_api_request
    from .htmx import is_htmx

    db.session.rollback()
    if is_api_request():
        return domain_error(error)
    template = "_error_fragment.html" if is_htmx() else "error.html"
    return render_template(template, error=None, message=error.message), error.status
