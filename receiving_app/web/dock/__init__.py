"""The dock worker's phone pages: every step driven by scans, one htmx swap per scan.

Each POST answers htmx with the fragment it swaps; without htmx it redirects back to the
ASN page with the answer as a flash message, so the pages also work without JavaScript.
"""
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint, current_app, flash, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ... import payloads
from ...access import scope_exceptions
from ...barcodes import parse_scan
from ...errors import DomainError
from ...evidence import PhotoRefused, PhotoStorage
from ...extensions import db
from ...models import (
    AsnStatus, CarrierMode, CartonStatus, DocumentKind, ExceptionState, ReceivingException, Role,
)
from ...receiving import (
    ScanResult, arrive_asn, attach_photo, carton_for_putaway, close_receipt, complete_count,
    count_units, find_asn, inspect_carton, list_asns, put_away, raise_exception,
    receive_carton, suggest_location,
)
from ...errors import InvalidInput
from ...receiving.counting import add_delivery, carton_progress
from ...receiving.deliveries import DELIVERY_FIELDS, attach_document, deliveries_of
from ...receiving.inspection_levels import receipt_inspection
from ...receiving.lookup import find_carton
from ...receiving.raising import HAND_RAISED
from ...receiving.uploads import Upload
from ..decorators import requires
from ..htmx import is_htmx, render
from ..idempotency import request_fingerprint

bp = Blueprint("dock", __name__, url_prefix="/dock")


@bp.get("/")
@requires("dock")
def index():
    """The open ASNs of the worker's warehouse, sized for a phone; scan one to start."""
    asns = list_asns(current_user, open_only=True)
    return render("dock/index.html", "dock/_asn_list.html", asns=asns)


@bp.post("/find")
@requires("dock")
def find():
    """Scan or type an ASN number to open it."""
    number = (request.form.get("code") or "").strip()
    try:
        asn = find_asn(current_user, number)
    except DomainError:
        flash(f"No open ASN {number}.", "error")
        return _redirect(url_for("dock.index"))
    return _redirect(url_for("dock.asn", number=asn.number))


def _asn(number: str):
    return find_asn(current_user, number)


def _redirect(location: str):
    """A redirect that htmx follows as a page change too."""
    if is_htmx():
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location)


def _blind(asn) -> bool:
    return current_user.role is Role.DOCK and asn.warehouse.blind_receiving


def _flow_context(asn, **extra) -> dict:
    cartons = asn.cartons
    to_open = [c for c in cartons if c.status is CartonStatus.RECEIVED
               and (c.in_sample or c.recount_requested) and c.inspected_at is None]
    on_dock = [c for c in cartons if c.status is CartonStatus.RECEIVED]
    exceptions = db.session.scalars(
        sa.select(ReceivingException).where(ReceivingException.asn_id == asn.id)
        .order_by(ReceivingException.state, ReceivingException.id)).all()
    return dict(asn=asn, progress=carton_progress(asn), to_open=to_open, on_dock=on_dock,
                exceptions=exceptions, hand_kinds=sorted(k.value for k in HAND_RAISED),
                blind=_blind(asn), Status=AsnStatus, State=ExceptionState,
                deliveries=deliveries_of(asn), document_kinds=list(DocumentKind),
                inspection=receipt_inspection(asn),
                carrier_modes=list(CarrierMode), **extra)


def _flow(asn, status: int = 200, **extra):
    return render("dock/asn.html", "dock/_flow.html", status, **_flow_context(asn, **extra))


def _after_step(asn, message: str, tone: str = "ok", status: int = 200):
    """Answer a step: the refreshed flow panel for htmx, else back to the page."""
    if is_htmx():
        return _flow(asn, status, result=ScanResult("step", message, tone=tone))
    flash(message, "success" if tone == "ok" else "error")
    return redirect(url_for("dock.asn", number=asn.number))


def _scan_key() -> tuple[str | None, datetime | None]:
    key = (request.form.get("key") or "").strip() or None
    try:
        client_time = payloads.client_time(request.form.get("client_time"), "client_time")
    except InvalidInput:  # a phone's wild clock: the scan counts, its time is not kept
        client_time = None
    return key, client_time


