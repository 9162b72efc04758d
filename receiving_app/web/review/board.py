"""The SLA board and the ASNs of the warehouse."""
from flask import render_template, request
from flask_login import current_user

from ...models import utcnow
from ...receiving import find_asn, list_asns
from ...receiving.deliveries import deliveries_of
from ...receiving.history import asn_history
from ...receiving.inspection_levels import receipt_inspection
from ...receiving.sla import sla_board, sla_clock
from ...receiving.summary import asn_lines
from ..decorators import requires
from ..htmx import render
from . import bp
from .queries import asn_exceptions


@bp.get("/")
@requires("review")
def index():
    """The SLA board: every open ASN of the warehouse with its clocks, breached ones first.

    The page polls this URL for the board alone; the clocks tick in between (review.js).
    """
    now = utcnow()
    return render("review/index.html", "review/_sla_board.html",
                  clocks=sla_board(current_user, now), now=now)


@bp.get("/asns")
@requires("review")
def asns():
    """Every ASN of the warehouse, newest first, closed ones too."""
    return render("review/asns.html", "review/_asn_list.html", asns=list_asns(current_user))


@bp.get("/asns/<number>")
@requires("review")
def asn_detail(number: str):
    """One ASN of the warehouse: its clock, lines, cartons and exceptions to resolve.
    ?seller= tells two sellers' ASNs of the same number apart."""
    asn = find_asn(current_user, number, request.args.get("seller"))
    now = utcnow()
    return render_template("review/asn.html", asn=asn, lines=asn_lines(asn),
                           exceptions=asn_exceptions(asn), clock=sla_clock(asn, now), now=now,
                           history=asn_history(asn), deliveries=deliveries_of(asn),
                           inspection=receipt_inspection(asn))
