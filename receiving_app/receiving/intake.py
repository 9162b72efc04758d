"""ASN intake: one domain function behind the seller form, the CSV upload and the API."""
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

import sqlalchemy as sa
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..barcodes import gs1_check_digit, parse_scan
from ..bulk_insert import insert_rows
from ..database import execute_core, read_transaction
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..inventory.ledger import Posting, post_movements
from ..models import (
    Asn, BarcodeKind, Bucket, Carton, CartonContent, Role, Seller, Sku, SkuBarcode, StepName,
    User, Warehouse,
)
from ..payloads import Flag, Payload, checked, day, path_of, refusal, says, text, whole_number
from .history import record_step

# What a URL segment carries as it is: an ASN number is a path segment of every door.
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_QTY = 1_000_000
MAX_CARTONS = 100_000
MAX_BARCODES = 50  # of one SKU
# Sellers send ASNs weeks ahead, and now and then for a delivery already on its way.
ARRIVAL_PAST, ARRIVAL_FUTURE = timedelta(days=366), timedelta(days=2 * 366)
CODE = text(64, required=True)
MAX_UNIT_VALUE = Decimal("10000000000")


def _amount(value):
    """An amount as a number or its text (never true or false), to the cent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise refusal("an amount of 0 or more with at most two decimals")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount < MAX_UNIT_VALUE or \
            amount != amount.quantize(Decimal("0.01")):
        raise refusal("an amount of 0 or more with at most two decimals")
    return amount


class SkuIn(Payload):
    sku: CODE
    description: text(255, kind="note") = ""
    barcodes: Annotated[list[CODE], Field(max_length=MAX_BARCODES)] = []
    high_value: Flag = False
    # what one unit is worth in the seller's currency: values a count's differences
    unit_value: Annotated[Decimal | None, BeforeValidator(_amount), says(
        "an amount of 0 or more with at most two decimals")] = None

    @field_validator("sku")
    @classmethod
    def listed_once(cls, code: str, info: ValidationInfo) -> str:
        return info.context.declare_sku(code)


class LineIn(Payload):
    sku: CODE
    qty: whole_number(1, MAX_QTY, f"must be a whole number from 1 to {MAX_QTY}")

    @field_validator("sku")
    @classmethod
    def known_once_per_carton(cls, code: str, info: ValidationInfo) -> str:
        return info.context.line_sku(code)


class CartonIn(Payload):
    label: CODE
    contents: Annotated[list[LineIn], Field(min_length=1), says(
        too_short="a carton needs at least one content line",
        list_type="a carton needs at least one content line")]

    @model_validator(mode="before")
    @classmethod
    def new_carton(cls, data, info: ValidationInfo):
        info.context.new_carton()
        return data

    @field_validator("label")
    @classmethod
    def label_once(cls, label: str, info: ValidationInfo) -> str:
        return info.context.label(label)


class AsnIn(Payload):
    """One ASN as the API, the form and each ASN of a CSV upload send it.

    Fields are checked in the order they are declared (pydantic's promise), so the rules
    that need the database (IntakeRules, the validation context) know the seller and the
    declared SKUs by the time they check a carton's lines.
    """

    number: Annotated[CODE, Field(pattern=NUMBER_PATTERN), says(
        string_pattern_mismatch="use letters, digits and . _ - only (at most 64)")]
    warehouse: text(16, required=True)
    seller: Annotated[text(16), Field(validate_default=True)] = ""
    expected_arrival: day(before=ARRIVAL_PAST, after=ARRIVAL_FUTURE,
                          words="must be a date like 2026-11-30") | None = None
    carrier: text(80) = ""
    tracking: text(120) = ""
    skus: list[SkuIn] = []
    cartons: Annotated[list[CartonIn], Field(min_length=1, max_length=MAX_CARTONS), says(
        missing="at least one carton is required", too_short="at least one carton is required",
        too_long=f"at most {MAX_CARTONS} cartons per ASN")]

    @field_validator("warehouse")
    @classmethod
    def known_warehouse(cls, code: str, info: ValidationInfo) -> str:
        return info.context.warehouse_of(code)

    @field_validator("seller")
    @classmethod
    def the_users_seller(cls, code: str, info: ValidationInfo) -> str:
        return info.context.seller_of(code)

    @field_validator("expected_arrival", mode="before")
    @classmethod
    def blank_is_none(cls, value):
        return None if value == "" else value


class IntakeRules:
    """The checks of one ASN that need the database or the whole payload, called by AsnIn's
    validators as pydantic reaches each field; what they resolve is kept here."""

    def __init__(self, user: User):
        self.user = user
        self.warehouse: Warehouse | None = None
        self.seller: Seller | None = None
        self.declared: set[str] = set()
        self.labels: set[str] = set()
        self.carton_skus: set[str] = set()
        self._known: set[str] | None = None

    def warehouse_of(self, code: str) -> str:
        warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code == code))
        if warehouse is None:
            raise refusal(f"no warehouse {code}")
        if self.user.is_staff and self.user.warehouse_id not in (None, warehouse.id):
            raise refusal("you may only submit ASNs to your own warehouse")
        self.warehouse = warehouse
        return code

    def seller_of(self, code: str) -> str:
        if self.user.role is Role.SELLER:
            if code not in ("", self.user.seller.code):
                raise refusal("a seller submits ASNs for itself only")
            self.seller = self.user.seller
            return self.seller.code
        if not code:
            raise refusal("is required")
        self.seller = db.session.scalar(sa.select(Seller).where(Seller.code == code))
        if self.seller is None:
            raise refusal(f"no seller {code}")
        return code

    def declare_sku(self, code: str) -> str:
        if code in self.declared:
            raise refusal(f"SKU {code} is listed twice")
        self.declared.add(code)
        return code

    def new_carton(self) -> None:
        self.carton_skus = set()

    def label(self, label: str) -> str:
        if label in self.labels:
            raise refusal(f"carton label {label} appears twice")
        self.labels.add(label)
        return label

    def line_sku(self, code: str) -> str:
        if self._known is None:  # the seller's SKUs, read once the first line needs them
            self._known = set() if self.seller is None else set(db.session.scalars(
                sa.select(Sku.code).where(Sku.seller_id == self.seller.id)))
        if code not in self._known and code not in self.declared:
            raise refusal(f"unknown SKU {code}: list it under skus")
        if code in self.carton_skus:
            raise refusal(f"SKU {code} appears twice in this carton")
        self.carton_skus.add(code)
        return code


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


def submit_asn(payload: dict, *, user: User) -> Asn:
    """Validate an ASN payload fully and save it with its in-transit movements, or save nothing.

    Raises InvalidInput with one detail per bad field, Conflict when the seller already has
    an ASN with this number.
    """
    return submit_asns([payload], user=user)[0]


def submit_asns(payloads: list[dict], *, user: User) -> list[Asn]:
    """Submit several ASNs (one CSV upload) in one transaction: all of them or none.

    They are checked before the write transaction begins: an ERP's 50,000 lines hold no
    lock while they are checked.
    """
    with read_transaction():
        drafts = validate_asns(payloads, user=user)
    errors = [e for d in drafts for e in d.errors]
    if errors:
        raise InvalidInput(REFUSED, errors)
    try:
        asns = [_write(draft, user) for draft in drafts]
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("An ASN with this number already exists for this seller.") from exc
    return asns


REFUSED = "The ASN has errors; nothing was saved."


def validate_asns(payloads: list[dict], *, user: User) -> list[Draft]:
    """Check payloads without writing; each Draft carries its errors (paths prefixed when several)."""
    drafts = []
    seen: set[tuple[int, str]] = set()
    for index, payload in enumerate(payloads):
        prefix = f"[{index}]" if len(payloads) > 1 else ""
        draft = _validate(payload, user, prefix)
        key = (draft.seller.id if draft.seller else 0, draft.number)
        if draft.number and key in seen:
            draft.errors.append({"path": path_of(("number",), prefix),
                                 "message": "ASN number appears twice"})
        seen.add(key)
        drafts.append(draft)
    return drafts


def _validate(payload: dict, user: User, prefix: str) -> Draft:
    rules = IntakeRules(user)
    try:
        asn = checked(AsnIn, payload, REFUSED, prefix=prefix, context=rules)
    except InvalidInput as refused:
        return Draft(number="", warehouse=rules.warehouse, seller=rules.seller,
                     expected_arrival=None, carrier="", tracking="", skus=[], cartons=[],
                     errors=refused.details)
    exists = db.session.scalar(
        sa.select(Asn.id).where(Asn.seller_id == rules.seller.id, Asn.number == asn.number))
    if exists:
        raise Conflict(f"ASN {asn.number} already exists for seller {rules.seller.code}.")
    return Draft(
        number=asn.number, warehouse=rules.warehouse, seller=rules.seller,
        expected_arrival=asn.expected_arrival, carrier=asn.carrier, tracking=asn.tracking,
        skus=[sku.model_dump() for sku in asn.skus],
        cartons=[carton.model_dump() for carton in asn.cartons],
    )


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
    record_step(asn, StepName.SUBMITTED, user, at=asn.submitted_at)
    # Bulk inserts into the tables: an ERP may send 50,000 lines, and ORM objects or an
    # executemany cost many times more (docs/benchmarks.md).
    asn_id, seller_id, warehouse_id, user_id = asn.id, seller.id, warehouse.id, user.id
    cartons = Carton.__table__
    insert_rows(cartons, ("asn_id", "label", "sscc"),
                ((asn_id, c["label"], _sscc_of(c["label"])) for c in draft.cartons))
    # The ids the database gave, read back in one query (no RETURNING from a bulk insert).
    carton_ids = dict(execute_core(
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
        # their barcodes in batched queries, not one query per SKU (docs/benchmarks.md)
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
        if item["unit_value"] is not None:
            sku.unit_value = item["unit_value"]
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
    # without a full GS1 parse, which was most of checking a big ASN (docs/benchmarks.md).
    if len(label) == 18 and label.isascii() and label.isdigit():
        return label if gs1_check_digit(label[:17]) == label[17] else None
    scan = parse_scan(label)
    return scan.sscc if scan.sscc and not scan.error else None