def with_feedback(response, result: ScanResult):
    """Tell the phone which sound and vibration the answer deserves (ok, warn, error), and
    when a refusal is worth sending again (Retry-After: the offline queue keeps the scan)."""
    response.headers["HX-Trigger"] = f'{{"scan-{result.tone}": ""}}'
    if result.retry_after is not None:
        response.headers["Retry-After"] = str(result.retry_after)
    return response


def flash_result(result: ScanResult) -> None:
    """A scan's answer as a flash message, for the page without htmx."""
    flash(result.message, {"ok": "success", "warn": "info"}.get(result.tone, "error"))


def _scan_answer(asn, result: ScanResult, fragment: str, status: int = 200, **context):
    """A scan's answer: the result fragment for htmx (with the progress out of band)."""
    if is_htmx():
        # the receive use case already counted progress in its transaction
        progress = result.data.get("progress") or carton_progress(asn)
        response = render(fragment, fragment, status, asn=asn, result=result,
                          progress=progress, **context)
        return with_feedback(response, result)
    flash_result(result)
    return redirect(request.form.get("next") or url_for("dock.asn", number=asn.number))


@bp.get("/asns/<number>")
@requires("dock")
def asn(number: str):
    """One ASN on the dock: where it stands and what to scan next."""
    try:
        asn = _asn(number)
    except DomainError:
        return render_template("error.html", error=None, message=f"No ASN {number}."), 404
    return _flow(asn)


@bp.post("/asns/<number>/arrive")
@requires("dock")
def arrive(number: str):
    """Check the truck in with the carton count on its paperwork, its seal and trailer, and
    (one tap) a photo of the delivery receipt."""
    asn = _asn(number)
    paperwork = _whole_number(request.form.get("paperwork_cartons", ""))
    try:
        asn = arrive_asn(asn, paperwork, user=current_user, receipt=_upload("receipt"),
                         **_delivery_fields())
    except PhotoRefused as refused:
        return _after_step(asn, _("Photo refused: %(why)s", why=refused), "error",
                           refused.status)
    except DomainError as error:
        return _after_step(asn, error.message, "error", error.status)
    return _after_step(asn, f"Checked in: {paperwork} cartons on the paperwork. Start scanning.")


@bp.post("/asns/<number>/deliveries")
@requires("dock")
def delivery(number: str):
    """Another truck for this ASN: its paperwork is the next delivery."""
    asn = _asn(number)
    paperwork = _whole_number(request.form.get("paperwork_cartons", ""))
    try:
        added = add_delivery(asn, paperwork, user=current_user, **_delivery_fields())
    except DomainError as error:
        return _after_step(asn, error.message, "error", error.status)
    return _after_step(asn, _("Delivery %(n)s checked in: scan its cartons.", n=added.number))


@bp.post("/asns/<number>/documents")
@requires("dock")
def document(number: str):
    """A photo of a delivery document (receipt, bill of lading, seal, trailer) for the
    latest truck."""
    asn = _asn(number)
    photo = _upload("photo")
    if photo is None:
        return _after_step(asn, _("Take or choose a photo first."), "error", 422)
    try:
        attach_document(asn, request.form.get("kind", ""), photo, user=current_user)
    except PhotoRefused as refused:
        return _after_step(asn, _("Photo refused: %(why)s", why=refused), "error",
                           refused.status)
    except DomainError as error:
        return _after_step(asn, error.message, "error", error.status)
    return _after_step(asn, _("Document saved."))


def _whole_number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _delivery_fields() -> dict:
    return {name: request.form[name] for name in DELIVERY_FIELDS if request.form.get(name)}


def _upload(field: str) -> Upload | None:
    """The photo the form sent in `field`, or None when none was taken."""
    sent = request.files.get(field)
    if sent is None or not sent.filename and not sent.content_length:
        return None
    # A photo taken offline arrives later: the phone's time says when it was taken.
    _key, taken_at = _scan_key()
    return Upload(sent.read(), sent.filename or "", PhotoStorage(
        Path(current_app.config["PHOTO_ROOT"])), current_app.config["MAX_CONTENT_LENGTH"],
        taken_at)


