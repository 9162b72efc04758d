"""ASN intake: one domain function behind the seller form, the CSV upload and the API."""
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..barcodes import gs1_check_digit, parse_scan
from ..bulk_insert import insert_rows
from ..database import run
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..inventory.ledger import Posting, post_movements
from ..models import (
    Asn, BarcodeKind, Bucket, Carton, CartonContent, Role, Seller, Sku, SkuBarcode, User,
    Warehouse,
)

NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")
MAX_QTY = 1_000_000
MAX_CARTONS = 100_000


@dataclass
class Draft:
    """A validated ASN payload with its references resolved, not yet written."""

    number: str
    warehouse: Warehouse
    seller: Seller
    expected_arrival: date | None
    carrier: str
    tracking: str
    skus: list[dict]
    cartons: list[dict]
    errors: list[dict] = field(default_factory=list)

    @property
    def unit_count(self) -> int:
        return sum(c["qty"] for carton in self.cartons for c in carton["contents"])


class _Errors(list):
    def add(self, path: str, message: str) -> None:
        self.append({"path": path, "message": message})


def submit_asn(payload: dict, *, user: User) -> Asn:
    """Validate an ASN payload fully and save it with its in-transit movements, or save nothing.

    Raises InvalidInput with one detail per bad field, Conflict when the seller already has
    an ASN with this number.
    """
    return submit_asns([payload], user=user)[0]


def submit_asns(payloads: list[dict], *, user: User) -> list[Asn]:
    """Submit several ASNs (one CSV upload) in one transaction: all of them or none."""
    drafts = validate_asns(payloads, user=user)
    errors = [e for d in drafts for e in d.errors]
    if errors:
        raise InvalidInput("The ASN has errors; nothing was saved.", errors)
    try:
        asns = [_write(draft, user) for draft in drafts]
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("An ASN with this number already exists for this seller.") from exc
    return asns


def validate_asns(payloads: list[dict], *, user: User) -> list[Draft]:
    """Check payloads without writing; each Draft carries its errors (paths prefixed when several)."""
    drafts = []
    seen: set[tuple[int, str]] = set()
    for index, payload in enumerate(payloads):
        prefix = f"[{index}]." if len(payloads) > 1 else ""
        draft = _validate(payload, user, prefix)
        key = (draft.seller.id if draft.seller else 0, draft.number)
        if draft.number and key in seen:
            draft.errors.append({"path": f"{prefix}number", "message": "ASN number appears twice"})
        seen.add(key)
        drafts.append(draft)
    return drafts


def _validate(payload: dict, user: User, prefix: str) -> Draft:
    errors = _Errors()
    if not isinstance(payload, dict):
        errors.add(prefix.rstrip(".") or "$", "must be an object")
        payload = {}

    number = _text(payload, "number", errors, prefix, required=True, max_len=64)
    if number and not NUMBER_PATTERN.match(number):
        errors.add(f"{prefix}number", "use letters, digits and . _ - / only (at most 64)")
    warehouse = _resolve_warehouse(payload, user, errors, prefix)
    seller = _resolve_seller(payload, user, errors, prefix)
    expected_arrival = _date(payload, "expected_arrival", errors, prefix)
    carrier = _text(payload, "carrier", errors, prefix, max_len=80)
    tracking = _text(payload, "tracking", errors, prefix, max_len=120)

    declared_skus = _validate_skus(payload.get("skus", []), errors, prefix)
    known_codes = _known_sku_codes(seller, {s["sku"] for s in declared_skus})
    available = known_codes | {s["sku"] for s in declared_skus}
    cartons = _validate_cartons(payload.get("cartons"), available, errors, prefix)

    if number and seller and not errors:
        exists = db.session.scalar(
            sa.select(Asn.id).where(Asn.seller_id == seller.id, Asn.number == number)
        )
        if exists:
            raise Conflict(f"ASN {number} already exists for seller {seller.code}.")
    return Draft(
        number=number, warehouse=warehouse, seller=seller, expected_arrival=expected_arrival,
        carrier=carrier, tracking=tracking, skus=declared_skus, cartons=cartons, errors=errors,
    )


