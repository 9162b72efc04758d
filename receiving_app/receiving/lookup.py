"""Match a parsed scan against an ASN: which carton, which SKU, which location."""
import sqlalchemy as sa

from ..barcodes import Scan
from ..extensions import db
from ..models import Asn, Carton, Location, Sku, SkuBarcode


def find_carton(asn: Asn, scan: Scan, *, lock: bool = False) -> Carton | None:
    """The ASN's carton whose label (or SSCC) the scan carries, in any scanned form."""
    keys = scan.carton_keys()
    if not keys:
        return None
    # Each form is looked up through its own index: "asn AND (label IN ... OR sscc = ...)"
    # made SQLite walk every carton of the ASN, a cost that grew with the ASN's size.
    matches = sa.select(Carton.id).where(Carton.asn_id == asn.id, Carton.label.in_(keys))
    if scan.sscc:
        matches = sa.union_all(matches, sa.select(Carton.id).where(
            Carton.asn_id == asn.id, Carton.sscc == scan.sscc))
    query = sa.select(Carton).where(Carton.id.in_(matches)).order_by(Carton.id)
    if lock:
        query = query.with_for_update()
    return db.session.scalars(query).first()


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
