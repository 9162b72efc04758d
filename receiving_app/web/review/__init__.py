"""The supervisor's review desk."""
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...access import scope_exceptions
from ...extensions import db
from ...models import ReceivingException
from ...receiving import DomainError, find_asn, list_asns, resolve_exception
from ...receiving.summary import asn_lines
from ..decorators import requires
from ..htmx import render

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/")
@requires("review")
def index():
    """Every ASN of the supervisor's warehouse, newest first."""
    return render("review/index.html", "review/_asn_list.html", asns=list_asns(current_user))


@bp.get("/asns/<number>")
@requires("review")
def asn_detail(number: str):
    """One ASN of the warehouse with its cartons, lines and exceptions to resolve."""
    try:
        asn = find_asn(current_user, number)
    except DomainError:
        return render_template("error.html", error=None, message=f"No ASN {number}."), 404
    return render_template("asns/detail.html", asn=asn, lines=asn_lines(asn),
                           exceptions=_exceptions(asn), resolvable=True)


def _exceptions(asn) -> list[ReceivingException]:
    return list(db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id).order_by(ReceivingException.id)))


@bp.post("/exceptions/<int:exception_id>/resolve")
@requires("review")
def resolve(exception_id: int):
    """Resolve an exception with a note; a stale form (someone resolved it first) is told."""
    exception = db.session.scalar(scope_exceptions(sa.select(ReceivingException), current_user)
                                  .where(ReceivingException.id == exception_id))
    if exception is None:
        return render_template("error.html", error=None, message="No such exception."), 404
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version = None
    try:
        resolve_exception(exception, request.form.get("resolution", ""),
                          request.form.get("note", ""), user=current_user,
                          expected_version=version)
    except DomainError as error:
        details = "; ".join(d["message"] for d in error.details)
        flash(f"{error.message} {details}".strip(), "error")
    else:
        flash(f"Exception {exception.id} resolved: {request.form.get('resolution')}.", "success")
    return redirect(url_for("review.asn_detail", number=exception.asn.number))
