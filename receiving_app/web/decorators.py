"""View decorators: the role check, expressed as an action from access.PERMISSIONS."""
from functools import wraps

from flask import abort
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
            return view(*args, **kwargs)

        return wrapped

    return decorator