@bp.post("/asns/<number>/receive")
@requires("dock")
def receive(number: str):
    """One carton label scanned during the count."""
    asn = _asn(number)
    key, client_time = _scan_key()
    try:
        result = receive_carton(asn, request.form.get("code", ""), user=current_user, key=key,
                                fingerprint=request_fingerprint(), client_time=client_time)
    except DomainError as error:
        return _scan_answer(asn, ScanResult.refused(error), "dock/_scan_result.html",
                            error.status)
    return _scan_answer(asn, result, "dock/_scan_result.html")


@bp.post("/asns/<number>/count/complete")
@requires("dock")
def count_complete(number: str):
    """Finish the count: missing cartons become exceptions and the sample is drawn."""
    asn = _asn(number)
    try:
        result = complete_count(asn, user=current_user)
    except DomainError as error:
        return _after_step(asn, error.message, "error", error.status)
    message = f"Count done: {result['received']} received, {len(result['missing'])} missing."
    if result["paperwork_cartons"] is not None and not result["paperwork_matches"]:
        message += f" The paperwork says {result['paperwork_cartons']}."
    if result["sample"]:
        message += f" Open {len(result['sample'])} carton(s) ({result['inspection']['reason']})."
    return _after_step(asn, message, "ok" if not result["missing"] else "warn")


@bp.post("/asns/<number>/open")
@requires("dock")
def open_scanned(number: str):
    """Scan a carton label to open it for counting."""
    asn = _asn(number)
    code = (request.form.get("code") or "").strip()
    carton = find_carton(asn, parse_scan(code))
    if carton is None:
        return _after_step(asn, f"No carton {code} on this ASN.", "error", 404)
    return _redirect(url_for("dock.carton", number=asn.number, label=carton.label))


@bp.get("/asns/<number>/cartons/<path:label>")
@requires("dock")
def carton(number: str, label: str):
    """An opened carton: scan its units, mark damaged ones, finish the count."""
    asn = _asn(number)
    carton = next((c for c in asn.cartons if c.label == label), None)
    if carton is None:
        return render_template("error.html", error=None, message=f"No carton {label}."), 404
    return render("dock/carton.html", "dock/_carton_count.html", asn=asn, carton=carton,
                  blind=_blind(asn), result=None)


@bp.post("/asns/<number>/cartons/<path:label>/units")
@requires("dock")
def units(number: str, label: str):
    """One unit scanned in an opened carton, or one scan with a typed count."""
    asn = _asn(number)
    key, client_time = _scan_key()
    try:
        qty = int(request.form.get("qty") or 1)
    except ValueError:
        qty = 0
    try:
        result = count_units(asn, label, request.form.get("code", ""), user=current_user,
                             qty=qty, damaged=request.form.get("damaged") == "on", key=key,
                             fingerprint=request_fingerprint(), client_time=client_time)
        status = 200
    except DomainError as error:
        result, status = ScanResult.refused(error), error.status
    carton = next((c for c in asn.cartons if c.label == label), None)
    if not is_htmx():
        flash_result(result)
        return redirect(url_for("dock.carton", number=asn.number, label=label))
    response = render("dock/_carton_count.html", "dock/_carton_count.html", status, asn=asn,
                      carton=carton, blind=_blind(asn), result=result)
    return with_feedback(response, result)


@bp.post("/asns/<number>/cartons/<path:label>/inspect")
@requires("dock")
def inspect(number: str, label: str):
    """Finish counting the carton and compare it with the packing list."""
    asn = _asn(number)
    try:
        result = inspect_carton(asn, label, user=current_user)
    except DomainError as error:
        flash(error.message, "error")
        return _redirect(url_for("dock.carton", number=asn.number, label=label))
    if result["exceptions"]:
        kinds = ", ".join(e["kind"].replace("_", " ") for e in result["exceptions"])
        flash(f"{label}: {kinds}. Photograph each exception below.", "error")
    else:
        flash(f"{label} matches the packing list.", "success")
    if result["escalated"]:
        flash(f"{len(result['escalated'])} more carton(s) added to the sample.", "info")
    return _redirect(url_for("dock.asn", number=asn.number))


