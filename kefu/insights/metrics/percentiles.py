"""Percentiles and summaries of durations.

Interpolation is linear between the closest ranks (Hyndman and Fan's type 7: NumPy's default,
spreadsheets' PERCENTILE.INC): for sorted values x[0..n-1], percentile p lies at rank
h = (n - 1) * p / 100 and is x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
So the median of 1, 2, 3, 4 is 2.5, and the 90th percentile of 0..10 is 9. A percentile of
one value is that value; of none, None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .rows import Durations


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0..100) of values already sorted ascending."""
    if not 0 <= p <= 100:
        raise ValueError("a percentile is between 0 and 100")
    n = len(ordered)
    if n == 0:
        return None
    rank = (n - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, n - 1)
    return float(ordered[low] + (rank - low) * (ordered[high] - ordered[low]))


def summarize(values: Sequence[float]) -> Durations:
    """Count, mean and the 50th, 90th and 99th percentiles of durations in seconds."""
    if not values:
        return Durations()
    ordered = sorted(values)
    return Durations(
        count=len(ordered),
        mean=math.fsum(ordered) / len(ordered),
        p50=percentile(ordered, 50),
        p90=percentile(ordered, 90),
        p99=percentile(ordered, 99),
    )
