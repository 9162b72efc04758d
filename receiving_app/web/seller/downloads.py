"""The evidence pack as downloads, shared by the seller's pages and the API."""
import csv
import io
from contextlib import nullcontext

from flask import request, send_file
from flask_babel import force_locale

from ...i18n import SUPPORTED_LOCALES
from ...models import Asn, Claim
from ...receiving.claims import claim_pack_of
from ...receiving.receipt import Receipt, receipt_of
from ..photos import photo_storage
from .claim_pdf import claim_pack_pdf
from .evidence_pdf import evidence_pdf

CSV_COLUMNS = ("asn_number", "sku", "description", "expected", "received", "damaged",
               "missing", "variance")


def pdf_download(asn: Asn):
    """The evidence PDF, in ?lang= when given (one pack in English for a marketplace case,
    one in Chinese for the office), else in the reader's language."""
    with _requested_language():
        pdf = evidence_pdf(receipt_of(asn), photo_storage())
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{asn.number}-evidence.pdf")


def claim_pack_download(claim: Claim):
    """The claim pack PDF, in ?lang= when given, else in the reader's language."""
    with _requested_language():
        pdf = claim_pack_pdf(claim_pack_of(claim), photo_storage())
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"claim-{claim.id}-{claim.asn.number}.pdf")


def csv_download(asn: Asn):
    """The lines of the receipt as CSV."""
    data = lines_csv(receipt_of(asn)).encode("utf-8")
    return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True,
                     download_name=f"{asn.number}-lines.csv")


def lines_csv(receipt: Receipt) -> str:
    """The lines as CSV: one row per SKU, stable English column names for spreadsheets and
    scripts, with a BOM so Excel reads Chinese descriptions as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in receipt.lines:
        writer.writerow([_cell(receipt.asn.number), _cell(line.sku), _cell(line.description),
                         line.expected, line.received, line.damaged, line.missing,
                         line.variance])
    return out.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _requested_language():
    lang = request.args.get("lang")
    return force_locale(lang) if lang in SUPPORTED_LOCALES else nullcontext()
