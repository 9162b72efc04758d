"""What the truck brought: each delivery's paperwork (cartons, seal, trailer, carrier) and
its documents (delivery receipt, bill of lading, seal and trailer photos).

The first delivery is the check-in (counting.arrive_asn); a second truck for the same ASN
is counting.add_delivery. Documents go through the same photo intake as exception photos.
"""
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..errors import InvalidInput, NotFound, WrongStep
from ..evidence import StoredPhoto
from ..extensions import db
from ..models import (
    Asn, AsnStatus, CarrierMode, Delivery, DocumentKind, Photo, StepName, User,
)
from ..payloads import Payload, checked, one_of, text, whole_number
from .history import record_step
from .uploads import Upload, store_photo

MAX_PAPERWORK_CARTONS = 1_000_000
# The optional fields of a delivery, as the API and the forms name them.
DELIVERY_FIELDS = ("seal_number", "trailer", "carrier", "mode")
MODES = frozenset(m.value for m in CarrierMode)


class DeliveryIn(Payload):
    """A truck's paperwork, as the check-in and a later delivery send it."""

    paperwork_cartons: whole_number(0, MAX_PAPERWORK_CARTONS, "a whole number, 0 or more")
    seal_number: text(64) = ""
    trailer: text(64) = ""
    carrier: text(80) = ""
    mode: one_of(lambda: MODES, "one of " + ", ".join(m.value for m in CarrierMode)) | None = None


class DocumentIn(Payload):
    """What a delivery document photo shows, and which truck's it is."""

    kind: one_of(lambda: {k.value for k in DocumentKind},
                 "one of " + ", ".join(k.value for k in DocumentKind))
    delivery: whole_number(1, 10_000, "a delivery's number", form=True) | None = None


@dataclass(frozen=True)
class Paperwork:
    """A delivery's paperwork, checked."""

    paperwork_cartons: int
    seal_number: str
    trailer: str
    carrier: str
    mode: CarrierMode


def read_paperwork(paperwork_cartons: object, fields: Mapping[str, object], *,
                   default_carrier: str = "") -> Paperwork:
    """Check a delivery's paperwork; InvalidInput lists every bad field."""
    data = {"paperwork_cartons": paperwork_cartons,
            **{name: fields[name] for name in DELIVERY_FIELDS if name in fields}}
    try:
        delivery = checked(DeliveryIn, data, "The delivery has errors.")
    except InvalidInput as refused:
        if refused.details[0]["path"] == "paperwork_cartons":
            raise InvalidInput("Enter the number of cartons on the delivery paperwork.",
                               refused.details) from None
        raise
    return Paperwork(delivery.paperwork_cartons, delivery.seal_number, delivery.trailer,
                     delivery.carrier or default_carrier,
                     CarrierMode(delivery.mode or CarrierMode.LTL))


def new_delivery(asn: Asn, paperwork: Paperwork, *, user: User, at: datetime) -> Delivery:
    """The ASN's next delivery with its check-in step (the calling use case commits)."""
    number = 1 + (db.session.scalar(sa.select(sa.func.max(Delivery.number))
                                    .where(Delivery.asn_id == asn.id)) or 0)
    delivery = Delivery(asn_id=asn.id, number=number, arrived_at=at, checked_in_by_id=user.id,
                        paperwork_cartons=paperwork.paperwork_cartons,
                        seal_number=paperwork.seal_number, trailer=paperwork.trailer,
                        carrier=paperwork.carrier, mode=paperwork.mode)
    db.session.add(delivery)
    record_step(asn, StepName.CHECKED_IN, user, at=at, delivery=delivery)
    return delivery


def deliveries_of(asn: Asn) -> list[Delivery]:
    """The ASN's deliveries, first truck first."""
    return list(db.session.scalars(sa.select(Delivery).where(Delivery.asn_id == asn.id)
                                   .order_by(Delivery.number)))


def delivery_at(asn: Asn, moment: datetime) -> Delivery | None:
    """The delivery whose truck had arrived last by `moment` (the first one before it)."""
    query = sa.select(Delivery).where(Delivery.asn_id == asn.id)
    return db.session.scalar(query.where(Delivery.arrived_at <= moment)
                             .order_by(Delivery.number.desc()).limit(1)) or \
        db.session.scalar(query.order_by(Delivery.number).limit(1))


def attach_document(asn: Asn, kind: str, upload: Upload, *, user: User,
                    delivery_number: object = None) -> Photo:
    """Photograph a delivery document (`kind`: pod, bol, seal, trailer, other) onto a
    delivery (its number, as a form may send it; the latest by default). The photo is
    checked, cleaned and stored as an exception's photo is (PhotoRefused: nothing written);
    the same photo again on the same delivery is the same document."""
    document = checked(DocumentIn, {"kind": kind, "delivery": delivery_number},
                       "The document has errors.")
    delivery = _delivery_for_documents(asn, document.delivery)
    stored = store_photo(upload)
    photo = document_row(delivery, DocumentKind(document.kind), stored, user,
                         upload.client_taken_at)
    db.session.commit()
    return photo


def document_row(delivery: Delivery, kind: DocumentKind, stored: StoredPhoto, user: User,
                 client_taken_at: datetime | None = None) -> Photo:
    """The document's row (the calling use case commits); an existing one for the same
    photo of the same kind on the same delivery, so a replayed upload adds nothing."""
    same = db.session.scalar(sa.select(Photo).where(
        Photo.delivery_id == delivery.id, Photo.document_kind == kind,
        Photo.sha256 == stored.sha256))
    if same is not None:
        return same
    photo = Photo(
        public_id=secrets.token_hex(16), sha256=stored.sha256, asn_id=delivery.asn_id,
        delivery_id=delivery.id, document_kind=kind, width=stored.width,
        height=stored.height, bytes=stored.bytes, content_type=stored.content_type,
        barcodes=stored.barcodes, uploaded_by_id=user.id, taken_at=stored.received_at,
        client_taken_at=client_taken_at,
    )
    db.session.add(photo)
    return photo


def _delivery_for_documents(asn: Asn, number: int | None) -> Delivery:
    if asn.status is AsnStatus.CANCELLED:
        raise WrongStep(f"ASN {asn.number} is cancelled.")
    deliveries = deliveries_of(asn)
    if not deliveries:
        raise WrongStep(f"ASN {asn.number} has not arrived: check the truck in first.")
    if number is None:
        return deliveries[-1]
    found = next((d for d in deliveries if d.number == number), None)
    if found is None:
        raise NotFound(f"ASN {asn.number} has no delivery {number}.")
    return found
