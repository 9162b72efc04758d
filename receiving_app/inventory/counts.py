"""Cycle counts (盘点): count the shelves, compare with the book, post the differences.

A supervisor names locations (or an aisle prefix) or SKUs; the count is blind by default
(the counter never sees the book). The counter visits each location and counts what is
there; completing the count compares each line with the book as of the moment that location
was counted, so a putaway during the count is not a difference. Lines that differ by more
than the warehouse's tolerance go back for one recount; a supervisor then approves, which
posts every remaining difference as a count_gain (盘盈) or count_loss (盘亏) adjustment,
without a second approval.
"""
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from ..access import scope_cycle_counts
from ..barcodes import parse_scan
from ..errors import InvalidInput, NotFound, WrongStep
from ..extensions import db
from ..models import (
    Adjustment, AdjustmentReason, AdjustmentState, Balance, CycleCount, CycleCountLine,
    CycleCountPlace, CycleCountState, Location, Sku, User, utcnow,
)
from ..payloads import Flag, Payload, checked, refusal, says, text, whole_number
from .adjustments import (
    MAX_QTY, SHELF_KINDS, InWarehouse, StockRules, post_adjustment, require_review,
)
from .lookup import skus_of_any_seller
from .queries import book_as_of
from .states import advance_count

MAX_PLACES = 2000
CODE = text(64, required=True)


def _place_to_count(code: str, info: ValidationInfo) -> str:
    return info.context.shelf_of(code)


def _sku_to_count(code: str, info: ValidationInfo) -> str:
    return info.context.skus_of(code)


class CountIn(InWarehouse):
    """A cycle count: one of locations, an aisle (a location code prefix) or SKUs."""

    aisle: text(64) = ""
    skus: Annotated[list[Annotated[CODE, AfterValidator(_sku_to_count)]] | None, Field(
        min_length=1, max_length=MAX_PLACES), says(too_short="at least one SKU")] = None
    locations: Annotated[
        list[Annotated[CODE, AfterValidator(_place_to_count)]] | None,
        Field(min_length=1, max_length=MAX_PLACES, validate_default=True),
        says(too_short="at least one location",
             too_long=f"at most {MAX_PLACES} locations")] = None
    blind: Flag = True

    @field_validator("aisle")
    @classmethod
    def shelves_of_the_aisle(cls, prefix: str, info: ValidationInfo) -> str:
        return info.context.aisle_of(prefix) if prefix else prefix

    @field_validator("locations")
    @classmethod
    def one_way_to_say_what(cls, codes, info: ValidationInfo):
        given = [codes is not None, bool(info.data.get("aisle")), info.data.get("skus") is not None]
        if sum(given) != 1 and "warehouse" in info.data:
            raise refusal("give locations, an aisle or skus (one of them)")
        return codes


class CountRules(StockRules):
    """The database's part of checking a cycle count: the warehouse's shelves it names."""

    def __init__(self, user: User):
        super().__init__(user)
        self.shelves: list[Location] = []
        self.sku_ids: set[int] = set()

    def shelf_of(self, code: str) -> str:
        self.place_of("shelf", code, SHELF_KINDS)
        if self.places.get("shelf") is not None and self.places["shelf"] not in self.shelves:
            self.shelves.append(self.places["shelf"])
        return code

    def aisle_of(self, prefix: str) -> str:
        if self.warehouse is not None:
            self.shelves = list(db.session.scalars(sa.select(Location).where(
                Location.warehouse_id == self.warehouse.id, Location.kind.in_(list(SHELF_KINDS)),
                Location.barcode.startswith(prefix, autoescape=True))
                .order_by(Location.barcode).limit(MAX_PLACES)))
            if not self.shelves:
                raise refusal(f"no shelf location in {self.warehouse.code} starts with this")
        return prefix

    def skus_of(self, code: str) -> str:
        found = set(db.session.scalars(sa.select(Sku.id).where(Sku.code == code)))
        if not found:
            raise refusal("no such SKU")
        self.sku_ids |= found
        return code


