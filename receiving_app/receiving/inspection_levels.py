"""Sampling that learns from each seller: an inspection level per seller and warehouse,
switched ANSI/ASQ Z1.4 style on the results of their closed receipts.

| from | to | when (receipts closed at the current level, since the last switch) |
| normal | tightened | 2 of the last 5 had a sample finding |
| tightened | normal | 5 in a row without a finding |
| normal | reduced | 10 in a row without a finding |
| reduced | normal | the first with a finding |

A sample finding is a short, over, wrong SKU, undeclared mixed carton, or damage beyond the
warehouse's tolerance, that a supervisor did not reject as raised in error and a recount
did not settle. Each switch is kept with its reason; a supervisor may set a level by hand,
with a note, which restarts the count. The level in force when the count completes sizes
that receipt's sample (sampling.sample_size), and the receipt keeps it.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..i18n import label
from ..models import (
    Asn, ExceptionKind, InspectionLevel, InspectionSwitch, ReceiptInspection,
    ReceivingException, ResolutionKind, Role, Seller, SellerInspection, User, Warehouse,
    utcnow,
)
from ..payloads import MAX_NOTE, Payload, checked, one_of, text
from .summary import asn_lines

FINDING_KINDS = frozenset({ExceptionKind.SHORT, ExceptionKind.OVER, ExceptionKind.WRONG_SKU,
                           ExceptionKind.UNDECLARED_MIXED, ExceptionKind.DAMAGED})
# decisions that say there was no difference after all
NO_FINDING = frozenset({ResolutionKind.REJECT, ResolutionKind.RECOUNT_MATCHED})
TIGHTEN_FINDINGS, TIGHTEN_WINDOW = 2, 5
RELAX_CLEAN = 5  # tightened -> normal
REDUCE_CLEAN = 10  # normal -> reduced

# Why a seller is at their level: the rule (or the hand) that put them there.
REASONS = {
    "standard": _l("the standard sample"),
    "two_of_five": _l("2 of the last 5 receipts had differences"),
    "five_clean": _l("5 receipts in a row without differences under tightened inspection"),
    "ten_clean": _l("10 receipts in a row without differences"),
    "finding_under_reduced": _l("a receipt under reduced inspection had differences"),
    "by_hand": _l("set by a supervisor"),
}


def reason_text(level: InspectionLevel, reason: str) -> str:
    """The dock's one line: "tightened: 2 of the last 5 receipts had differences"."""
    return f"{label(level)}: {REASONS.get(reason, reason)}"


@dataclass(frozen=True)
class Standing:
    """A seller's level at a warehouse, why, since when, and the run of receipts the rules
    are counting."""

    seller: Seller
    warehouse: Warehouse
    level: InspectionLevel
    reason: str
    since: datetime | None
    clean_in_a_row: int
    findings_in_last_five: int
    switches: list[InspectionSwitch]

    @property
    def text(self) -> str:
        return reason_text(self.level, self.reason)


def level_of(seller_id: int, warehouse_id: int) -> tuple[InspectionLevel, str, datetime | None]:
    """The seller's level at the warehouse, its reason and since when (normal by default)."""
    row = db.session.scalar(sa.select(SellerInspection).where(
        SellerInspection.seller_id == seller_id, SellerInspection.warehouse_id == warehouse_id))
    if row is None:
        return InspectionLevel.NORMAL, "standard", None
    return row.level, row.reason, row.since


def record_sample(asn: Asn, level: InspectionLevel, reason: str, size: int,
                  at: datetime) -> ReceiptInspection:
    """Keep the level the receipt's sample was drawn at (the counting use case commits)."""
    row = ReceiptInspection(asn_id=asn.id, seller_id=asn.seller_id,
                            warehouse_id=asn.warehouse_id, level=level, reason=reason,
                            sample_size=size, drawn_at=at)
    db.session.add(row)
    return row


def receipt_inspection(asn: Asn) -> ReceiptInspection | None:
    return db.session.scalar(sa.select(ReceiptInspection).where(
        ReceiptInspection.asn_id == asn.id))


