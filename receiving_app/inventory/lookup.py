"""Match a parsed scan against the catalogue and the racks: which SKU, which location."""
import sqlalchemy as sa

from ..barcodes import Scan
from ..extensions import db
from ..models import Location, Sku, SkuBarcode


def find_sku(seller_id: int, scan: Scan) -> Sku | None:
    """The seller's SKU by any of its barcodes, by the GTIN inside GS1 data, or by its code."""
    return find_skus(seller_id, [scan])[0]


def find_skus(seller_id: int, scans: list[Scan]) -> list[Sku | None]:
    """find_sku of each scan, in two queries however many scans (an inspection's lines)."""
    keys = {key for scan in scans for key in scan.product_keys()}
    if not keys:
        return [None] * len(scans)
    by_barcode: dict[str, Sku] = {}
    for code, sku in db.session.execute(
        sa.select(SkuBarcode.code, Sku).join(Sku, SkuBarcode.sku_id == Sku.id)
        .where(Sku.seller_id == seller_id, SkuBarcode.code.in_(keys)).order_by(Sku.id)
    ):
        by_barcode.setdefault(code, sku)
    found = [_first(by_barcode, scan) for scan in scans]
    if all(found):
        return found
    by_code = {sku.code: sku for sku in db.session.scalars(
        sa.select(Sku).where(Sku.seller_id == seller_id, Sku.code.in_(keys)))}
    return [sku or _first(by_code, scan) for sku, scan in zip(found, scans)]


def _first(skus: dict[str, Sku], scan: Scan) -> Sku | None:
    """The scan's SKU among `skus` (by key); the oldest when its keys name several."""
    matches = [skus[key] for key in scan.product_keys() if key in skus]
    return min(matches, key=lambda sku: sku.id, default=None)


def find_location(scan: Scan) -> Location | None:
    """The location whose rack label the scan carries."""
    code = scan.code.strip()
    if not code:
        return None
    return db.session.scalar(sa.select(Location).where(Location.barcode == code))


def skus_of_any_seller(scan: Scan) -> list[Sku]:
    """Every seller's SKU the scan names, by a barcode or by its code: a counter on the shelf
    does not know whose units they hold, and two sellers may print the same GTIN."""
    keys = scan.product_keys()
    if not keys:
        return []
    by_barcode = sa.select(SkuBarcode.sku_id).where(SkuBarcode.code.in_(keys))
    return list(db.session.scalars(
        sa.select(Sku).where(sa.or_(Sku.id.in_(by_barcode), Sku.code.in_(keys)))
        .order_by(Sku.seller_id, Sku.id)))
