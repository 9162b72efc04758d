"""Build warehouse situations in one line: an ASN, arrived, counted, with a photo."""
import io

import sqlalchemy as sa
from PIL import Image

from receiving_app.extensions import db
from receiving_app.models import Asn, User, Warehouse
from receiving_app.receiving import (
    arrive_asn, attach_photo, complete_count, receive_carton, submit_asn,
)
from receiving_app.evidence import PhotoStorage


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def warehouse(code: str = "LAX1") -> Warehouse:
    return db.session.scalar(sa.select(Warehouse).where(Warehouse.code == code))


def submit(number: str = "T-1", cartons: dict | None = None, *, seller: str = "ACME",
           skus: list[dict] | None = None) -> Asn:
    """An ASN from {label: {sku: qty}}; default ten cartons of 10 mugs."""
    cartons = cartons or {f"C{n:02d}": {"ACME-MUG-01": 10} for n in range(1, 11)}
    payload = {
        "number": number, "warehouse": "LAX1", "seller": seller, "skus": skus or [],
        "cartons": [{"label": label, "contents": [{"sku": s, "qty": q} for s, q in c.items()]}
                    for label, c in cartons.items()],
    }
    return submit_asn(payload, user=user("supervisor"))


def arrived(asn: Asn, paperwork: int | None = None) -> Asn:
    return arrive_asn(asn, len(asn.cartons) if paperwork is None else paperwork,
                      user=user("dock"))


def counted(asn: Asn, labels: list[str] | None = None) -> dict:
    """Arrive, receive the given cartons (default all), complete the count."""
    if asn.arrived_at is None:
        arrived(asn)
    for label in labels if labels is not None else [c.label for c in asn.cartons]:
        receive_carton(asn, label, user=user("dock"))
    return complete_count(asn, user=user("dock"))


def jpeg_bytes(color=(200, 30, 30), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()


def photographed(exception, app, color=(200, 30, 30)):
    """Attach a photo to an exception (which submits it)."""
    from pathlib import Path

    return attach_photo(exception, jpeg_bytes(color), "evidence.jpg", user=user("dock"),
                        storage=PhotoStorage(Path(app.config["PHOTO_ROOT"])),
                        max_bytes=app.config["MAX_CONTENT_LENGTH"])
