"""The seller's receipt view, its evidence pack, and disputes on a closed receipt."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import DomainError
from ...models import Asn
from ...receiving import find_asn
from ...receiving.disputes import dispute_line
from ...receiving.receipt import receipt_of
from ..decorators import requires
from . import bp
from .downloads import csv_download, pdf_download


def own_asn(number: str) -> Asn:
    """The seller's ASN; another seller's number is "not found", exactly like none."""
    try:
        return find_asn(current_user, number)
    except DomainError:
        abort(make_response(render_template(
            "error.html", error=None, message=_("No ASN %(number)s.", number=number)), 404))


@bp.get("/asns/<number>")
@requires("seller")
def asn_detail(number: str):
    """The receipt: stages and SLA, lines, cartons, exceptions with photos, the scan log."""
    asn = own_asn(number)
    return render_template("seller/receipt.html", receipt=receipt_of(asn), asn=asn)


@bp.get("/asns/<number>/evidence.pdf")
@requires("seller")
def evidence_pack(number: str):
    """The claim-ready PDF of one receipt."""
    return pdf_download(own_asn(number))


@bp.get("/asns/<number>/lines.csv")
@requires("seller")
def lines(number: str):
    """The receipt's lines as CSV."""
    return csv_download(own_asn(number))


@bp.post("/asns/<number>/disputes")
@requires("seller")
def dispute(number: str):
    """Contest one line of a closed receipt with a note; it goes to the review desk."""
    asn = own_asn(number)
    try:
        dispute_line(asn, request.form.get("sku", ""), request.form.get("note", ""),
                     user=current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Dispute sent to the warehouse. Its answer will appear on this page."),
              "success")
    return redirect(url_for("seller.asn_detail", number=number, _anchor="lines"))
