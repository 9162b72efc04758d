"""The exception queue, one exception with its evidence, and resolving it."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...errors import Conflict, DomainError, WrongStep
from ...extensions import db
from ...models import ExceptionKind, ExceptionState, ReceivingException, utcnow
from ...receiving import resolve_exception, reverse_resolution
from ..decorators import requires
from ..htmx import is_htmx, render
from . import bp
from .formatting import resolution_word
from .queries import (
    QUEUE_LIMIT, QueueFilters, exception_queue, queue_sellers, scan_log_around, visible_exception,
)


@bp.get("/exceptions")
@requires("review")
def exceptions():
    """The exception queue: open ones first by due time, filtered by seller, ASN, kind, state."""
    filters = QueueFilters.from_args(request.args)
    return render("review/exceptions.html", "review/_exception_queue.html",
                  exceptions=exception_queue(current_user, filters), filters=filters,
                  sellers=queue_sellers(current_user), kinds=list(ExceptionKind),
                  states=list(ExceptionState), limit=QUEUE_LIMIT, now=utcnow(), back="queue")


@bp.get("/exceptions/<int:exception_id>")
@requires("review")
def exception_detail(exception_id: int):
    """One exception with its photos, their barcodes, its decisions and the scans around it."""
    exception = visible_exception(current_user, exception_id)
    return render_template("review/exception.html", **_with_scan_log(exception))


@bp.get("/exceptions/<int:exception_id>/scan-log")
@requires("review")
def scan_log(exception_id: int):
    """The scans around an exception; the queue's cards load it when it is unfolded."""
    exception = visible_exception(current_user, exception_id)
    return render("review/exception.html", "review/_scan_log.html", **_with_scan_log(exception))


def _with_scan_log(exception: ReceivingException) -> dict:
    return dict(exception=exception, scan_log=scan_log_around(exception), now=utcnow(),
                back="exception")


@bp.post("/exceptions/<int:exception_id>/resolve")
@requires("review")
def resolve(exception_id: int):
    """Resolve an exception with a note. When someone else decided first (the form saw an
    older version, or the exception is already resolved), say so and record nothing."""
    exception = visible_exception(current_user, exception_id)
    resolution = request.form.get("resolution", "")
    try:
        resolve_exception(exception, resolution, request.form.get("note", ""),
                          user=current_user, expected_version=_version(),
                          claim_kind=request.form.get("claim_kind") or None)
    except DomainError as error:
        return _answer(exception, _refusal(error, exception), "error", error.status)
    return _answer(exception, f"Exception {exception.id}: "
                   f"{resolution_word(resolution)}.", "success", 200)


@bp.post("/exceptions/<int:exception_id>/reverse")
@requires("review")
def reverse(exception_id: int):
    """Reverse a wrong decision with a new one (note required); the exception reopens."""
    exception = visible_exception(current_user, exception_id)
    try:
        reverse_resolution(exception, request.form.get("note", ""), user=current_user)
    except DomainError as error:
        return _answer(exception, _refusal(error, exception), "error", error.status)
    return _answer(exception, f"Exception {exception.id}: decision reversed. Decide again.",
                   "success", 200)


def _version() -> int | None:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return None


def _refusal(error: DomainError, exception: ReceivingException) -> str:
    """Why nothing was recorded, in words; for a lost race, who decided first and what."""
    if not isinstance(error, Conflict) or isinstance(error, WrongStep):
        details = "; ".join(d["message"] for d in error.details)
        return f"{error.message} {details}".strip()
    db.session.refresh(exception)
    if exception.state is ExceptionState.RESOLVED and exception.resolutions:
        last = exception.resolutions[-1]
        who = last.resolved_by.username if last.resolved_by else "someone"
        return (f"Not recorded: {who} resolved exception {exception.id} first "
                f"({resolution_word(last.resolution)}: {last.note}). Their decision stands.")
    return (f"Not recorded: exception {exception.id} changed while you were deciding. "
            "Look at it again and decide.")


def _answer(exception: ReceivingException, message: str, category: str, status: int):
    """The refreshed card for htmx; otherwise back to the page the form was on."""
    if is_htmx():
        return render("review/_exception_card.html", "review/_exception_card.html", status,
                      exception=exception, message=message, tone=category, now=utcnow(),
                      back=request.form.get("back", ""))
    flash(message, category)
    response = redirect(_back(exception))
    response.vary.add("HX-Request")
    return response


def _back(exception: ReceivingException) -> str:
    back = request.form.get("back")
    if back == "exception":
        return url_for("review.exception_detail", exception_id=exception.id)
    if back == "queue":
        return url_for("review.exceptions")
    return url_for("review.asn_detail", number=exception.asn.number,
                   seller=exception.asn.seller.code)
