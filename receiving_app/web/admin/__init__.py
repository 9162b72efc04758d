"""The admin's pages: each warehouse's SLA policy (targets, business hours, time zone) and
its claim policy (carrier windows, holidays, the check-in's delivery receipt)."""
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for

from ...errors import Conflict, InvalidInput
from ...extensions import db
from ...models import CarrierMode, ClaimKind, Warehouse
from ...receiving.claims import claim_windows, update_claim_policy
from ...receiving.sla import (
    MAX_POLICY_HOURS, POLICY_HOURS, time_zones, update_sla_policy, working_weekdays,
)
from ..decorators import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]
POLICY_LABELS = {
    "receipt_hours": "Receipt due (hours after arrival)",
    "count_hours": "Carton count target (hours after arrival)",
    "inspection_hours": "Inspection target (hours after the count)",
    "putaway_hours": "Putaway target (hours after inspection)",
    "exception_response_hours": "Exception response target (hours)",
}


@bp.get("/")
@requires("admin")
def index():
    """The warehouses, each with its SLA policy at a glance."""
    warehouses = db.session.scalars(sa.select(Warehouse).order_by(Warehouse.code)).all()
    return render_template("admin/index.html", warehouses=warehouses)


@bp.route("/warehouses/<code>/sla", methods=["GET", "POST"])
@requires("admin")
def sla_policy(code: str):
    """Edit a warehouse's SLA policy; a wrong field is shown beside the form, nothing saved.

    The form carries the policy version it was loaded at: when another admin saved in
    between, 409, the typed values stay in the form and saving again replaces theirs.
    """
    warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        return render_template("error.html", error=None, message=f"No warehouse {code}."), 404
    values, errors, conflict, status = _policy_values(warehouse), {}, None, 200
    if request.method == "POST":
        values = _submitted()
        try:
            update_sla_policy(warehouse, values, expected_version=values["version"])
        except InvalidInput as error:
            errors, status = {d["path"]: d["message"] for d in error.details}, 422
        except Conflict as error:
            # Told, the admin may save again on purpose: the form now carries the version
            # that was saved meanwhile.
            values["version"] = warehouse.sla_policy_version
            conflict, status = error.message, 409
        else:
            flash(f"SLA policy of {warehouse.code} saved.", "success")
            return redirect(url_for("admin.sla_policy", code=warehouse.code))
    return render_template("admin/sla_policy.html", warehouse=warehouse, values=values,
                           errors=errors, conflict=conflict, zones=time_zones(),
                           weekdays=WEEKDAYS,
                           labels=POLICY_LABELS, max_hours=MAX_POLICY_HOURS), status


def _policy_values(warehouse: Warehouse) -> dict:
    values = {name: getattr(warehouse, name) for name in POLICY_HOURS}
    values.update(
        business_hours_only=warehouse.business_hours_only,
        business_day_start_hour=warehouse.business_day_start_hour,
        business_day_end_hour=warehouse.business_day_end_hour,
        business_weekdays=[str(d) for d in sorted(working_weekdays(warehouse.business_weekdays))],
        timezone=warehouse.timezone,
        version=warehouse.sla_policy_version,
    )
    return values


def _submitted() -> dict:
    """The form as the domain reads it: strings, a checkbox, the ticked weekdays."""
    form = request.form
    values = {name: form.get(name, "") for name in POLICY_HOURS}
    values.update(
        business_hours_only="business_hours_only" in form,
        business_day_start_hour=form.get("business_day_start_hour", ""),
        business_day_end_hour=form.get("business_day_end_hour", ""),
        business_weekdays=form.getlist("business_weekdays"),
        timezone=form.get("timezone", ""),
        version=form.get("version", ""),
    )
    return values


@bp.route("/warehouses/<code>/claims", methods=["GET", "POST"])
@requires("admin")
def claim_policy(code: str):
    """Edit a warehouse's carrier windows (business days per mode and kind of claim), its
    holidays, and whether the check-in needs the delivery receipt's photo."""
    warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        return render_template("error.html", error=None, message=f"No warehouse {code}."), 404
    errors, status = {}, 200
    windows = {f"{mode.value}.{kind.value}": days
               for (mode, kind), days in claim_windows(warehouse).items()}
    holidays = "\n".join(f"{h.day.isoformat()} {h.name}".strip() for h in warehouse.holidays)
    required = warehouse.delivery_receipt_required
    tolerance = warehouse.damage_tolerance_pct
    if request.method == "POST":
        windows = {name: request.form.get(f"window.{name}", "") for name in windows}
        holidays = request.form.get("holidays", "")
        required = "delivery_receipt_required" in request.form
        tolerance = request.form.get("damage_tolerance_pct", "")
        try:
            update_claim_policy(warehouse, {"windows": windows, "holidays": holidays,
                                            "delivery_receipt_required": required,
                                            "damage_tolerance_pct": tolerance})
        except InvalidInput as error:
            errors, status = {d["path"]: d["message"] for d in error.details}, 422
        else:
            flash(f"Claim policy of {warehouse.code} saved.", "success")
            return redirect(url_for("admin.claim_policy", code=warehouse.code))
    return render_template("admin/claim_policy.html", warehouse=warehouse, windows=windows,
                           holidays=holidays, required=required, tolerance=tolerance,
                           errors=errors,
                           modes=list(CarrierMode), kinds=list(ClaimKind)), status
