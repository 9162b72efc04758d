"""Cycle counts over the API: create, count lines, complete (and recount), approve, report."""
from flask import g, request

from ...inventory.counts import (
    approve_cycle_count, complete_cycle_count, count_figures, count_line, create_cycle_count,
    find_cycle_count, line_value, list_cycle_counts, recount_lines,
)
from ...models import CycleCount, CycleCountState, Role
from . import bp, json_body, require_action
from .serializers import iso


@bp.post("/cycle-counts")
def create_count():
    """{"warehouse", "locations": [...]} | {"warehouse", "aisle"} | {"warehouse", "skus": [...]},
    optional "blind" (default true): 201 with the count and the locations to count."""
    require_action("review")
    body = json_body()
    count = create_cycle_count(
        warehouse=body.get("warehouse"), locations=body.get("locations"),
        aisle=body.get("aisle"), skus=body.get("skus"), blind=body.get("blind", True),
        user=g.api_user)
    return count_json(count), 201


@bp.get("/cycle-counts")
def get_counts():
    """The warehouse's cycle counts, newest first (?open=1 for those still being counted)."""
    require_action("dock")
    counts = list_cycle_counts(g.api_user, open_only=request.args.get("open") in ("1", "true"))
    return {"cycle_counts": [count_json(c, lines=False) for c in counts]}


@bp.get("/cycle-counts/<int:count_id>")
def get_count(count_id: int):
    """The count's report: lines with book, counted and difference (hidden from the counter
    of a blind count), value where the SKU's unit value is known, and accuracy."""
    require_action("dock")
    return count_json(find_cycle_count(g.api_user, count_id))


@bp.post("/cycle-counts/<int:count_id>/lines")
def add_line(count_id: int):
    """{"location", "sku", "qty"} (and "seller" when sellers share the SKU): units counted
    there, added to the round's count; without "sku", the location is empty."""
    require_action("dock")
    body = json_body()
    count = find_cycle_count(g.api_user, count_id)
    line = count_line(count, location=body.get("location"), sku=body.get("sku"),
                      qty=body.get("qty", 0), seller=body.get("seller"), user=g.api_user)
    answer = {"state": count.state.value, "location": body.get("location")}
    if line is not None:
        answer |= {"sku": line.sku.code, "seller": line.seller.code,
                   "counted": line.recount_qty if count.state is CycleCountState.RECOUNT
                   else line.counted_qty}
    return answer, 201


@bp.post("/cycle-counts/<int:count_id>/complete")
def complete_count(count_id: int):
    """Compare with the book as of each location's count time: {"state", "lines",
    "recount": [{"location", "sku"}]}; after the recount, complete again."""
    require_action("dock")
    count = complete_cycle_count(find_cycle_count(g.api_user, count_id), user=g.api_user)
    return count_json(count)


@bp.post("/cycle-counts/<int:count_id>/approve")
def approve_count(count_id: int):
    """A supervisor posts the differences as count_gain / count_loss adjustments."""
    require_action("review")
    count = approve_cycle_count(find_cycle_count(g.api_user, count_id), user=g.api_user)
    return count_json(count)


def count_json(count: CycleCount, *, lines: bool = True) -> dict:
    # the counter of a blind count never sees the book, nor what it implies
    hidden = count.blind and g.api_user.role is Role.DOCK
    body = {
        "id": count.id, "warehouse": count.warehouse.code, "state": count.state.value,
        "blind": count.blind, "tolerance_units": count.tolerance_units,
        "created_by": count.created_by.username if count.created_by else None,
        "created_at": iso(count.created_at), "completed_at": iso(count.completed_at),
        "approved_by": count.approved_by.username if count.approved_by else None,
        "approved_at": iso(count.approved_at),
        "locations": [{"location": p.location.barcode, "counted_at": iso(p.counted_at),
                       "recounted_at": iso(p.recounted_at)} for p in count.places],
    }
    if not lines:
        return body
    figures = count_figures(count)
    body["lines"] = [{
        "location": line.location.barcode, "seller": line.seller.code, "sku": line.sku.code,
        "book": None if hidden else line.final_book, "counted": line.final_counted,
        "difference": None if hidden else line.difference, "recounted": line.recount,
        "value": None if hidden or line_value(line) is None else str(line_value(line)),
        "adjustment": line.adjustment_id,
    } for line in count.lines]
    body["recount"] = [{"location": line.location.barcode, "sku": line.sku.code}
                       for line in recount_lines(count)
                       if count.state is CycleCountState.RECOUNT]
    body["report"] = None if hidden else {
        "lines": figures.lines, "matched": figures.matched, "accuracy": figures.accuracy,
        "units_gained": figures.units_gained, "units_lost": figures.units_lost,
        "value_gained": _money(figures.value_gained), "value_lost": _money(figures.value_lost),
    }
    return body


def _money(value):
    return None if value is None else str(value)
