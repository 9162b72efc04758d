"""SLA due times: plain hours, or only the warehouse's business hours in its own time zone."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..models import Asn, Warehouse


def receipt_hours(asn: Asn) -> int:
    """The seller's contracted receipt time when set, else the warehouse's."""
    return asn.seller.receipt_hours or asn.warehouse.receipt_hours


def due_at(start: datetime, hours: float, warehouse: Warehouse) -> datetime:
    """`hours` after `start`, counting only business hours when the warehouse says so.

    Arithmetic is done in UTC, so a daylight-saving change inside a window counts the hours
    that really passed.
    """
    if not warehouse.business_hours_only:
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    for begin, end in business_windows(start, warehouse):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable: business_windows is endless")


def business_windows(start: datetime, warehouse: Warehouse):
    """The warehouse's open periods from `start` on, as (begin, end) UTC pairs, endlessly."""
    zone = ZoneInfo(warehouse.timezone)
    weekdays = {int(d) for d in warehouse.business_weekdays.split(",") if d.strip()}
    if not weekdays or warehouse.business_day_end_hour <= warehouse.business_day_start_hour:
        raise ValueError("the warehouse's business hours are empty")
    day = start.astimezone(zone).date()
    while True:
        if day.isoweekday() in weekdays:
            opens = datetime.combine(day, time(warehouse.business_day_start_hour), zone)
            closes = datetime.combine(day, time(warehouse.business_day_end_hour), zone)
            begin, end = max(opens.astimezone(UTC), start), closes.astimezone(UTC)
            if begin < end:
                yield begin, end
        day += timedelta(days=1)


def working_hours_between(start: datetime, end: datetime, warehouse: Warehouse) -> float:
    """Hours from start to end that count for the SLA (negative when end is before start)."""
    if end < start:
        return -working_hours_between(end, start, warehouse)
    if not warehouse.business_hours_only:
        return (end - start).total_seconds() / 3600
    total = timedelta()
    for begin, close in business_windows(start, warehouse):
        if begin >= end:
            break
        total += min(close, end) - begin
    return total.total_seconds() / 3600
