"""Putaway: a received carton to a scanned location, with a suggestion of where."""
from datetime import datetime

import sqlalchemy as sa

from ..errors import Conflict, InvalidInput, NotFound, WrongStep
from ..extensions import db
from ..inventory.ledger import post_movements
from ..models import (
    Asn, Balance, Bucket, Carton, CartonStatus, Location, LocationKind, User, utcnow,
)
from ..inventory.lookup import find_location
from .counting import finish_stages
from .fast_path import lock_asn
from .lookup import find_carton, read_scan
from .raising import unresolved_for_carton
from .scans import ScanResult, record_scan, replayed
from .states import check_step
from .stock import carton_balances, move, warehouse_location_id


def carton_for_putaway(asn: Asn, raw_code: str, *, lock: bool = False) -> Carton:
    """The carton a scan names, if it may go to a shelf now; else the reason it may not."""
    scan = read_scan(raw_code, "label")
    carton = find_carton(asn, scan, lock=lock)
    if carton is None:
        raise NotFound(f"No carton {scan.code} on ASN {asn.number}.")
    if carton.status is CartonStatus.PUT_AWAY:
        where = carton.location.barcode if carton.location else "a location"
        raise Conflict(f"Carton {carton.label} is already put away to {where}.")
    if carton.status is not CartonStatus.RECEIVED:
        raise WrongStep(f"Carton {carton.label} was not received.")
    if (carton.in_sample or carton.recount_requested) and carton.inspected_at is None:
        raise WrongStep(f"Open and count carton {carton.label} first: it is in the sample.")
    if unresolved_for_carton(carton):
        raise WrongStep(f"Carton {carton.label} has an open exception: keep it on the dock "
                        "until a supervisor decides.")
    return carton


def suggest_location(asn: Asn, carton: Carton) -> Location | None:
    """Where the carton's main SKU already lives, else an empty storage location."""
    contents = sorted(carton.contents, key=lambda c: (c.counted_qty or c.declared_qty),
                      reverse=True)
    storage = sa.and_(Location.warehouse_id == asn.warehouse_id,
                      Location.kind == LocationKind.STORAGE)
    if contents:
        home = db.session.scalars(
            sa.select(Location).join(Balance, Balance.location_id == Location.id)
            .where(storage, Balance.seller_id == asn.seller_id,
                   Balance.sku_id == contents[0].sku_id, Balance.bucket == Bucket.ON_HAND,
                   Balance.qty > 0)
            .order_by(Balance.qty.desc(), Location.barcode).limit(1)
        ).first()
        if home is not None:
            return home
    occupied = sa.select(Balance.location_id).where(Balance.location_id.is_not(None),
                                                    Balance.qty > 0)
    return db.session.scalars(
        sa.select(Location).where(storage, Location.id.not_in(occupied))
        .order_by(Location.barcode).limit(1)
    ).first()


def put_away(
    asn: Asn, carton_label: str, location_code: str, *, user: User, key: str | None = None,
    fingerprint: str | None = None, client_time: datetime | None = None,
) -> ScanResult:
    """Move a received carton's units from the dock to a location of the same warehouse
    (to the quarantine bucket when the location is a quarantine one)."""
    location_scan = read_scan(location_code, "location")
    if not location_scan.code:
        raise InvalidInput("location is required.",
                           [{"path": "location", "message": "the location's barcode"}])
    if (first := replayed(key, user, fingerprint)) is not None:
        return first
    asn = lock_asn(asn, shared=True)
    check_step(asn, "put_away")
    carton = carton_for_putaway(asn, carton_label, lock=True)
    location = find_location(location_scan)
    if location is None:
        raise NotFound(f"No location {location_scan.code}.")
    if location.warehouse_id != asn.warehouse_id:
        raise Conflict(f"{location.barcode} is in another warehouse.")
    if location.kind is LocationKind.DOCK:
        raise WrongStep(f"{location.barcode} is a dock door; scan a storage location.")
    bucket = Bucket.QUARANTINE if location.kind is LocationKind.QUARANTINE else Bucket.ON_HAND
    dock = warehouse_location_id(asn, LocationKind.DOCK)
    postings = []
    for sku_id, qty in sorted(carton_balances(carton, Bucket.RECEIVING).items()):
        postings += move(asn, sku_id=sku_id, qty=qty, reason="put_away", user=user,
                         carton=carton, source=(Bucket.RECEIVING, dock), target=(bucket, location))
    post_movements(postings)
    carton.status = CartonStatus.PUT_AWAY
    carton.location = location
    carton.put_away_at = utcnow()
    finish_stages(asn, user)
    result = ScanResult("put_away", f"Put away {carton.label} to {location.barcode}",
                        carton=carton.label, data={"location": location.barcode})
    return record_scan(result, step="putaway", scan=location_scan, user=user, key=key,
                       fingerprint=fingerprint,
                       asn=asn, carton=carton, location=location, client_time=client_time)

