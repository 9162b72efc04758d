"""Figures of one ASN, per SKU and per carton, as the seller and the API see them."""
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..database import execute_core
from ..models import Asn, Carton, CartonContent, CartonStatus, Location, Sku

RECEIVED_STATUSES = (CartonStatus.RECEIVED, CartonStatus.PUT_AWAY)


@dataclass
class Line:
    sku: str
    description: str
    expected: int = 0
    received: int = 0
    damaged: int = 0

    @property
    def missing(self) -> int:
        return max(self.expected - self.received, 0)

    @property
    def variance(self) -> int:
        return self.received - self.expected


@dataclass(frozen=True)
class ContentRow:
    sku: str
    description: str
    declared: int
    counted: int | None
    damaged: int


@dataclass
class CartonRow:
    label: str
    sscc: str | None
    status: CartonStatus
    in_sample: bool
    opened: bool
    location: str | None
    contents: list[ContentRow] = field(default_factory=list)


def asn_cartons(asn: Asn) -> list[CartonRow]:
    """The ASN's cartons with their contents and SKU codes, in carton and content order.

    Read as plain rows in two queries past the ORM (database.execute_core), not as mapped
    objects: an ERP's 50,000-line ASN is answered with all of them (docs/benchmarks.md).
    """
    cartons: dict[int, CartonRow] = {}
    for carton_id, label, sscc, status, in_sample, opened_at, location in execute_core(
        sa.select(Carton.id, Carton.label, Carton.sscc, Carton.status, Carton.in_sample,
                  Carton.opened_at, Location.barcode)
        .outerjoin(Location, Carton.location_id == Location.id)
        .where(Carton.asn_id == asn.id).order_by(Carton.id)
    ):
        cartons[carton_id] = CartonRow(label, sscc, status, in_sample, opened_at is not None,
                                       location)
    if not cartons:
        return []
    for carton_id, *content in execute_core(
        sa.select(CartonContent.carton_id, Sku.code, Sku.description,
                  CartonContent.declared_qty, CartonContent.counted_qty,
                  CartonContent.damaged_qty)
        .join(Carton, CartonContent.carton_id == Carton.id)
        .join(Sku, CartonContent.sku_id == Sku.id)
        # The ASN's own range of carton ids, which the contents' (carton_id, sku_id) index
        # answers: by the ASN alone, PostgreSQL hash-joined a scan of every carton content
        # ever written, a cost that grew with history (docs/benchmarks.md).
        .where(Carton.asn_id == asn.id,
               CartonContent.carton_id.between(min(cartons), max(cartons)))
        .order_by(CartonContent.id)
    ):
        cartons[carton_id].contents.append(ContentRow(*content))
    return list(cartons.values())


def asn_lines(asn: Asn, cartons: list[CartonRow] | None = None) -> list[Line]:
    """Per SKU: declared units, units received (counted where opened, declared otherwise),
    of which damaged, and the variance. `cartons` when the caller has read them already."""
    lines: dict[str, Line] = {}
    for carton in asn_cartons(asn) if cartons is None else cartons:
        for content in carton.contents:
            line = lines.get(content.sku)
            if line is None:
                line = lines[content.sku] = Line(content.sku, content.description)
            line.expected += content.declared
            if carton.status in RECEIVED_STATUSES:
                found = content.counted if carton.opened else content.declared
                line.received += found or 0
                line.damaged += content.damaged
    return sorted(lines.values(), key=lambda line: line.sku)