def _text(payload, key, errors, prefix, required=False, max_len=255) -> str:
    value = payload.get(key)
    if value is None or value == "":
        if required:
            errors.add(f"{prefix}{key}", "is required")
        return ""
    if not isinstance(value, str):
        errors.add(f"{prefix}{key}", "must be text")
        return ""
    value = value.strip()
    if len(value) > max_len:
        errors.add(f"{prefix}{key}", f"at most {max_len} characters")
    return value


def _date(payload, key, errors, prefix) -> date | None:
    value = payload.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        errors.add(f"{prefix}{key}", "must be a date like 2026-11-30")
        return None


def _resolve_warehouse(payload, user, errors, prefix) -> Warehouse | None:
    code = _text(payload, "warehouse", errors, prefix, required=True, max_len=16)
    if not code:
        return None
    warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        errors.add(f"{prefix}warehouse", f"no warehouse {code}")
    elif user.is_staff and user.warehouse_id not in (None, warehouse.id):
        errors.add(f"{prefix}warehouse", "you may only submit ASNs to your own warehouse")
    return warehouse


def _resolve_seller(payload, user, errors, prefix) -> Seller | None:
    code = payload.get("seller")
    if user.role is Role.SELLER:
        if code not in (None, "", user.seller.code):
            errors.add(f"{prefix}seller", "a seller submits ASNs for itself only")
        return user.seller
    code = _text(payload, "seller", errors, prefix, required=True, max_len=16)
    if not code:
        return None
    seller = db.session.scalar(sa.select(Seller).where(Seller.code == code))
    if seller is None:
        errors.add(f"{prefix}seller", f"no seller {code}")
    return seller


def _validate_skus(skus, errors, prefix) -> list[dict]:
    if not isinstance(skus, list):
        errors.add(f"{prefix}skus", "must be a list")
        return []
    result, seen = [], set()
    for i, item in enumerate(skus):
        path = f"{prefix}skus[{i}]"
        if not isinstance(item, dict):
            errors.add(path, "must be an object")
            continue
        code = _text(item, "sku", errors, f"{path}.", required=True, max_len=64)
        description = _text(item, "description", errors, f"{path}.", max_len=255)
        barcodes = item.get("barcodes", [])
        if not isinstance(barcodes, list) or not all(
            isinstance(b, str) and 0 < len(b.strip()) <= 64 for b in barcodes
        ):
            errors.add(f"{path}.barcodes", "must be a list of codes of at most 64 characters")
            barcodes = []
        high_value = item.get("high_value", False)
        if not isinstance(high_value, bool):
            errors.add(f"{path}.high_value", "must be true or false")
        if code in seen:
            errors.add(f"{path}.sku", f"SKU {code} is listed twice")
        seen.add(code)
        if code:
            result.append({
                "sku": code, "description": description, "high_value": high_value is True,
                "barcodes": [b.strip() for b in barcodes],
            })
    return result


def _known_sku_codes(seller, wanted: set[str]) -> set[str]:
    if seller is None:
        return set()
    return set(db.session.scalars(sa.select(Sku.code).where(Sku.seller_id == seller.id)))


def _validate_cartons(cartons, available_skus: set[str], errors, prefix) -> list[dict]:
    if not isinstance(cartons, list) or not cartons:
        errors.add(f"{prefix}cartons", "at least one carton is required")
        return []
    if len(cartons) > MAX_CARTONS:
        errors.add(f"{prefix}cartons", f"at most {MAX_CARTONS} cartons per ASN")
        return []
    result, labels = [], set()
    for i, carton in enumerate(cartons):
        path = f"{prefix}cartons[{i}]"
        if not isinstance(carton, dict):
            errors.add(path, "must be an object")
            continue
        label = _text(carton, "label", errors, f"{path}.", required=True, max_len=64)
        if label in labels:
            errors.add(f"{path}.label", f"carton label {label} appears twice")
        labels.add(label)
        contents = carton.get("contents")
        if not isinstance(contents, list) or not contents:
            errors.add(f"{path}.contents", "a carton needs at least one content line")
            continue
        lines, skus_in_carton = [], set()
        for j, line in enumerate(contents):
            line_path = f"{path}.contents[{j}]"
            if not isinstance(line, dict):
                errors.add(line_path, "must be an object")
                continue
            sku = _text(line, "sku", errors, f"{line_path}.", required=True, max_len=64)
            if sku and sku not in available_skus:
                errors.add(f"{line_path}.sku", f"unknown SKU {sku}: list it under skus")
            if sku in skus_in_carton:
                errors.add(f"{line_path}.sku", f"SKU {sku} appears twice in this carton")
            skus_in_carton.add(sku)
            qty = line.get("qty")
            if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= MAX_QTY:
                errors.add(f"{line_path}.qty", f"must be a whole number from 1 to {MAX_QTY}")
                qty = 0
            lines.append({"sku": sku, "qty": qty})
        result.append({"label": label, "contents": lines})
    return result


