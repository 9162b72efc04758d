"""Cycle counts on the phone: scan a location, then its units (or one unit and a typed
quantity), then the next location; finish, recount what is sent back, finish again."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import DomainError
from ...inventory.counts import (
    CountScan, complete_cycle_count, find_cycle_count, list_cycle_counts, recount_lines,
    scan_for_count,
)
from ...models import CycleCountState
from ..decorators import requires
from ..htmx import is_htmx, render
from . import bp, with_feedback


@bp.get("/counts")
@requires("dock")
def cycle_counts():
    """The cycle counts waiting to be counted in the worker's warehouse."""
    return render_template("dock/counts.html",
                           counts=list_cycle_counts(current_user, open_only=True))


@bp.get("/counts/<int:count_id>")
@requires("dock")
def cycle_count(count_id: int):
    """One count: the locations to count (or recount) and the scan input."""
    cycle_count = find_cycle_count(current_user, count_id)
    return render("dock/count.html", "dock/_count.html",
                  **_context(cycle_count, request.args.get("location")))


@bp.post("/counts/<int:count_id>/scan")
@requires("dock")
def cycle_count_scan(count_id: int):
    """A location (count there next) or a unit at the current location."""
    cycle_count = find_cycle_count(current_user, count_id)
    location = request.form.get("location") or None
    try:
        qty = int(request.form.get("qty") or 1)
    except ValueError:
        qty = -1
    try:
        result = scan_for_count(cycle_count, request.form.get("code", ""),
                                current_location=location, qty=qty, user=current_user)
        status = 200
    except DomainError as error:
        details = "; ".join(f"{d['path']}: {d['message']}" for d in error.details)
        result = CountScan("refused", f"{error.message} {details}".strip(), location,
                           tone="error")
        status = error.status
    return _answer(cycle_count, result, status)


@bp.post("/counts/<int:count_id>/complete")
@requires("dock")
def cycle_count_complete(count_id: int):
    """Compare with the book: what to recount, or done and waiting for approval."""
    cycle_count = find_cycle_count(current_user, count_id)
    try:
        cycle_count = complete_cycle_count(cycle_count, user=current_user)
    except DomainError as error:
        return _answer(cycle_count, CountScan("refused", error.message, tone="error"),
                       error.status)
    if cycle_count.state is CycleCountState.RECOUNT:
        places = sorted({line.location.barcode for line in recount_lines(cycle_count)})
        result = CountScan("recount", _("Recount these locations: %(places)s.",
                                        places=", ".join(places)), tone="warn")
    else:
        result = CountScan("completed", _("Count complete: a supervisor approves it now."))
    return _answer(cycle_count, result)


def _answer(cycle_count, result: CountScan, status: int = 200):
    if not is_htmx():
        flash(result.message, "success" if result.tone == "ok" else "error")
        return redirect(url_for("dock.cycle_count", count_id=cycle_count.id,
                                location=result.location))
    response = render("dock/_count.html", "dock/_count.html", status,
                      **_context(cycle_count, result.location, result))
    return with_feedback(response, result)


def _context(cycle_count, location: str | None, result: CountScan | None = None) -> dict:
    recounting = cycle_count.state is CycleCountState.RECOUNT
    here = [line for line in cycle_count.lines if line.location.barcode == location
            and (line.recount or not recounting)]
    to_recount = {line.location.barcode for line in recount_lines(cycle_count)}
    return dict(count=cycle_count, location=location, result=result, here=here,
                recounting=recounting, to_recount=to_recount, State=CycleCountState)
