"""The claims board: every claim against a carrier, nearest deadline first, and one claim
with its evidence, its history and the form that records its progress."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import DomainError
from ...models import ClaimStatus, utcnow
from ...receiving.claim_states import CLAIM_TRANSITIONS
from ...receiving.claims import URGENT_DAYS, days_left, find_claim, list_claims, update_claim
from ..decorators import requires
from ..htmx import render
from ..seller.downloads import claim_pack_download
from . import bp


@bp.get("/claims")
@requires("review")
def claims():
    """Claims against carriers: the ones still to file first, nearest deadline first, with
    the business days left (red under two)."""
    now = utcnow()
    claims = list_claims(current_user, request.args.get("state") or None)
    return render("review/claims.html", "review/_claim_list.html", claims=claims,
                  days_left={c.id: days_left(c, now) for c in claims}, urgent=URGENT_DAYS,
                  statuses=list(ClaimStatus), state=request.args.get("state", ""))


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@requires("review")
def claim(claim_id: int):
    """One claim: its delivery and documents, its exceptions, its history; the form records
    its progress (status, amount, reference, a note)."""
    claim = find_claim(current_user, claim_id)
    status = 200
    if request.method == "POST":
        values = {name: request.form[name] for name in ("status", "currency", "reference",
                                                        "note") if name in request.form}
        if "amount" in request.form:
            values["amount"] = request.form["amount"].strip() or None
        if not values.get("currency"):
            values["currency"] = None
        if request.form.get("version", "").isdigit():
            values["version"] = int(request.form["version"])
        try:
            update_claim(claim, values, user=current_user)
        except DomainError as error:
            details = "; ".join(f"{d['path']}: {d['message']}" for d in error.details)
            flash(f"{error.message} {details}".strip(), "error")
            claim, status = find_claim(current_user, claim_id), error.status
        else:
            flash(_("Claim %(id)s saved.", id=claim.id), "success")
            return redirect(url_for("review.claim", claim_id=claim.id))
    return render_template(
        "review/claim.html", claim=claim, left=days_left(claim), urgent=URGENT_DAYS,
        next_statuses=[claim.status, *sorted(CLAIM_TRANSITIONS[claim.status] - {
            ClaimStatus.WITHDRAWN})]), status


@bp.get("/claims/<int:claim_id>/pack.pdf")
@requires("review")
def claim_pack(claim_id: int):
    """The claim pack, the PDF for the carrier's claim form."""
    return claim_pack_download(find_claim(current_user, claim_id))
