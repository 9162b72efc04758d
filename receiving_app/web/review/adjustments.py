"""Adjustments on the review desk: what waits for a second supervisor and what a decision
proposed, approved (a proposal perhaps changed) or rejected with a note."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import DomainError
from ...inventory.adjustments import (
    approve_adjustment, find_adjustment, list_adjustments, reject_adjustment,
)
from ...models import AdjustmentState
from ..decorators import requires
from ..reconciliation import local_time
from . import bp

WAITING = (AdjustmentState.AWAITING_APPROVAL, AdjustmentState.PROPOSED)


@bp.get("/adjustments")
@requires("review")
def adjustments():
    """Adjustments waiting for a decision first, then the latest decided ones."""
    recent = list_adjustments(current_user, limit=100)
    return render_template("review/adjustments.html", local_time=local_time, State=AdjustmentState,
                           waiting=[a for a in recent if a.state in WAITING],
                           decided=[a for a in recent if a.state not in WAITING][:50])


@bp.post("/adjustments/<int:adjustment_id>/approve")
@requires("review")
def approve_adjustment_form(adjustment_id: int):
    """Post it; a proposal with the quantity and location typed in the form."""
    adjustment = find_adjustment(current_user, adjustment_id)
    changes = {}
    if adjustment.state is AdjustmentState.PROPOSED:
        qty = (request.form.get("qty") or "").strip()
        changes["qty"] = int(qty) if qty.lstrip("-").isdigit() else qty
        changes["location"] = (request.form.get("location") or "").strip()
    return _decided(adjustment_id, lambda: approve_adjustment(
        adjustment, user=current_user, note=request.form.get("note", ""), **changes),
        _("Adjustment %(id)s posted.", id=adjustment_id))


@bp.post("/adjustments/<int:adjustment_id>/reject")
@requires("review")
def reject_adjustment_form(adjustment_id: int):
    """Refuse it, saying why: nothing is posted."""
    adjustment = find_adjustment(current_user, adjustment_id)
    return _decided(adjustment_id, lambda: reject_adjustment(
        adjustment, user=current_user, note=request.form.get("note", "")),
        _("Adjustment %(id)s rejected.", id=adjustment_id))


def _decided(adjustment_id: int, decide, done: str):
    try:
        decide()
    except DomainError as error:
        details = "; ".join(f"{d['path']}: {d['message']}" for d in error.details)
        flash(f"{error.message} {details}".strip(), "error")
    else:
        flash(done, "success")
    return redirect(url_for("review.adjustments") + f"#adjustment-{adjustment_id}")
