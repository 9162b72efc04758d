"""The seller's inspection level at each warehouse, and why: fewer cartons opened for
clean ASNs."""
from flask import render_template
from flask_login import current_user

from ...receiving.inspection_levels import seller_standings
from ..decorators import requires
from . import bp


@bp.get("/inspection")
@requires("seller")
def inspection():
    """The seller's level and its history at every warehouse they ship to."""
    return render_template("seller/inspection.html",
                           standings=seller_standings(current_user.seller))
