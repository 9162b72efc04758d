"""The dock worker's phone pages."""
from flask import Blueprint, render_template
from flask_login import current_user

from ...receiving import DomainError, find_asn, list_asns
from ...receiving.summary import asn_lines
from ..decorators import requires
from ..htmx import render

bp = Blueprint("dock", __name__, url_prefix="/dock")


@bp.get("/")
@requires("dock")
def index():
    """The open ASNs of the worker's warehouse, sized for a phone."""
    asns = list_asns(current_user, open_only=True)
    return render("dock/index.html", "dock/_asn_list.html", asns=asns)


@bp.get("/asns/<number>")
@requires("dock")
def asn(number: str):
    """One ASN on the dock: where it stands and what to scan next."""
    try:
        asn = find_asn(current_user, number)
    except DomainError:
        return render_template("error.html", error=None, message=f"No ASN {number}."), 404
    return render_template("asns/detail.html", asn=asn, lines=asn_lines(asn))
