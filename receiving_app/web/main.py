"""The landing page: send each role to its home."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from ..models import Role

bp = Blueprint("main", __name__)

HOME = {
    Role.DOCK: "dock.index",
    Role.SUPERVISOR: "review.index",
    Role.ADMIN: "review.index",
    Role.SELLER: "seller.index",
}


@bp.get("/")
@login_required
def index():
    """Redirect to the home page of the user's role."""
    return redirect(url_for(HOME[current_user.role]))


@bp.get("/healthz")
def healthz():
    """Liveness for the load balancer and the benchmark floor: no database, no session."""
    return {"status": "ok"}
