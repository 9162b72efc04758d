"""JSON shapes of the API. Fields are a contract: add, never rename."""
import sqlalchemy as sa
from flask import url_for

from ...extensions import db
from ...models import Asn, Delivery, Photo, ReceivingException
from ...receiving.deliveries import deliveries_of
from ...receiving.history import asn_history
from ...receiving.summary import asn_cartons, asn_lines


def iso(value):
    return value.isoformat() if value is not None else None


def asn_json(asn: Asn, *, blind: bool = False) -> dict:
    """The ASN; `blind` (a dock worker in a blind-receiving warehouse) hides declared
    quantities, so the count is what the worker saw, not what the paperwork said."""
    cartons = asn_cartons(asn)
    body = {
        "number": asn.number,
        "seller": asn.seller.code,
        "warehouse": asn.warehouse.code,
        "status": asn.status.value,
        "expected_arrival": iso(asn.expected_arrival),
        "carrier": asn.carrier,
        "tracking": asn.tracking,
        "paperwork_cartons": asn.paperwork_cartons,
        "submitted_at": iso(asn.submitted_at),
        "arrived_at": iso(asn.arrived_at),
        "counted_at": iso(asn.counted_at),
        "inspected_at": iso(asn.inspected_at),
        "put_away_at": iso(asn.put_away_at),
        "closed_at": iso(asn.closed_at),
        "sla_due_at": iso(asn.sla_due_at),
        "cartons": [
            {
                "label": carton.label,
                "sscc": carton.sscc,
                "status": carton.status.value,
                "in_sample": carton.in_sample,
                "opened": carton.opened,
                "location": carton.location,
                "contents": [
                    {"sku": c.sku, "qty": c.declared, "counted": c.counted, "damaged": c.damaged}
                    for c in carton.contents
                ],
            }
            for carton in cartons
        ],
        "lines": [
            {"sku": line.sku, "expected": line.expected, "received": line.received,
             "damaged": line.damaged, "missing": line.missing, "variance": line.variance}
            for line in asn_lines(asn, cartons)
        ],
        "exceptions": [exception_json(e) for e in _exceptions_of(asn)],
        "deliveries": [delivery_json(d) for d in deliveries_of(asn)],
        "history": [{"step": entry.step.value, "at": iso(entry.at), "by": entry.by,
                     "delivery": entry.delivery} for entry in asn_history(asn)],
    }
    if blind:
        for carton in body["cartons"]:
            for content in carton["contents"]:
                content["qty"] = None
        for line in body["lines"]:
            line["expected"] = line["missing"] = line["variance"] = None
        for exception in body["exceptions"]:
            exception["expected_qty"] = exception["qty"] = None
    return body


def _exceptions_of(asn: Asn) -> list[ReceivingException]:
    return list(db.session.scalars(
        sa.select(ReceivingException).where(ReceivingException.asn_id == asn.id)
        .order_by(ReceivingException.id)
    ))


def exception_json(exception: ReceivingException) -> dict:
    return {
        "id": exception.id,
        "asn": exception.asn.number,
        "kind": exception.kind.value,
        "state": exception.state.value,
        "version": exception.version,
        "claim": exception.claim_flag,
        "carton": exception.carton.label if exception.carton else exception.carton_label or None,
        "sku": exception.sku.code if exception.sku else None,
        "expected_qty": exception.expected_qty,
        "found_qty": exception.found_qty,
        "qty": exception.difference,
        "note": exception.note,
        "raised_at": iso(exception.raised_at),
        "raised_by": exception.raised_by.username if exception.raised_by else None,
        "due_at": iso(exception.due_at),
        "resolved_at": iso(exception.resolved_at),
        "resolutions": [
            {"resolution": r.resolution.value, "note": r.note, "at": iso(r.resolved_at),
             "by": r.resolved_by.username if r.resolved_by else None}
            for r in exception.resolutions
        ],
        "photos": [photo_json(p) for p in exception.photos],
    }


def photo_json(photo: Photo) -> dict:
    return {
        "id": photo.public_id,
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "taken_at": iso(photo.taken_at),
        "url": url_for("photos.full", public_id=photo.public_id, _external=False),
        "thumbnail_url": url_for("photos.thumbnail", public_id=photo.public_id),
        "barcodes": photo.barcodes,
    }


def delivery_json(delivery: Delivery) -> dict:
    return {
        "number": delivery.number,
        "arrived_at": iso(delivery.arrived_at),
        "checked_in_by": delivery.checked_in_by.username if delivery.checked_in_by else None,
        "paperwork_cartons": delivery.paperwork_cartons,
        "seal_number": delivery.seal_number,
        "trailer": delivery.trailer,
        "carrier": delivery.carrier,
        "mode": delivery.mode.value,
        "documents": [document_json(p) for p in delivery.documents],
    }


def document_json(photo: Photo) -> dict:
    """A delivery document: a photo, and what it shows."""
    return photo_json(photo) | {"kind": photo.document_kind.value}