class LineIn(Payload):
    """What a counter counted at a location: units of a SKU, or nothing (found empty)."""

    location: CODE
    seller: text(16) = ""
    sku: text(64) = ""
    qty: whole_number(0, MAX_QTY) = 0

    @field_validator("location")
    @classmethod
    def a_place_of_the_count(cls, code: str, info: ValidationInfo) -> str:
        return info.context.spot_of(code)

    @field_validator("sku")
    @classmethod
    def the_sku_there(cls, code: str, info: ValidationInfo) -> str:
        return info.context.counted_sku(code, info.data.get("seller", "")) if code else code

    @field_validator("qty")
    @classmethod
    def units_of_a_sku(cls, qty: int, info: ValidationInfo) -> int:
        if qty and not info.data.get("sku") and "sku" in info.data:
            raise refusal("say which SKU the units are")
        return qty


class LineRules:
    """The database's part of checking a count line: this count's location, the SKU there."""

    def __init__(self, count: CycleCount):
        self.count = count
        self.spot: CycleCountPlace | None = None
        self.sku: Sku | None = None

    def spot_of(self, code: str) -> str:
        code = parse_scan(code).code.strip()
        self.spot = next((p for p in self.count.places if p.location.barcode == code), None)
        if self.spot is None:
            raise refusal("not a location of this count")
        return code

    def counted_sku(self, code: str, seller: str) -> str:
        """When sellers share a barcode, the one this location holds; else the seller must
        be named."""
        candidates = skus_of_any_seller(parse_scan(code))
        if seller:
            candidates = [s for s in candidates if s.seller.code == seller]
        if self.count.sku_ids is not None:
            candidates = [s for s in candidates if s.id in self.count.sku_ids]
        if len(candidates) > 1 and self.spot is not None:
            here = set(db.session.scalars(sa.select(Balance.sku_id).where(
                Balance.location_key == self.spot.location_id, Balance.qty != 0)))
            candidates = [s for s in candidates if s.id in here] or candidates
        if not candidates:
            raise refusal("not a SKU of this count" if self.count.sku_ids is not None
                          else "no such SKU")
        if len(candidates) > 1:
            raise refusal("two sellers have this SKU; say which seller")
        self.sku = candidates[0]
        return code


def create_cycle_count(*, warehouse, locations=None, aisle=None, skus=None, blind=True,
                       user: User) -> CycleCount:
    """A count of the named locations, of every shelf location whose code starts with
    `aisle`, or of the named SKUs wherever the warehouse holds them."""
    require_review(user, "Only a supervisor may create a cycle count.")
    rules = CountRules(user)
    asked = checked(CountIn, dict(warehouse=warehouse, locations=locations, aisle=aisle or "",
                                  skus=skus, blind=blind),
                    "The cycle count has errors; nothing was created.", context=rules)
    place, spots, sku_ids = rules.warehouse, rules.shelves, None
    if asked.skus is not None:
        sku_ids = sorted(rules.sku_ids)
        spots = _where_held(place, sku_ids)
    count = CycleCount(warehouse_id=place.id, state=CycleCountState.OPEN, blind=asked.blind,
                       sku_ids=sku_ids, tolerance_units=place.count_tolerance_units,
                       created_by_id=user.id, created_at=utcnow())
    db.session.add(count)
    db.session.flush()
    db.session.add_all([CycleCountPlace(count_id=count.id, location_id=spot.id) for spot in spots])
    db.session.commit()
    return count


def count_line(count: CycleCount, *, location, sku=None, qty=0, seller=None,
               user: User) -> CycleCountLine | None:
    """Units of a SKU counted at a location, added to what this round already has there
    (each unit scanned is one call); without a SKU, the location was visited and found
    empty. In the recount only the lines sent back are counted."""
    count = lock_count(count)
    advance_count(count, "count")
    rules = LineRules(count)
    checked(LineIn, dict(location=location, seller=seller, sku=sku, qty=qty),
            "The count line has errors; nothing was counted.", context=rules)
    qty = qty or 0
    spot, item = rules.spot, rules.sku
    recounting = count.state is CycleCountState.RECOUNT
    line = _line(count, spot.location_id, item) if item else None
    if recounting and not _to_recount(count, spot.location_id, line):
        raise WrongStep(f"Nothing to recount at {spot.location.barcode}"
                        + (f" for {item.code}." if item else "."))
    now = utcnow()
    if recounting:
        spot.recounted_at = now
    else:
        spot.counted_at = now
    if item is not None:
        if line is None:
            line = CycleCountLine(count_id=count.id, location_id=spot.location_id,
                                  seller_id=item.seller_id, sku_id=item.id, counted_qty=0)
            db.session.add(line)
        if recounting:
            line.recount_qty = (line.recount_qty or 0) + qty
        else:
            line.counted_qty += qty
        line.counted_by_id = user.id
    db.session.commit()
    return line


