"""The evidence pack as downloads, shared by the seller's pages and the API."""
import io
from contextlib import nullcontext

from flask import request, send_file
from flask_babel import force_locale

from ...i18n import SUPPORTED_LOCALES
from ...models import Asn
from ...receiving.evidence_pack import evidence_pdf, lines_csv, receipt_of
from ..photos import photo_storage


def pdf_download(asn: Asn):
    """The evidence PDF, in ?lang= when given (one pack in English for a marketplace case,
    one in Chinese for the office), else in the reader's language."""
    with _requested_language():
        pdf = evidence_pdf(receipt_of(asn), photo_storage())
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{asn.number}-evidence.pdf")


def csv_download(asn: Asn):
    """The lines of the receipt as CSV."""
    data = lines_csv(receipt_of(asn)).encode("utf-8")
    return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True,
                     download_name=f"{asn.number}-lines.csv")


def _requested_language():
    lang = request.args.get("lang")
    return force_locale(lang) if lang in SUPPORTED_LOCALES else nullcontext()