def sample_finding(asn: Asn) -> bool:
    """Whether the receipt's sample found a difference that stands (see the module)."""
    exceptions = db.session.scalars(sa.select(ReceivingException).where(
        ReceivingException.asn_id == asn.id, ReceivingException.kind.in_(FINDING_KINDS)))
    standing = [e for e in exceptions
                if not e.resolutions or e.resolutions[-1].resolution not in NO_FINDING]
    if any(e.kind is not ExceptionKind.DAMAGED for e in standing):
        return True
    damaged = sum(e.found_qty for e in standing)
    if not damaged:
        return False
    received = sum(line.received for line in asn_lines(asn))
    return damaged * 100 > asn.warehouse.damage_tolerance_pct * received


def apply_switching_rules(asn: Asn, at: datetime) -> InspectionSwitch | None:
    """At the receipt's close: record what its sample found and switch the seller's level
    when a rule says so (the closing use case commits)."""
    drawn = receipt_inspection(asn)
    if drawn is None:  # counted before levels existed
        return None
    drawn.finding, drawn.closed_at = sample_finding(asn), at
    current = _locked_standing_row(asn.seller_id, asn.warehouse_id)
    level = current.level if current else InspectionLevel.NORMAL
    since = current.since if current else None
    results = _results(asn.seller_id, asn.warehouse_id, level, since)
    target, reason = _rule(level, results)
    if target is None:
        return None
    return _switch(asn.seller_id, asn.warehouse_id, current, target, reason, at=at, asn=asn)


def _rule(level: InspectionLevel, results: list[bool]) -> tuple[InspectionLevel | None, str]:
    """The switch the rules call for, given the findings newest first."""
    if level is InspectionLevel.NORMAL:
        if sum(results[:TIGHTEN_WINDOW]) >= TIGHTEN_FINDINGS:
            return InspectionLevel.TIGHTENED, "two_of_five"
        if len(results) >= REDUCE_CLEAN and not any(results[:REDUCE_CLEAN]):
            return InspectionLevel.REDUCED, "ten_clean"
    elif level is InspectionLevel.TIGHTENED:
        if len(results) >= RELAX_CLEAN and not any(results[:RELAX_CLEAN]):
            return InspectionLevel.NORMAL, "five_clean"
    elif results and results[0]:
        return InspectionLevel.NORMAL, "finding_under_reduced"
    return None, ""


def _results(seller_id: int, warehouse_id: int, level: InspectionLevel,
             since: datetime | None) -> list[bool]:
    """Findings of the receipts drawn at `level` since the last switch, newest first."""
    query = sa.select(ReceiptInspection.finding).where(
        ReceiptInspection.seller_id == seller_id, ReceiptInspection.warehouse_id == warehouse_id,
        ReceiptInspection.level == level, ReceiptInspection.closed_at.is_not(None))
    if since is not None:
        query = query.where(ReceiptInspection.drawn_at >= since)
    return list(db.session.scalars(query.order_by(ReceiptInspection.closed_at.desc(),
                                                  ReceiptInspection.id.desc())
                                   .limit(REDUCE_CLEAN)))


def _locked_standing_row(seller_id: int, warehouse_id: int) -> SellerInspection | None:
    # The seller's row is the lock: two of their receipts closing at once switch in turn.
    db.session.get(Seller, seller_id, with_for_update=True)
    return db.session.scalar(sa.select(SellerInspection).where(
        SellerInspection.seller_id == seller_id, SellerInspection.warehouse_id == warehouse_id))


def _switch(seller_id: int, warehouse_id: int, current: SellerInspection | None,
            target: InspectionLevel, reason: str, *, at: datetime, asn: Asn | None = None,
            user: User | None = None, note: str = "") -> InspectionSwitch:
    if current is None:
        current = SellerInspection(seller_id=seller_id, warehouse_id=warehouse_id,
                                   level=InspectionLevel.NORMAL, reason="standard", since=at)
        db.session.add(current)
    switch = InspectionSwitch(seller_id=seller_id, warehouse_id=warehouse_id,
                              from_level=current.level, to_level=target, reason=reason,
                              note=note, at=at, by_id=user.id if user else None,
                              asn_id=asn.id if asn else None)
    db.session.add(switch)
    current.level, current.reason, current.since = target, reason, at
    return switch