@bp.post("/asns/<number>/putaway/carton")
@requires("dock")
def putaway_carton(number: str):
    """First putaway scan: the carton. Answers where it should go."""
    asn = _asn(number)
    code = request.form.get("code", "")
    try:
        carton = carton_for_putaway(asn, code)
    except DomainError as error:
        return _putaway_answer(asn, None, ScanResult.refused(error), error.status)
    suggestion = suggest_location(asn, carton)
    where = f" Suggested: {suggestion.barcode}." if suggestion else ""
    result = ScanResult("selected", f"{carton.label}: scan the location.{where}", tone="ok",
                        carton=carton.label)
    return _putaway_answer(asn, carton, result, suggestion=suggestion)


@bp.post("/asns/<number>/putaway")
@requires("dock")
def putaway(number: str):
    """Second putaway scan: the location. Moves the carton's units onto it."""
    asn = _asn(number)
    key, client_time = _scan_key()
    label = request.form.get("carton", "")
    try:
        result = put_away(asn, label, request.form.get("code", ""), user=current_user, key=key,
                          fingerprint=request_fingerprint(), client_time=client_time)
    except DomainError as error:
        carton = next((c for c in asn.cartons if c.label == label), None)
        return _putaway_answer(asn, carton, ScanResult.refused(error), error.status)
    return _putaway_answer(asn, None, result)


def _putaway_answer(asn, carton, result: ScanResult, status: int = 200, suggestion=None):
    if not is_htmx():
        flash_result(result)
        return redirect(url_for("dock.asn", number=asn.number))
    response = render("dock/_putaway.html", "dock/_putaway.html", status, asn=asn,
                      carton=carton, result=result, suggestion=suggestion,
                      on_dock=[c for c in asn.cartons if c.status is CartonStatus.RECEIVED])
    return with_feedback(response, result)


@bp.post("/asns/<number>/exceptions")
@requires("dock")
def new_exception(number: str):
    """Raise an exception by hand: a damaged outer carton, an unreadable label ..."""
    asn = _asn(number)
    qty_text = (request.form.get("qty") or "").strip()
    try:
        qty = int(qty_text) if qty_text else None
    except ValueError:
        qty = -1
    try:
        exception = raise_exception(
            asn, request.form.get("kind", ""), user=current_user,
            carton_label=(request.form.get("carton") or "").strip() or None,
            sku=(request.form.get("sku") or "").strip() or None, qty=qty,
            note=request.form.get("note", ""),
        )
    except DomainError as error:
        details = "; ".join(d["message"] for d in error.details)
        return _after_step(asn, f"{error.message} {details}".strip(), "error", error.status)
    return _after_step(asn, f"Exception {exception.kind.value.replace('_', ' ')} raised: "
                            "add a photo to submit it.", "warn")


@bp.post("/exceptions/<int:exception_id>/photos")
@requires("dock")
def photo(exception_id: int):
    """A photo of an exception, from the phone camera; the first one submits it."""
    exception = db.session.scalar(scope_exceptions(sa.select(ReceivingException), current_user)
                                  .where(ReceivingException.id == exception_id))
    if exception is None:
        return render_template("error.html", error=None, message="No such exception."), 404
    asn = exception.asn
    upload = request.files.get("photo")
    if upload is None or not upload.filename and not upload.content_length:
        return _after_step(asn, "Take or choose a photo first.", "error", 422)
    # A photo taken offline arrives later: the phone's time says when it was taken.
    _key, taken_at = _scan_key()
    try:
        attach_photo(exception, upload.read(), upload.filename or "", user=current_user,
                     storage=PhotoStorage(Path(current_app.config["PHOTO_ROOT"])),
                     max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
                     client_taken_at=taken_at)
    except PhotoRefused as refused:
        return _after_step(asn, f"Photo refused: {refused}", "error", refused.status)
    except DomainError as error:
        return _after_step(asn, error.message, "error", error.status)
    return _after_step(asn, "Photo saved; the exception is submitted.")


@bp.post("/asns/<number>/close")
@requires("dock")
def close(number: str):
    """Close the receipt: everything put away, no exception open."""
    asn = _asn(number)
    try:
        close_receipt(asn, user=current_user)
    except DomainError as error:
        return _after_step(asn, error.message, "error", error.status)
    return _after_step(asn, f"ASN {asn.number} closed.")


from . import counts  # noqa: E402,F401  (routes)