@dataclass
class CountScan:
    """What one scan on the counting phone did, in words for the counter."""

    outcome: str  # location, counted, refused
    message: str
    location: str | None = None
    tone: str = "ok"
    retry_after: int | None = None  # the dock's feedback reads it from every scan's answer


def scan_for_count(count: CycleCount, code: str, *, current_location: str | None, qty: int = 1,
                   user: User) -> CountScan:
    """The phone's scan: a location of this count starts counting there; anything else is a
    unit (or, with a typed quantity, that many) of a SKU at the current location."""
    scan = parse_scan(code or "")
    spot = next((p for p in count.places if p.location.barcode == scan.code.strip()), None)
    if spot is not None:
        count_line(count, location=spot.location.barcode, user=user)
        return CountScan("location", f"Counting {spot.location.barcode}: scan its units, "
                         "then the next location.", spot.location.barcode)
    if not current_location:
        return CountScan("refused", "Scan a location of this count first.", tone="error")
    line = count_line(count, location=current_location, sku=code, qty=qty, user=user)
    counted = line.recount_qty if count.state is CycleCountState.RECOUNT else line.counted_qty
    return CountScan("counted", f"{line.sku.code}: {counted} counted at {current_location}.",
                     current_location)


def complete_cycle_count(count: CycleCount, *, user: User) -> CycleCount:
    """Compare every location's lines with the book as of the time it was counted. Lines
    outside the tolerance go back for one recount (the count answers which); after the
    recount, or when none is needed, the count waits for a supervisor's approval."""
    count = lock_count(count)
    advance_count(count, "count")
    if count.state is CycleCountState.OPEN:
        _compare_first_round(count)
    else:
        _compare_recount(count)
    db.session.commit()
    return count


def approve_cycle_count(count: CycleCount, *, user: User) -> CycleCount:
    """Post every remaining difference as a count_gain or count_loss adjustment (no second
    approval: the count was the check), linked from its line."""
    require_review(user, "Only a supervisor may approve a cycle count.")
    count = lock_count(count)
    advance_count(count, "approve")
    now = utcnow()
    for line in count.lines:
        if not line.difference:
            continue
        adjustment = Adjustment(
            warehouse_id=count.warehouse_id, seller_id=line.seller_id, sku_id=line.sku_id,
            location_id=line.location_id, bucket=SHELF_KINDS[line.location.kind],
            qty=line.difference, state=AdjustmentState.POSTED, note=f"Cycle count {count.id}",
            reason=(AdjustmentReason.COUNT_GAIN if line.difference > 0
                    else AdjustmentReason.COUNT_LOSS),
            requested_by_id=line.counted_by_id or user.id, requested_at=now)
        db.session.add(adjustment)
        db.session.flush()
        post_adjustment(adjustment, decided_by=user)
        line.adjustment_id = adjustment.id
    count.approved_by_id = user.id
    count.approved_at = now
    db.session.commit()
    return count


def find_cycle_count(user: User, count_id: int) -> CycleCount:
    count = db.session.scalar(scope_cycle_counts(
        sa.select(CycleCount).where(CycleCount.id == count_id), user))
    if count is None:
        raise NotFound(f"No cycle count {count_id}.")
    return count


def list_cycle_counts(user: User, *, open_only: bool = False) -> list[CycleCount]:
    query = scope_cycle_counts(sa.select(CycleCount), user)
    if open_only:
        query = query.where(CycleCount.state.in_((CycleCountState.OPEN,
                                                  CycleCountState.RECOUNT)))
    return list(db.session.scalars(query.order_by(CycleCount.id.desc()).limit(200)))


def lock_count(count: CycleCount) -> CycleCount:
    return db.session.get(CycleCount, count.id, with_for_update=True, populate_existing=True)


def recount_lines(count: CycleCount) -> list[CycleCountLine]:
    return [line for line in count.lines if line.recount]


@dataclass(frozen=True)
class CountFigures:
    """The count's report: how many lines matched the book, and what the differences are
    worth where the seller gave a unit value."""

    lines: int
    matched: int
    units_gained: int
    units_lost: int
    value_gained: Decimal | None
    value_lost: Decimal | None

    @property
    def accuracy(self) -> float | None:
        """Lines without a difference, in percent."""
        return round(100 * self.matched / self.lines, 1) if self.lines else None


