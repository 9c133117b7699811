"""Hand-built contact histories with known answers."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from kefu.insights.forecasting.series import PER_DAY, ContactSeries

MONDAY = datetime(2026, 6, 1)  # a Monday, naive: a CSV's wall-clock time
WEEKDAY_LEVEL = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5])


def pattern(days: int, start: datetime = MONDAY) -> np.ndarray:
    """A smooth daily cycle (20 to 60 contacts) times a weekly level, without noise."""
    slots = np.arange(days * PER_DAY)
    daily = 40 - 20 * np.cos(2 * math.pi * (slots % PER_DAY) / PER_DAY)
    weekday = (start.weekday() + slots // PER_DAY) % 7
    return daily * WEEKDAY_LEVEL[weekday]


def series(days: int, start: datetime = MONDAY) -> ContactSeries:
    return ContactSeries(start, pattern(days, start))
