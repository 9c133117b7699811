"""Percentiles interpolate linearly between the closest ranks (type 7, as NumPy by default)."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.insights.metrics import percentile
from kefu.insights.metrics.percentiles import summarize


def test_known_values() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(11)), 90) == 9.0
    assert percentile([10, 20], 25) == 12.5
    assert percentile([7], 99) == 7.0
    assert percentile([], 50) is None
    assert percentile([3, 5], 0) == 3.0
    assert percentile([3, 5], 100) == 5.0


def test_agrees_with_numpy_linear() -> None:
    rng = np.random.default_rng(7)
    values = sorted(rng.exponential(120.0, size=257).tolist())
    for p in (1, 25, 50, 90, 99, 99.9):
        assert percentile(values, p) == pytest.approx(np.percentile(values, p, method="linear"))


def test_out_of_range_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_of_durations() -> None:
    summary = summarize([30.0, 10.0, 20.0])
    assert (summary.count, summary.mean, summary.p50) == (3, 20.0, 20.0)
    assert summary.p90 == pytest.approx(28.0)
    assert summarize([]).p50 is None
