"""Where an ASN's units sit in the ledger, and the postings that move them."""
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.engine import Row

from ..errors import Conflict
from ..extensions import db
from ..inventory.ledger import Posting
from ..models import Asn, Bucket, Carton, Location, LocationKind, Movement, User
from .fast_path import first_location_id


def warehouse_location_id(asn: Asn, kind: LocationKind) -> int:
    """The id of the warehouse's first location of a kind (its receiving dock, its
    quarantine): what a posting needs."""
    location_id = first_location_id(asn.warehouse_id, kind)
    if location_id is None:
        raise Conflict(f"Warehouse {asn.warehouse.code} has no {kind.value} location.")
    return location_id


def carton_balances(carton: Carton, bucket: Bucket) -> dict[int, int]:
    """Units of each SKU that this carton has in a bucket, summed from the ledger."""
    rows = db.session.execute(
        sa.select(Movement.sku_id, sa.func.sum(Movement.qty))
        .where(Movement.carton_id == carton.id, Movement.bucket == bucket)
        .group_by(Movement.sku_id)
    )
    return {sku_id: int(total) for sku_id, total in rows if total}


def asn_balances(asn: Asn, bucket: Bucket) -> dict[tuple[int | None, int], int]:
    """Units per (carton, SKU) that this ASN still has in a bucket."""
    rows = db.session.execute(
        sa.select(Movement.carton_id, Movement.sku_id, sa.func.sum(Movement.qty))
        .where(Movement.asn_id == asn.id, Movement.bucket == bucket)
        .group_by(Movement.carton_id, Movement.sku_id)
    )
    result: dict[tuple[int | None, int], int] = defaultdict(int)
    for carton_id, sku_id, total in rows:
        if total:
            result[(carton_id, sku_id)] += int(total)
    return dict(result)


def move(
    asn: Asn, *, sku_id: int, qty: int, reason: str, user: User | None,
    source: tuple[Bucket, Location | int | None] | None,
    target: tuple[Bucket, Location | int | None] | None,
    carton: Carton | Row | None = None, exception_id: int | None = None,
) -> list[Posting]:
    """Postings that move `qty` units out of `source` and into `target` (either may be None:
    units arriving from outside, or leaving the warehouse's books).

    A location is given as the object or its id, a carton as the object or a row with its
    id: the carton-count scan reads plain rows, not mapped objects.
    """
    common = dict(
        warehouse_id=asn.warehouse_id, seller_id=asn.seller_id, sku_id=sku_id, reason=reason,
        asn_id=asn.id, carton_id=carton.id if carton else None, exception_id=exception_id,
        user_id=user.id if user else None,
    )
    postings = []
    if source is not None:
        bucket, location = source
        postings.append(Posting(bucket=bucket, qty=-qty, location_id=_id(location), **common))
    if target is not None:
        bucket, location = target
        postings.append(Posting(bucket=bucket, qty=qty, location_id=_id(location), **common))
    return postings


def _id(location: Location | int | None) -> int | None:
    return location.id if isinstance(location, Location) else location
