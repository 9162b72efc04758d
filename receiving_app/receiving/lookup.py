"""Match a parsed scan against an ASN: which carton (SKUs and locations: inventory/lookup.py)."""
from ..barcodes import Scan, parse_scan
from ..extensions import db
from ..models import Asn, Carton
from ..payloads import Scanned, checked_value
from .fast_path import carton_params, carton_query


def read_scan(raw: str, path: str = "code") -> Scan:
    """What a scanner, a camera or a URL's label delivered, read by barcodes.parse_scan;
    InvalidInput (at `path`) when it is not text or holds a control character."""
    return parse_scan(checked_value(Scanned, raw, path, "That scan cannot be read."))


def find_carton(asn: Asn, scan: Scan, *, lock: bool = False) -> Carton | None:
    """The ASN's carton whose label (or SSCC) the scan carries, in any scanned form.
    (The carton count reads it as a plain row: fast_path.carton_row.)"""
    if not (keys := scan.carton_keys()):
        return None
    query = carton_query(False, bool(scan.sscc), lock)
    return db.session.scalars(query, carton_params(asn, scan, keys)).first()
