"""Percentiles and rates, the same way for every figure."""
from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the
    values at or below it (so p99 of 100 values is the 99th smallest, never interpolated)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of latencies given in seconds, in milliseconds."""
    return {
        name: round(percentile(seconds, fraction) * 1000, 2)
        for name, fraction in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99),
                               ("max_ms", 1.0))
    }


def ratio(value: float, floor: float) -> float | None:
    """value / floor, rounded; None when the floor is missing or zero."""
    if not floor or math.isnan(floor) or value is None or math.isnan(value):
        return None
    return round(value / floor, 3)