def count_figures(count: CycleCount) -> CountFigures:
    compared = [line for line in count.lines if line.difference is not None]
    gains = [line for line in compared if line.difference > 0]
    losses = [line for line in compared if line.difference < 0]
    return CountFigures(
        lines=len(compared), matched=sum(1 for line in compared if line.difference == 0),
        units_gained=sum(line.difference for line in gains),
        units_lost=-sum(line.difference for line in losses),
        value_gained=_value(gains), value_lost=_value(losses, -1))


def line_value(line: CycleCountLine) -> Decimal | None:
    """The difference in money, when the SKU's unit value is known."""
    if line.difference is None or line.sku.unit_value is None:
        return None
    return line.difference * line.sku.unit_value


def _value(lines: list[CycleCountLine], sign: int = 1) -> Decimal | None:
    values = [line_value(line) for line in lines]
    known = [v for v in values if v is not None]
    return sign * sum(known, Decimal(0)) if known else None


def _compare_first_round(count: CycleCount) -> None:
    waiting = [p.location.barcode for p in count.places if p.counted_at is None]
    if waiting:
        raise WrongStep("Count these locations first: " + ", ".join(waiting) + ".",
                        [{"path": "locations", "message": code} for code in waiting])
    for spot in count.places:
        book = book_as_of(spot.location_id, SHELF_KINDS[spot.location.kind], spot.counted_at,
                          sku_ids=count.sku_ids)
        lines = {(line.seller_id, line.sku_id): line for line in count.lines
                 if line.location_id == spot.location_id}
        for seller_id, sku_id in book.keys() - lines.keys():
            # on the book, not on the shelf: counted nothing
            lines[(seller_id, sku_id)] = CycleCountLine(
                count_id=count.id, location_id=spot.location_id, seller_id=seller_id,
                sku_id=sku_id, counted_qty=0)
            db.session.add(lines[(seller_id, sku_id)])
        for key, line in lines.items():
            line.book_qty = book.get(key, 0)
            line.recount = abs(line.counted_qty - line.book_qty) > count.tolerance_units
    db.session.flush()
    db.session.refresh(count, ["lines"])
    if any(line.recount for line in count.lines):
        advance_count(count, "send_to_recount")
    else:
        _finish(count)


def _compare_recount(count: CycleCount) -> None:
    spots = {p.location_id: p for p in count.places}
    waiting = sorted({spots[line.location_id].location.barcode for line in recount_lines(count)
                      if spots[line.location_id].recounted_at is None})
    if waiting:
        raise WrongStep("Recount these locations first: " + ", ".join(waiting) + ".",
                        [{"path": "recount", "message": code} for code in waiting])
    for line in recount_lines(count):
        spot = spots[line.location_id]
        book = book_as_of(spot.location_id, SHELF_KINDS[spot.location.kind], spot.recounted_at,
                          sku_ids=[line.sku_id])
        line.recount_qty = line.recount_qty or 0
        line.recount_book_qty = book.get((line.seller_id, line.sku_id), 0)
    _finish(count)


def _finish(count: CycleCount) -> None:
    advance_count(count, "complete")
    count.completed_at = utcnow()


def _to_recount(count: CycleCount, location_id: int, line: CycleCountLine | None) -> bool:
    if line is not None:
        return line.recount
    return any(l.recount and l.location_id == location_id for l in count.lines)  # noqa: E741


def _line(count: CycleCount, location_id: int, sku: Sku) -> CycleCountLine | None:
    return next((line for line in count.lines if line.location_id == location_id
                 and line.sku_id == sku.id), None)


def _where_held(place, sku_ids: list[int]) -> list[Location]:
    spots = list(db.session.scalars(
        sa.select(Location).join(Balance, Balance.location_id == Location.id)
        .where(Balance.warehouse_id == place.id, Balance.sku_id.in_(sku_ids), Balance.qty != 0,
               Location.kind.in_(list(SHELF_KINDS)))
        .distinct().order_by(Location.barcode)))
    if not spots:
        raise InvalidInput("The cycle count has errors; nothing was created.", [
            {"path": "skus", "message": f"none of these is on a shelf in {place.code}"}])
    return spots
