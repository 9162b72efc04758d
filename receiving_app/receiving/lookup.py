"""Match a parsed scan against an ASN: which carton, which SKU, which location."""
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Row

from ..barcodes import Scan
from ..database import run
from ..extensions import db
from ..models import Asn, Carton, Location, Sku, SkuBarcode


def find_carton(asn: Asn, scan: Scan, *, lock: bool = False) -> Carton | None:
    """The ASN's carton whose label (or SSCC) the scan carries, in any scanned form."""
    if not (keys := scan.carton_keys()):
        return None
    query = _carton_query(False, bool(scan.sscc), lock)
    return db.session.scalars(query, _carton_params(asn, scan, keys)).first()


def find_carton_row(asn: Asn, scan: Scan, *, lock: bool = False) -> Row | None:
    """find_carton as a plain row (id, label, status), for the carton-count scan."""
    if not (keys := scan.carton_keys()):
        return None
    query = _carton_query(True, bool(scan.sscc), lock)
    return run(query, _carton_params(asn, scan, keys)).first()


@cache
def _carton_query(as_row: bool, by_sscc: bool, lock: bool):
    """Built once per shape: building the union anew on every scan cost about as much as
    running it (docs/benchmarks.md)."""
    asn_id = sa.bindparam("asn_id")
    # Each form is looked up through its own index: "asn AND (label IN ... OR sscc = ...)"
    # made SQLite walk every carton of the ASN, a cost that grew with the ASN's size.
    matches = sa.select(Carton.id).where(
        Carton.asn_id == asn_id, Carton.label.in_(sa.bindparam("keys", expanding=True)))
    if by_sscc:
        matches = sa.union_all(matches, sa.select(Carton.id).where(
            Carton.asn_id == asn_id, Carton.sscc == sa.bindparam("sscc")))
    columns = (Carton.id, Carton.label, Carton.status) if as_row else (Carton,)
    query = sa.select(*columns).where(Carton.id.in_(matches)).order_by(Carton.id).limit(1)
    return query.with_for_update() if lock else query


def _carton_params(asn: Asn, scan: Scan, keys: list[str]) -> dict:
    params = {"asn_id": asn.id, "keys": keys}
    if scan.sscc:
        params["sscc"] = scan.sscc
    return params


def find_sku(seller_id: int, scan: Scan) -> Sku | None:
    """The seller's SKU by any of its barcodes, by the GTIN inside GS1 data, or by its code."""
    keys = scan.product_keys()
    if not keys:
        return None
    by_barcode = (
        sa.select(Sku).join(SkuBarcode, SkuBarcode.sku_id == Sku.id)
        .where(Sku.seller_id == seller_id, SkuBarcode.code.in_(keys))
    )
    sku = db.session.scalars(by_barcode.order_by(Sku.id)).first()
    if sku is None:
        sku = db.session.scalars(
            sa.select(Sku).where(Sku.seller_id == seller_id, Sku.code.in_(keys)).order_by(Sku.id)
        ).first()
    return sku


def find_location(scan: Scan) -> Location | None:
    """The location whose rack label the scan carries."""
    code = scan.code.strip()
    if not code:
        return None
    return db.session.scalar(sa.select(Location).where(Location.barcode == code))
