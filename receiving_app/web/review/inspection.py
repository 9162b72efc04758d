"""Each seller's inspection level at the supervisor's warehouse, and setting it by hand."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import DomainError, NotFound
from ...models import InspectionLevel
from ...receiving.inspection_levels import find_standing, set_inspection_level, standings_at
from ..decorators import requires
from . import bp


@bp.get("/inspection")
@requires("review")
def inspection():
    """Every seller of the warehouse with their level, tightened first."""
    warehouse = current_user.warehouse
    if warehouse is None:
        raise NotFound("Inspection levels are per warehouse: this account has none.")
    return render_template("review/inspection.html", standings=standings_at(warehouse),
                           warehouse=warehouse)


@bp.route("/sellers/<code>/inspection", methods=["GET", "POST"])
@requires("review")
def seller_inspection(code: str):
    """One seller's level, why, its switches; the form sets it by hand with a note."""
    standing = find_standing(current_user, code, request.args.get("warehouse"))
    status = 200
    if request.method == "POST":
        try:
            set_inspection_level(standing.seller, standing.warehouse,
                                 request.form.get("level", ""), request.form.get("note", ""),
                                 user=current_user)
        except DomainError as error:
            details = "; ".join(f"{d['path']}: {d['message']}" for d in error.details)
            flash(f"{error.message} {details}".strip(), "error")
            status = error.status
        else:
            flash(_("Inspection level of %(code)s saved.", code=code), "success")
            return redirect(url_for("review.seller_inspection", code=code,
                                    warehouse=standing.warehouse.code))
    return render_template("review/seller_inspection.html", standing=standing,
                           levels=list(InspectionLevel)), status