def _write(draft: Draft, user: User) -> Asn:
    seller, warehouse = draft.seller, draft.warehouse
    sku_ids = _upsert_skus(seller, draft.skus)
    asn = Asn(
        number=draft.number, seller=seller, warehouse=warehouse,
        expected_arrival=draft.expected_arrival, carrier=draft.carrier,
        tracking=draft.tracking, sample_seed=secrets.randbits(62), created_by_id=user.id,
        carton_count=len(draft.cartons),
    )
    db.session.add(asn)
    db.session.flush()
    # Bulk inserts into the tables: an ERP may send 50,000 lines, and ORM objects would
    # cost ten times more, an executemany twice as much again (docs/benchmarks.md).
    asn_id, seller_id, warehouse_id, user_id = asn.id, seller.id, warehouse.id, user.id
    cartons = Carton.__table__
    insert_rows(cartons, ("asn_id", "label", "sscc"),
                ((asn_id, c["label"], _sscc_of(c["label"])) for c in draft.cartons))
    # The ids the database gave, read back in one query (no RETURNING from a bulk insert).
    carton_ids = dict(run(
        sa.select(cartons.c.label, cartons.c.id).where(cartons.c.asn_id == asn_id)
    ).all())
    insert_rows(CartonContent.__table__, ("carton_id", "sku_id", "declared_qty"), (
        (carton_ids[carton["label"]], sku_ids[line["sku"]], line["qty"])
        for carton in draft.cartons for line in carton["contents"]
    ))
    post_movements((
        Posting(warehouse_id=warehouse_id, seller_id=seller_id, sku_id=sku_ids[line["sku"]],
                bucket=Bucket.IN_TRANSIT, qty=line["qty"], reason="asn_submitted",
                asn_id=asn_id, carton_id=carton_ids[carton["label"]], user_id=user_id)
        for carton in draft.cartons for line in carton["contents"]
    ), bulk=True)
    return asn


def _upsert_skus(seller: Seller, declared: list[dict]) -> dict[str, int]:
    """Create the SKUs the payload declares and add new barcodes; return code -> id for all."""
    query = sa.select(Sku).where(Sku.seller_id == seller.id)
    if declared:
        # their barcodes in batched queries: one query per SKU was a seventh of a
        # 1,000-line import on PostgreSQL
        query = query.options(selectinload(Sku.barcodes))
    existing = {sku.code: sku for sku in db.session.scalars(query)}
    for item in declared:
        sku = existing.get(item["sku"])
        if sku is None:
            sku = Sku(seller_id=seller.id, code=item["sku"])
            db.session.add(sku)
            existing[item["sku"]] = sku
        if item["description"]:
            sku.description = item["description"]
        if item["high_value"]:
            sku.high_value = True
        known = {b.code for b in sku.barcodes}
        for code in item["barcodes"]:
            if code not in known:
                sku.barcodes.append(SkuBarcode(code=code, kind=_barcode_kind(code)))
                known.add(code)
    db.session.flush()
    return {code: sku.id for code, sku in existing.items()}


def _barcode_kind(code: str) -> BarcodeKind:
    scan = parse_scan(code)
    if scan.kind == "fnsku":
        return BarcodeKind.FNSKU
    if scan.kind == "product" and scan.gtin:
        return BarcodeKind.GTIN
    return BarcodeKind.SELLER


def _sscc_of(label: str) -> str | None:
    # The usual label is the 18 printed digits: check them directly, as parse_scan would,
    # without a full GS1 parse (a quarter of a millisecond a carton in a 50,000-line ASN).
    if len(label) == 18 and label.isascii() and label.isdigit():
        return label if gs1_check_digit(label[:17]) == label[17] else None
    scan = parse_scan(label)
    return scan.sscc if scan.sscc and not scan.error else None
