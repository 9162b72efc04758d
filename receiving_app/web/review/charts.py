"""The geometry of the dock-to-stock chart, drawn as SVG by the template.

Bars per row: the 90th percentile (light) behind the median (dark), in hours on one scale.
"""
from dataclasses import dataclass

from ...receiving.reports import DockToStock

LABEL_WIDTH = 120
PLOT_WIDTH = 480
ROW_HEIGHT = 34
BAR_HEIGHT = 20
AXIS_HEIGHT = 28
# Steps a reader can add up in their head: hours, then shifts, then days.
TICK_STEPS = (1, 2, 4, 6, 12, 24, 48, 72, 96, 168, 336, 720)
MAX_TICKS = 6


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    median: float | None
    p90: float | None
    median_width: float
    p90_width: float


@dataclass(frozen=True)
class HoursChart:
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (x, hours)
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def axis_y(self) -> int:
        return self.height - AXIS_HEIGHT


def hours_chart(rows: list[DockToStock]) -> HoursChart:
    """Bars for each row that closed something, on a scale that fits the longest p90."""
    measured = [row for row in rows if row.asns_closed]
    longest = max((row.p90_hours or 0 for row in measured), default=0)
    step = next((s for s in TICK_STEPS if s * MAX_TICKS >= longest), TICK_STEPS[-1])
    top = max(step, step * -(-longest // step))  # the longest, rounded up to a tick

    def width(value: float | None) -> float:
        return round(PLOT_WIDTH * (value or 0) / top, 1)

    bars = [Bar(row.code, i * ROW_HEIGHT, row.median_hours, row.p90_hours,
                width(row.median_hours), width(row.p90_hours)) for i, row in enumerate(measured)]
    ticks = [(LABEL_WIDTH + width(h), int(h)) for h in range(0, int(top) + 1, step)]
    return HoursChart(bars, ticks, LABEL_WIDTH + PLOT_WIDTH + 40,
                      len(bars) * ROW_HEIGHT + AXIS_HEIGHT)
