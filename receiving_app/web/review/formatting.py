"""How the review desk writes times, durations and figures; given to its templates only.

static/review.js writes durations the same way when it ticks the clocks live, so a page
reads the same before and after the first tick.
"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ...models import ClaimKind, Warehouse


def duration(seconds: float | None) -> str:
    """A clock reading: "02:05:09", "1 d 02:05:09"; "overdue 00:10:00" when negative."""
    if seconds is None:
        return "—"
    whole = int(abs(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if days:
        text = f"{days} d {text}"
    return f"overdue {text}" if seconds < 0 else text


def warehouse_time(value: datetime | None, warehouse: Warehouse, *, seconds: bool = False) -> str:
    """A timestamp on the warehouse's own clock, with its zone: "2026-03-06 16:00 PST"."""
    if value is None:
        return "—"
    shape = "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    return value.astimezone(ZoneInfo(warehouse.timezone)).strftime(shape)


def barcode_text(code: dict) -> str:
    """A barcode read from a photo as a person reads it: GS1 separators shown as spaces."""
    return str(code.get("text", "")).replace("\x1d", " ").strip()


def iso(value: datetime) -> str:
    """A UTC timestamp to the second, as browsers parse it everywhere: "2026-03-06T16:00:00Z"."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


RESOLUTION_WORDS = {"accept": "variance accepted", "recount": "recount ordered",
                    "carrier_claim": "carrier claim", "reject": "rejected (raised in error)",
                    "recount_matched": "the recount matched the packing list"}


def resolution_word(resolution: str) -> str:
    """What a decision did, in words ("variance accepted"), for a kind or its value."""
    value = str(resolution)
    return RESOLUTION_WORDS.get(value, value.replace("_", " "))


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


TEMPLATE_HELPERS = {
    "claim_kinds": list(ClaimKind),
    "duration": duration, "warehouse_time": warehouse_time, "iso": iso,
    "barcode_text": barcode_text, "hours": hours, "percent": percent, "number": number,
    "resolution_word": resolution_word,
}
