"""The seller's pages: their ASNs, ASN intake by form and by CSV packing list, the receipt
and its evidence (receipts.py), webhooks (webhooks.py), and the language setting."""
import flask_babel
import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, FieldList, FileField, FormField, HiddenField, IntegerField
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...accounts import set_user_locale
from ...errors import DomainError, InvalidInput
from ...extensions import db
from ...models import Warehouse
from ...receiving import list_asns, submit_asns
from ...receiving.intake import validate_asns
from ...receiving.packing_list import PackingList, PackingListError, decode_upload, template_csv
from ..decorators import requires
from ..forms import PageForm
from ..htmx import render

bp = Blueprint("seller", __name__, url_prefix="/seller")
EMPTY_LINES = 8


class LineForm(PageForm):
    class Meta:
        csrf = False  # part of the outer form, which carries the token

    carton = StringField(_l("Carton label"), validators=[Optional(), Length(max=64)])
    sku = StringField(_l("SKU"), validators=[Optional(), Length(max=64)])
    qty = IntegerField(_l("Qty"), validators=[Optional(), NumberRange(min=1)])


class AsnForm(PageForm):
    number = StringField(_l("ASN number"), validators=[DataRequired(), Length(max=64)])
    warehouse = SelectField(_l("Warehouse"), validators=[DataRequired()])
    expected_arrival = DateField(_l("Expected arrival"), validators=[Optional()])
    carrier = StringField(_l("Carrier"), validators=[Optional(), Length(max=80)])
    tracking = StringField(_l("Tracking"), validators=[Optional(), Length(max=120)])
    lines = FieldList(FormField(LineForm), min_entries=EMPTY_LINES)


class UploadForm(PageForm):
    warehouse = SelectField(_l("Warehouse"), validators=[DataRequired()])
    packing_list = FileField(_l("Packing list (CSV)"))


class ConfirmForm(PageForm):
    warehouse = HiddenField()
    csv_text = HiddenField()


def _warehouse_choices() -> list[tuple[str, str]]:
    warehouses = db.session.scalars(sa.select(Warehouse).order_by(Warehouse.code))
    return [(w.code, f"{w.code} · {w.name}") for w in warehouses]


@bp.get("/")
@requires("seller")
def index():
    """The seller's ASNs, newest first."""
    return render("seller/index.html", "seller/_asn_list.html", asns=list_asns(current_user))


@bp.route("/asns/new", methods=["GET", "POST"])
@requires("seller")
def new_asn():
    """Submit one ASN by form: the header and one line per carton content."""
    form = AsnForm()
    form.warehouse.choices = _warehouse_choices()
    errors = []
    if form.validate_on_submit():
        try:
            asn = submit_asns([_payload_from_form(form)], user=current_user)[0]
        except DomainError as error:
            errors = error.details or [{"path": "", "message": error.message}]
        else:
            flash(_("ASN %(number)s submitted with %(n)s cartons.", number=asn.number,
                    n=len(asn.cartons)), "success")
            return redirect(url_for("seller.asn_detail", number=asn.number))
    status = 422 if request.method == "POST" else 200
    return render_template("seller/new_asn.html", form=form, errors=errors,
                           upload=_upload_form()), status


def _payload_from_form(form: AsnForm) -> dict:
    cartons: dict[str, dict] = {}
    for line in form.lines.entries:
        carton, sku, qty = line.carton.data, line.sku.data, line.qty.data
        if not (carton or sku or qty):
            continue
        cartons.setdefault(carton or "", {"label": carton, "contents": []})["contents"].append(
            {"sku": sku, "qty": qty}
        )
    return {
        "number": form.number.data, "warehouse": form.warehouse.data,
        "expected_arrival": form.expected_arrival.data.isoformat()
        if form.expected_arrival.data else None,
        "carrier": form.carrier.data, "tracking": form.tracking.data,
        "cartons": list(cartons.values()),
    }


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.warehouse.choices = _warehouse_choices()
    return form


@bp.post("/asns/upload")
@requires("seller")
def upload_preview():
    """Check an uploaded packing list and show what it will create; nothing is saved yet."""
    form = _upload_form()
    if not form.validate_on_submit() or not request.files.get("packing_list"):
        flash(_("Choose a warehouse and a CSV file."), "error")
        return redirect(url_for("seller.new_asn"))
    try:
        text = decode_upload(request.files["packing_list"].read())
    except PackingListError as error:
        return _preview_page(None, [{"row": None, "message": str(error)}], "", form.warehouse.data)
    return _check_packing_list(text, form.warehouse.data)


@bp.post("/asns/upload/confirm")
@requires("seller")
def upload_confirm():
    """Save the previewed packing list, after checking it again (it may have gone stale)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The preview expired; upload the file again."), "error")
        return redirect(url_for("seller.new_asn"))
    try:
        packing_list = PackingList(form.csv_text.data, warehouse=form.warehouse.data)
    except PackingListError as error:
        return _preview_page(None, [{"row": None, "message": str(error)}], "", form.warehouse.data)
    if packing_list.row_errors:
        return _preview_page(packing_list, packing_list.row_errors, form.csv_text.data,
                             form.warehouse.data)
    try:
        asns = submit_asns(packing_list.payloads, user=current_user)
    except InvalidInput as error:
        return _preview_page(packing_list, packing_list.errors_by_row(error.details),
                             form.csv_text.data, form.warehouse.data)
    except DomainError as error:
        return _preview_page(packing_list, [{"row": None, "message": error.message}],
                             form.csv_text.data, form.warehouse.data)
    flash(_("Submitted %(n)s ASN(s): %(numbers)s", n=len(asns),
            numbers=", ".join(a.number for a in asns)), "success")
    return redirect(url_for("seller.index"))


def _check_packing_list(text: str, warehouse: str):
    try:
        packing_list = PackingList(text, warehouse=warehouse)
    except PackingListError as error:
        return _preview_page(None, [{"row": None, "message": str(error)}], "", warehouse)
    errors = list(packing_list.row_errors)
    drafts = []
    if not errors:
        try:
            drafts = validate_asns(packing_list.payloads, user=current_user)
        except DomainError as error:
            errors = [{"row": None, "message": error.message}]
        else:
            errors = packing_list.errors_by_row([e for d in drafts for e in d.errors])
    return _preview_page(packing_list, errors, text, warehouse, drafts)


def _preview_page(packing_list, errors, text, warehouse, drafts=()):
    confirm = ConfirmForm(formdata=None, warehouse=warehouse, csv_text=text)
    status = 422 if errors else 200
    return render_template("seller/preview.html", packing_list=packing_list, errors=errors,
                           drafts=drafts, confirm=confirm), status


@bp.get("/asns/template.csv")
@requires("seller")
def packing_list_template():
    """A packing-list template with the columns and example rows."""
    return Response(template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=dockside-packing-list.csv"})


@bp.post("/language")
@requires("seller")
def set_language():
    """Save the seller's language ("" follows the browser again)."""
    try:
        set_user_locale(current_user, request.form.get("locale", ""))
    except DomainError:
        flash(_("Choose one of the languages offered."), "error")
    else:
        flask_babel.refresh()  # so the message below is in the language just chosen
        flash(_("Language saved."), "success")
    return redirect(url_for("seller.index"))


from . import inspection, receipts, stock, webhooks  # noqa: E402,F401  (routes)
