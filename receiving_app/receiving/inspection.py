"""Opening sample cartons: count the units, compare with the packing list, escalate."""
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import Field, ValidationInfo, field_validator

from ..barcodes import parse_scan
from ..database import read_transaction
from ..errors import InvalidInput, NotFound, WrongStep
from ..extensions import db
from ..inventory.lookup import find_sku, find_skus
from ..models import (
    Asn, Carton, CartonContent, CartonStatus, ExceptionKind, ExceptionState, Resolution,
    ResolutionKind, User, utcnow,
)
from ..payloads import Payload, Scanned, checked, checked_value, refusal, says, whole_number
from .counting import finish_stages
from .fast_path import lock_asn
from .lookup import find_carton, read_scan
from .raising import COUNT_KINDS, new_exception, unresolved_for_carton
from .scans import ScanResult, record_scan, replayed
from .seller_events import emit_exception_event
from .states import check_step

MAX_UNITS = 1_000_000
# The SKUs of one carton: a line each (an ERP once sent 50,000).
MAX_COUNT_LINES = 500
COUNTS_REFUSED = "The counts have errors."
UNIT_COUNT = whole_number(1, MAX_UNITS, "a whole number above 0")


@dataclass(frozen=True)
class Finding:
    kind: ExceptionKind
    sku_id: int
    expected: int
    found: int


def _carton_to_open(asn: Asn, carton_label: str) -> Carton:
    carton = find_carton(asn, read_scan(carton_label, "label"), lock=True)
    if carton is None:
        raise NotFound(f"No carton {carton_label} on ASN {asn.number}.")
    if carton.status is not CartonStatus.RECEIVED:
        raise WrongStep(f"Carton {carton.label} is {carton.status.value.replace('_', ' ')}; "
                        "only a received carton on the dock can be opened.")
    if not (carton.in_sample or carton.recount_requested):
        raise WrongStep(f"Carton {carton.label} is not in the sample; do not open it.")
    if carton.inspected_at is not None:
        raise WrongStep(f"Carton {carton.label} is already counted.")
    return carton


def count_units(
    asn: Asn, carton_label: str, raw_code: str, *, user: User, qty: int = 1,
    damaged: bool = False, key: str | None = None, fingerprint: str | None = None,
    client_time: datetime | None = None,
) -> ScanResult:
    """One unit scan in an opened carton (or one scan and a typed count): +qty of that SKU."""
    qty = checked_value(UNIT_COUNT, qty, "qty", "Enter a count from 1 up.")
    scan = read_scan(raw_code)
    if (first := replayed(key, user, fingerprint)) is not None:
        return first
    asn = lock_asn(asn, shared=True)
    check_step(asn, "inspect")
    carton = _carton_to_open(asn, carton_label)
    sku = find_sku(asn.seller_id, scan)
    if sku is None:
        result = ScanResult("unknown", f"Not a product of {asn.seller.code}: {scan.code}.",
                            tone="error", carton=carton.label)
    else:
        content = next((c for c in carton.contents if c.sku_id == sku.id), None)
        if content is None:
            content = CartonContent(sku_id=sku.id, declared_qty=0)
            carton.contents.append(content)
        content.counted_qty = (content.counted_qty or 0) + qty
        if damaged:
            content.damaged_qty += qty
        carton.opened_at = carton.opened_at or utcnow()
        note = " damaged" if damaged else ""
        result = ScanResult("counted", f"{sku.code} +{qty}{note} = {content.counted_qty}",
                            carton=carton.label,
                            data={"sku": sku.code, "counted": content.counted_qty,
                                  "damaged": content.damaged_qty})
    return record_scan(result, step="inspect", scan=scan, user=user, key=key,
                       fingerprint=fingerprint, asn=asn,
                       carton=carton, client_time=client_time)


def inspect_carton(
    asn: Asn, carton_label: str, *, user: User, counts: list[dict] | None = None,
) -> dict:
    """Finish counting an opened carton and compare it with the packing list.

    `counts` (the API's way) replaces what was scanned unit by unit. Every difference
    (short, over, wrong SKU, damaged, undeclared mixed) becomes an exception and adds every
    unopened carton holding that SKU to the sample.
    """
    resolved = None
    if counts is not None:
        lines = checked(Counts, {"counts": counts}, COUNTS_REFUSED)
        # Their SKUs are found before the write transaction begins: no lock meanwhile.
        with read_transaction():
            resolved = _resolve_counts(asn, lines.counts)
    asn = lock_asn(asn)
    check_step(asn, "inspect")
    carton = _carton_to_open(asn, carton_label)
    if resolved is not None:
        _apply_counts(asn, carton, resolved)
    now = utcnow()
    for content in carton.contents:
        content.counted_qty = content.counted_qty or 0
    carton.opened_at = carton.opened_at or now
    carton.inspected_at = now
    findings = _findings(carton)
    if carton.recount_requested:
        findings = _settle_recount(carton, findings, user)
        carton.recount_requested = False
    raised = [
        new_exception(asn, f.kind, user=user, carton=carton, sku_id=f.sku_id,
                      expected_qty=f.expected, found_qty=f.found)
        for f in findings
    ]
    escalated = _escalate(asn, {f.sku_id for f in findings})
    finish_stages(asn, user)
    db.session.commit()
    return {
        "carton": carton.label,
        "exceptions": [{"id": e.id, "kind": e.kind.value, "sku": e.sku.code,
                        "expected": e.expected_qty, "found": e.found_qty} for e in raised],
        "escalated": [c.label for c in escalated],
        "status": asn.status.value,
    }


