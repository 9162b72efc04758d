"""View decorators: the role check, expressed as an action from access.PERMISSIONS."""
from functools import wraps

from flask import abort
from flask_babel import get_locale
from flask_login import current_user, login_required

from ..access import can


def requires(action: str):
    """Log in first; then 403 unless the user's role may do `action`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            # Settle the page's language while the user is loaded: the use case's commit
            # expires the user, and reading the saved language again to render the answer
            # was one more query on every scan. Flask-Babel keeps it for the request.
            get_locale()
            return view(*args, **kwargs)

        return wrapped

    return decorator
