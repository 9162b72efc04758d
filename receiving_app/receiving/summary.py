"""Figures of one ASN, per SKU and per carton, as the seller and the API see them."""
from collections import defaultdict
from dataclasses import dataclass

from ..models import Asn, CartonStatus

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


def asn_lines(asn: Asn) -> list[Line]:
    """Per SKU: declared units, units received (counted where opened, declared otherwise),
    of which damaged, and the variance."""
    lines: dict[str, Line] = {}
    for carton in asn.cartons:
        for content in carton.contents:
            line = lines.get(content.sku.code)
            if line is None:
                line = lines[content.sku.code] = Line(content.sku.code, content.sku.description)
            line.expected += content.declared_qty
            if carton.status in RECEIVED_STATUSES:
                found = content.counted_qty if carton.opened else content.declared_qty
                line.received += found or 0
                line.damaged += content.damaged_qty
    return sorted(lines.values(), key=lambda line: line.sku)


def carton_counts(asn: Asn) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for carton in asn.cartons:
        counts[carton.status.value] += 1
    counts["total"] = len(asn.cartons)
    return dict(counts)
