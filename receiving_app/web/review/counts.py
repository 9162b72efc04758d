"""Cycle counts on the review desk: each count's report (lines, book, counted, difference,
value, accuracy) and the approval that posts the differences."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import DomainError
from ...inventory.counts import (
    approve_cycle_count, count_figures, find_cycle_count, line_value, list_cycle_counts,
)
from ...models import CycleCountState
from ..decorators import requires
from ..reconciliation import local_time
from . import bp


@bp.get("/counts")
@requires("review")
def counts():
    """The warehouse's cycle counts, newest first."""
    return render_template("review/counts.html", counts=list_cycle_counts(current_user),
                           local_time=local_time)


@bp.get("/counts/<int:count_id>")
@requires("review")
def count_report(count_id: int):
    """One count's report, and its approval once it is complete."""
    cycle_count = find_cycle_count(current_user, count_id)
    return render_template("review/count.html", count=cycle_count,
                           figures=count_figures(cycle_count), line_value=line_value,
                           local_time=local_time, State=CycleCountState)


@bp.post("/counts/<int:count_id>/approve")
@requires("review")
def approve_count(count_id: int):
    """Post the differences as count gains and losses."""
    cycle_count = find_cycle_count(current_user, count_id)
    try:
        approve_cycle_count(cycle_count, user=current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Count %(id)s approved: its differences are posted.", id=count_id), "success")
    return redirect(url_for("review.count_report", count_id=count_id))
