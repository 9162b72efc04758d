"""Match a parsed scan against an ASN: which carton (SKUs and locations: inventory/lookup.py)."""
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Row

from ..barcodes import Scan, parse_scan
from ..database import run
from ..extensions import db
from ..models import Asn, Carton
from ..payloads import Scanned, checked_value


def read_scan(raw: str, path: str = "code") -> Scan:
    """What a scanner, a camera or a URL's label delivered, read by barcodes.parse_scan;
    InvalidInput (at `path`) when it is not text or holds a control character."""
    return parse_scan(checked_value(Scanned, raw, path, "That scan cannot be read."))


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
