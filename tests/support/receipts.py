"""A closed receipt with every kind of exception the dock can raise, built in one line."""
import io
from pathlib import Path

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from receiving_app.evidence import PhotoStorage
from receiving_app.extensions import db
from receiving_app.models import Asn, CartonStatus, ExceptionKind, ReceivingException
from receiving_app.receiving import (
    attach_photo, close_receipt, complete_count, inspect_carton, put_away, raise_exception,
    receive_carton, resolve_exception,
)
from tests.support.builders import arrived, jpeg_bytes, submit, user
from tests.support.images import barcode

MUG, LID = "ACME-MUG-01", "ACME-LID-02"
# What the dock finds in each opened carton (ten mugs declared in each).
COUNTS = {
    "C1": [{"sku": MUG, "qty": 8}],                                   # short 2
    "C2": [{"sku": MUG, "qty": 12}],                                  # over 2
    "C3": [{"sku": MUG, "qty": 0}, {"sku": LID, "qty": 10}],          # lids, not mugs
    "C4": [{"sku": MUG, "qty": 10}, {"sku": LID, "qty": 3}],          # undeclared mixed
    "C5": [{"sku": MUG, "qty": 10, "damaged": 2}],                    # two broken
}
RESOLUTIONS = {
    ExceptionKind.DAMAGED: "carrier_claim",
    ExceptionKind.DUPLICATE_LABEL: "reject",
    ExceptionKind.UNREADABLE_LABEL: "reject",
}
STRANGER = "STRANGER-99"


def label_photo(text: str = STRANGER) -> bytes:
    """A photo of a Code 128 label, so the evidence carries a decoded barcode."""
    code = barcode(text, zxingcpp.BarcodeFormat.Code128)
    code = code.resize((code.width * 6, 240), Image.Resampling.NEAREST)
    canvas = Image.new("L", (code.width + 200, 480), 255)
    canvas.paste(code, (100, 120))
    buffer = io.BytesIO()
    canvas.convert("RGB").save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def receipt_with_every_kind_of_exception(app, number: str = "R-ALL") -> Asn:
    """Six cartons of ten mugs on the ASN, seven on the carrier's paperwork. C6 never comes and
    a carton nobody declared does; C1 is two short, C2 two over, C3 holds lids instead of mugs,
    C4 three lids besides its mugs, C5 two broken mugs; a duplicate label and an unreadable one
    are raised by hand and rejected. Everything is photographed, decided, put away, closed."""
    asn = submit(number, {f"C{n}": {MUG: 10} for n in range(1, 7)})
    arrived(asn, paperwork=7)
    dock = user("dock")
    for label in ["C1", "C2", "C3", "C4", "C5", "C1", STRANGER]:
        receive_carton(asn, label, user=dock)
    complete_count(asn, user=dock)
    while todo := [c for c in asn.cartons if c.in_sample and c.status is CartonStatus.RECEIVED
                   and c.inspected_at is None]:
        inspect_carton(asn, todo[0].label, user=dock, counts=COUNTS[todo[0].label])
    raise_exception(asn, "duplicate_label", user=dock, carton_label="C2",
                    note="Two cartons carry this label.")
    raise_exception(asn, "unreadable_label", user=dock, carton_label="SMUDGED",
                    note="Label torn off.")
    storage = PhotoStorage(Path(app.config["PHOTO_ROOT"]))
    for n, exception in enumerate(exceptions_of(asn)):
        photo = label_photo() if exception.kind is ExceptionKind.UNEXPECTED_CARTON else \
            jpeg_bytes(color=(40 + n * 10, 90, 160))
        attach_photo(exception, photo, "evidence.jpg", user=dock, storage=storage,
                     max_bytes=app.config["MAX_CONTENT_LENGTH"])
        resolve_exception(exception, RESOLUTIONS.get(exception.kind, "accept"),
                          "Checked on the dock.", user=user("supervisor"))
    for bay, carton in enumerate(c for c in asn.cartons if c.status is CartonStatus.RECEIVED):
        put_away(asn, carton.label, f"LAX1-A-02-0{bay % 4 + 1}", user=dock)
    close_receipt(asn, user=user("supervisor"))
    db.session.expire_all()
    return db.session.get(Asn, asn.id)


def exceptions_of(asn: Asn) -> list[ReceivingException]:
    return list(db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id).order_by(ReceivingException.id)))
