"""The supervisor's review desk."""
from flask import Blueprint, render_template
from flask_login import current_user

from ...receiving import DomainError, find_asn, list_asns
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
    """One ASN of the warehouse with its cartons, lines and exceptions."""
    try:
        asn = find_asn(current_user, number)
    except DomainError:
        return render_template("error.html", error=None, message=f"No ASN {number}."), 404
    return render_template("asns/detail.html", asn=asn, lines=asn_lines(asn))