class CountLine(Payload):
    """One SKU found in an opened carton: how many, and how many of them damaged."""

    sku: Annotated[Scanned, Field(min_length=1)]
    qty: whole_number(0, MAX_UNITS, "a whole number, 0 or more")
    damaged: whole_number(0, MAX_UNITS, "from 0 up to qty") = 0

    @field_validator("damaged")
    @classmethod
    def at_most_qty(cls, damaged: int, info: ValidationInfo) -> int:
        if damaged > info.data.get("qty", damaged):
            raise refusal("from 0 up to qty")
        return damaged


class Counts(Payload):
    counts: Annotated[list[CountLine], Field(max_length=MAX_COUNT_LINES), says(
        list_type="a list", too_long=f"at most {MAX_COUNT_LINES} lines, one per SKU")]


def _resolve_counts(asn: Asn, lines: list[CountLine]) -> list[tuple[int, int, int]]:
    """(SKU id, qty, damaged) of each line, its SKU found by any of its codes; InvalidInput
    for a line whose SKU is not the seller's or is listed twice."""
    skus = find_skus(asn.seller_id, [parse_scan(line.sku) for line in lines])
    errors, result, seen = [], [], set()
    for i, (line, sku) in enumerate(zip(lines, skus)):
        if sku is None:
            errors.append({"path": f"counts[{i}].sku",
                           "message": f"not a SKU of {asn.seller.code}"})
        elif sku.id in seen:
            errors.append({"path": f"counts[{i}].sku", "message": "listed twice"})
        else:
            seen.add(sku.id)
            result.append((sku.id, line.qty, line.damaged))
    if errors:
        raise InvalidInput(COUNTS_REFUSED, errors)
    return result


def _apply_counts(asn: Asn, carton: Carton, counts: list[tuple[int, int, int]]) -> None:
    by_sku = {c.sku_id: c for c in carton.contents}
    for content in carton.contents:
        content.counted_qty, content.damaged_qty = 0, 0
    for sku_id, qty, damaged in counts:
        content = by_sku.get(sku_id)
        if content is None:
            content = CartonContent(sku_id=sku_id, declared_qty=0)
            carton.contents.append(content)
        content.counted_qty, content.damaged_qty = qty, damaged


def _findings(carton: Carton) -> list[Finding]:
    declared_found = any(c.declared_qty > 0 and c.counted_qty > 0 for c in carton.contents)
    findings = []
    for c in carton.contents:
        if c.declared_qty > 0 and c.counted_qty < c.declared_qty:
            findings.append(Finding(ExceptionKind.SHORT, c.sku_id, c.declared_qty, c.counted_qty))
        elif c.declared_qty > 0 and c.counted_qty > c.declared_qty:
            findings.append(Finding(ExceptionKind.OVER, c.sku_id, c.declared_qty, c.counted_qty))
        elif c.declared_qty == 0 and c.counted_qty > 0:
            # The declared SKUs are there and more besides: a mixed carton nobody declared.
            kind = ExceptionKind.UNDECLARED_MIXED if declared_found else ExceptionKind.WRONG_SKU
            findings.append(Finding(kind, c.sku_id, 0, c.counted_qty))
        if c.damaged_qty > 0:
            findings.append(Finding(ExceptionKind.DAMAGED, c.sku_id, 0, c.damaged_qty))
    return findings


def _settle_recount(carton: Carton, findings: list[Finding], user: User) -> list[Finding]:
    """Match the recount against the exceptions that asked for it: a difference that is
    gone resolves its exception; one that remains updates it; what is new is returned."""
    remaining = list(findings)
    for exception in unresolved_for_carton(carton):
        if exception.kind not in COUNT_KINDS:
            continue
        same = next((f for f in remaining
                     if f.kind is exception.kind and f.sku_id == exception.sku_id), None)
        if same is not None:
            remaining.remove(same)
            exception.expected_qty, exception.found_qty = same.expected, same.found
            exception.version += 1
            continue
        exception.state = ExceptionState.RESOLVED
        exception.resolved_at = utcnow()
        exception.version += 1
        exception.resolutions.append(Resolution(
            resolution=ResolutionKind.RECOUNT_MATCHED,
            note="The recount no longer shows this difference.", resolved_by_id=user.id))
        # The seller heard of the difference (it was submitted with its photo): they hear
        # that the recount settled it, as they would of a supervisor's decision.
        if exception.submitted_at is not None:
            emit_exception_event(exception, "exception.resolved")
    return remaining


def _escalate(asn: Asn, sku_ids: set[int]) -> list[Carton]:
    """Tightened inspection: every unopened received carton holding an affected SKU."""
    if not sku_ids:
        return []
    cartons = db.session.scalars(
        sa.select(Carton).join(CartonContent, CartonContent.carton_id == Carton.id)
        .where(Carton.asn_id == asn.id, Carton.status == CartonStatus.RECEIVED,
               Carton.in_sample.is_(False), Carton.inspected_at.is_(None),
               CartonContent.sku_id.in_(sku_ids), CartonContent.declared_qty > 0)
        .distinct().order_by(Carton.id)
    ).all()
    for carton in cartons:
        carton.in_sample = True
    return list(cartons)
