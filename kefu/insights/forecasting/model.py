"""Forecasting contacts per interval: a weekly-profile model, and seasonal naive to beat.

Contact volume repeats by the day and by the week, and what a given interval will bring is best
told by that same interval on the same weekday in the last few weeks. Seasonal naive uses only
last week's value, so its forecast carries all of one week's noise (and any holiday or outage in
it). The profile model takes the last ``weeks`` same weekdays instead:

- values more than ``clip`` Poisson standard deviations (the square root of the count) from
  their median are pulled in to that bound, so one holiday, outage or market spike does not
  move next week much;
- values are weighted ``decay`` ** age, newest first, in that median and in the average of the
  clipped values, so a lasting change of level takes over within about four weeks (with twelve
  weeks of equal weight it would take seven);
- neighbouring intervals are blended (``smooth``) because a count per 30 minutes is noisy while
  the demand behind it changes smoothly through the day.

Special days (a public holiday, the half day before it) can be declared with the weekday they
behave like: they are forecast from recent days of that kind, and never taken as an ordinary
weekday's past. Everything is numpy; fitting and forecasting a week takes milliseconds. The
defaults were chosen by backtest on forecasts made in the first four months of a real call
centre's year only, among settings that follow a lasting change within a month (decay <= 0.85);
``kefu bench insights`` reports the rest of the year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .series import INTERVAL, PER_DAY, PER_WEEK, ContactSeries

# A weekday as datetime.weekday() counts them: Monday 0 ... Sunday 6.
SpecialDays = Mapping[date, int]


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """The same interval one week earlier (two weeks for the second week ahead, ...)."""
    if len(history) < PER_WEEK:
        raise ValueError("seasonal naive needs at least one week of history")
    steps = np.arange(horizon)
    return history[len(history) + steps - PER_WEEK * (steps // PER_WEEK + 1)].astype(float)


@dataclass(frozen=True)
class WeeklyProfileModel:
    weeks: int = 12
    decay: float = 0.85
    clip: float = 1.0
    smooth: float = 0.5

    def forecast(
        self, history: ContactSeries, horizon: int, special_days: SpecialDays | None = None
    ) -> np.ndarray:
        """Expected contacts in each of the ``horizon`` intervals after ``history`` ends."""
        if horizon <= 0:
            return np.zeros(0)
        special = special_days or {}
        midnight = history.start.replace(hour=0, minute=0, second=0, microsecond=0)
        first_day = midnight.date()
        offset = (history.start - midnight) // INTERVAL
        observed = offset + len(history)
        n_days = math.ceil((observed + horizon) / PER_DAY)
        grid = np.full(n_days * PER_DAY, np.nan)
        grid[offset:observed] = history.counts
        by_day = grid.reshape(n_days, PER_DAY)
        kinds = np.array(
            [special.get(d, d.weekday()) for d in (first_day + timedelta(i) for i in range(n_days))]
        )
        today = observed // PER_DAY
        rows = [self._day(by_day, kinds, day) for day in range(today, n_days)]
        ahead = np.concatenate(rows)
        if self.smooth > 0:
            padded = np.concatenate([[ahead[0]], ahead, [ahead[-1]]])
            blend = padded[1:-1] + self.smooth * (padded[:-2] + padded[2:])
            ahead = blend / (1 + 2 * self.smooth)
        start = observed - today * PER_DAY
        return np.maximum(ahead[start : start + horizon], 0.0)

    def _day(self, by_day: np.ndarray, kinds: np.ndarray, day: int) -> np.ndarray:
        """One day's forecast from the latest ``weeks`` observed values of each interval on
        earlier days of the same kind."""
        earlier = np.nonzero(kinds[:day] == kinds[day])[0][::-1]
        if len(earlier) == 0:  # a kind of day never seen: fall back on the days before it
            earlier = np.arange(day)[::-1]
        values = by_day[earlier]
        seen = ~np.isnan(values)
        rank = np.cumsum(seen, axis=0) - 1
        use = seen & (rank < self.weeks)
        if not use.any():
            return np.zeros(PER_DAY)
        picked = np.where(use, values, np.nan)
        weights = np.where(use, self.decay ** np.maximum(rank, 0), 0.0)
        centre = _weighted_median(picked, weights)
        bound = self.clip * np.sqrt(np.maximum(centre, 1.0))
        clipped = np.clip(picked, centre - bound, centre + bound)
        total = weights.sum(axis=0)
        mean = np.nansum(np.nan_to_num(clipped) * weights, axis=0) / np.where(total > 0, total, 1)
        return np.where(total > 0, mean, centre)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per column, the value where half the weight lies on either side (NaN rows weigh 0).

    Recent weeks weigh more, so after a lasting change of level the centre moves within a few
    weeks, where a plain median of twelve would wait for seven."""
    order = np.argsort(np.where(weights > 0, values, np.inf), axis=0)
    ranked = np.take_along_axis(np.nan_to_num(values), order, axis=0)
    cumulative = np.cumsum(np.take_along_axis(weights, order, axis=0), axis=0)
    half = cumulative[-1] / 2
    columns = np.arange(values.shape[1])
    pick = np.argmax(cumulative >= half - 1e-12, axis=0)
    centre = ranked[pick, columns]
    # Exactly half the weight at or below a value (equal weights, an even count): the middle
    # of it and the next, as the ordinary median does; a lower pick would forecast low.
    tie = np.isclose(cumulative[pick, columns], half) & (pick + 1 < len(values))
    following = ranked[np.minimum(pick + 1, len(values) - 1), columns]
    centre = np.where(tie, (centre + following) / 2, centre)
    return np.where(cumulative[-1] > 0, centre, 0.0)


DEFAULT_MODEL = WeeklyProfileModel()


def forecast_contacts(
    history: ContactSeries, horizon: int, special_days: SpecialDays | None = None
) -> np.ndarray:
    """Expected contacts for the ``horizon`` intervals after ``history`` (never negative)."""
    return DEFAULT_MODEL.forecast(history, horizon, special_days)