class LevelByHand(Payload):
    """A supervisor's choice of a seller's level, and why."""

    level: one_of(lambda: {lv.value for lv in InspectionLevel}, "normal, tightened or reduced")
    note: text(MAX_NOTE, required=True, kind="note", blank="why, in at most 2000 characters")


def set_inspection_level(seller: Seller, warehouse: Warehouse, level: str, note: str, *,
                         user: User) -> InspectionSwitch:
    """A supervisor sets the seller's level by hand, with a note; the rules count afresh."""
    chosen = checked(LevelByHand, {"level": level, "note": note},
                     "The inspection level has errors.")
    current = _locked_standing_row(seller.id, warehouse.id)
    switch = _switch(seller.id, warehouse.id, current, InspectionLevel(chosen.level), "by_hand",
                     at=utcnow(), user=user, note=chosen.note)
    db.session.commit()
    return switch


def standing_of(seller: Seller, warehouse: Warehouse) -> Standing:
    """The seller's level at the warehouse with its history, newest switch first."""
    level, reason, since = level_of(seller.id, warehouse.id)
    results = _results(seller.id, warehouse.id, level, since)
    clean = next((n for n, finding in enumerate(results) if finding), len(results))
    switches = list(db.session.scalars(sa.select(InspectionSwitch).where(
        InspectionSwitch.seller_id == seller.id, InspectionSwitch.warehouse_id == warehouse.id)
        .order_by(InspectionSwitch.at.desc(), InspectionSwitch.id.desc())))
    return Standing(seller, warehouse, level, reason, since, clean,
                    sum(results[:TIGHTEN_WINDOW]), switches)


def find_standing(user: User, seller_code: str, warehouse_code: str | None) -> Standing:
    """The level of a seller the user may see at a warehouse the user may see; anything
    else is "not found", as for a seller that does not exist. Staff default to their
    warehouse; anyone to the only warehouse there is."""
    seller = db.session.scalar(sa.select(Seller).where(Seller.code == seller_code))
    if seller is None or (user.role is Role.SELLER and user.seller_id != seller.id):
        raise NotFound(f"No seller {seller_code}.")
    if warehouse_code:
        warehouse = db.session.scalar(sa.select(Warehouse).where(Warehouse.code ==
                                                                 warehouse_code))
    elif user.warehouse_id is not None:
        warehouse = db.session.get(Warehouse, user.warehouse_id)
    else:
        only = list(db.session.scalars(sa.select(Warehouse).limit(2)))
        if len(only) != 1:
            raise InvalidInput("Say which warehouse.", [{"path": "warehouse", "message":
                                                         "required: the warehouse code"}])
        warehouse = only[0]
    if warehouse is None or (user.role is not Role.SELLER and user.warehouse_id is not None
                             and user.warehouse_id != warehouse.id):
        raise NotFound(f"No warehouse {warehouse_code}.")
    return standing_of(seller, warehouse)


def standings_at(warehouse: Warehouse) -> list[Standing]:
    """Every seller with receipts at the warehouse, tightened first, then normal, reduced."""
    seller_ids = db.session.scalars(sa.select(Asn.seller_id).where(
        Asn.warehouse_id == warehouse.id).distinct())
    sellers = db.session.scalars(sa.select(Seller).where(Seller.id.in_(seller_ids))
                                 .order_by(Seller.code))
    order = {InspectionLevel.TIGHTENED: 0, InspectionLevel.NORMAL: 1, InspectionLevel.REDUCED: 2}
    return sorted((standing_of(s, warehouse) for s in sellers), key=lambda s: order[s.level])


def seller_standings(seller: Seller) -> list[Standing]:
    """The seller's level at every warehouse they ship to."""
    warehouse_ids = db.session.scalars(sa.select(Asn.warehouse_id).where(
        Asn.seller_id == seller.id).distinct())
    return [standing_of(seller, w) for w in db.session.scalars(
        sa.select(Warehouse).where(Warehouse.id.in_(warehouse_ids)).order_by(Warehouse.code))]
