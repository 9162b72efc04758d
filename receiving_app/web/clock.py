"""Times as the warehouse's clock shows them, for every page."""
from datetime import datetime
from zoneinfo import ZoneInfo

from ..models import Warehouse


def warehouse_clock(value: datetime | None, warehouse: Warehouse) -> str:
    """A timestamp on the warehouse's own clock with its offset, in figures any reader
    knows: "2026-03-06 16:00 UTC-08:00" ("—" for none)."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(warehouse.timezone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"
