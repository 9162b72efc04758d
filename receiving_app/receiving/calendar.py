"""The warehouse's calendar: which days it works (its weekdays, less its holidays), and
business days counted on it. The SLA clock and the carrier claims' deadlines both read it."""
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..models import Warehouse

# A year of business days: further is a typing mistake, and would never end a count.
MAX_BUSINESS_DAYS = 260


def working_weekdays(value: str) -> frozenset[int]:
    """The ISO weekdays (Monday = 1) of a policy's "1,2,3,4,5"."""
    return frozenset(int(d) for d in value.split(",") if d.strip())


def working_day_test(warehouse: Warehouse) -> Callable[[date], bool]:
    """Whether a day is one the warehouse works: a working weekday and not a holiday."""
    weekdays = working_weekdays(warehouse.business_weekdays)
    holidays = frozenset(h.day for h in warehouse.holidays)
    return lambda day: day.isoweekday() in weekdays and day not in holidays


def local_hour(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """`hour` o'clock on `day` in the zone, in UTC; hour 24 is the next midnight (a day that
    ends at 24:00 is open until the clock turns)."""
    return datetime.combine(day + timedelta(days=hour // 24), time(hour % 24), zone).astimezone(UTC)


def business_days_after(moment: datetime, days: int, warehouse: Warehouse) -> datetime:
    """The close of business on the `days`-th working day after the local day of `moment`
    (0: the close of that day itself). A delivery on Thursday with 5 business days is due
    by the next Thursday's close; a holiday on the Monday moves it to Friday."""
    zone = ZoneInfo(warehouse.timezone)
    works = working_day_test(warehouse)
    if not working_weekdays(warehouse.business_weekdays):
        raise ValueError("the warehouse works no weekday")
    day, counted = moment.astimezone(zone).date(), 0
    while counted < min(days, MAX_BUSINESS_DAYS):
        day += timedelta(days=1)
        counted += works(day)
    return local_hour(day, warehouse.business_day_end_hour, zone)


def business_days_left(now: datetime, deadline: datetime, warehouse: Warehouse) -> int:
    """Working days after today up to the deadline's day: 0 when it is due today, 1 when
    tomorrow (a working day); once passed, minus the working days since (at least -1)."""
    zone = ZoneInfo(warehouse.timezone)
    works = working_day_test(warehouse)
    today, last = now.astimezone(zone).date(), deadline.astimezone(zone).date()
    if now <= deadline:
        return sum(works(today + timedelta(days=n)) for n in range(1, (last - today).days + 1))
    return -max(1, sum(works(last + timedelta(days=n))
                       for n in range(1, (today - last).days + 1)))
