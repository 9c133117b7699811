"""Rolling-origin backtest: how wrong the forecast would have been, against seasonal naive.

At every midnight from ``warmup_days`` into the history, the model sees only the past, forecasts
the next ``horizon_days``, and is compared with what happened; seasonal naive (the same interval
a week earlier) is scored on exactly the same intervals. Two errors, because contact counts
have zeros:

- **MAPE** over scored intervals whose actual count is above zero (a percentage of zero is
  undefined); quiet intervals with one or two contacts weigh as much as the busiest, so it is
  harsh on small counts;
- **WAPE**, the sum of absolute errors over the sum of actuals on all scored intervals (zeros
  included): errors weighted by volume, which is what staffing feels.

Scored intervals are those within opening hours (default: all) and not on an excluded day (data
known to be broken, and the day a week later whose naive forecast would read it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from .calendar import OpeningHours, day_mask
from .history import HistoryError, require_days
from .model import DEFAULT_MODEL, SpecialDays, WeeklyProfileModel, seasonal_naive
from .series import PER_DAY, ContactSeries


@dataclass(frozen=True)
class ErrorScore:
    mape: float | None  # percent
    wape: float | None  # percent
    intervals: int  # scored intervals (all forecasts together)
    nonzero: int  # of which had contacts: the ones MAPE averages over

    def as_dict(self) -> dict[str, object]:
        return {
            "mape": _round(self.mape),
            "wape": _round(self.wape),
            "intervals": self.intervals,
            "nonzero": self.nonzero,
        }


@dataclass(frozen=True)
class Backtest:
    model: ErrorScore
    naive: ErrorScore
    origins: int
    first_origin: datetime
    last_origin: datetime
    horizon_days: int
    opening_hours: str
    excluded_days: list[date] = field(default_factory=list)
    special_days: int = 0

    @property
    def mape_improvement(self) -> float | None:
        """How much lower the model's MAPE is than seasonal naive's, in percent."""
        return _lower(self.model.mape, self.naive.mape)

    @property
    def wape_improvement(self) -> float | None:
        return _lower(self.model.wape, self.naive.wape)

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model.as_dict(),
            "seasonal_naive": self.naive.as_dict(),
            "mape_improvement_percent": _round(self.mape_improvement),
            "wape_improvement_percent": _round(self.wape_improvement),
            "origins": self.origins,
            "first_origin": self.first_origin.isoformat(),
            "last_origin": self.last_origin.isoformat(),
            "horizon_days": self.horizon_days,
            "opening_hours": self.opening_hours,
            "excluded_days": [d.isoformat() for d in self.excluded_days],
            "special_days": self.special_days,
        }


def backtest(
    series: ContactSeries,
    *,
    model: WeeklyProfileModel = DEFAULT_MODEL,
    horizon_days: int = 7,
    warmup_days: int = 28,
    every_days: int = 1,
    opening_hours: OpeningHours | None = None,
    excluded_days: Iterable[date] = (),
    special_days: SpecialDays | None = None,
    origins_from: date | None = None,
    origins_until: date | None = None,
) -> Backtest:
    """Forecast from each origin (a midnight; ``every_days`` apart, dates in
    [``origins_from``, ``origins_until``)) with only the past, and score both forecasts."""
    require_days(series, warmup_days + horizon_days, "a backtest")
    excluded = sorted(set(excluded_days))
    hours = opening_hours or OpeningHours.always()
    scored = hours.mask(series) & ~day_mask(series, excluded)
    horizon = horizon_days * PER_DAY
    origins = [
        o
        for o in _midnights(series, warmup_days, every_days)
        if o + horizon <= len(series)
        and (origins_from is None or series.at(o).date() >= origins_from)
        and (origins_until is None or series.at(o).date() < origins_until)
    ]
    if not origins:
        raise HistoryError(
            "history_too_short", "the history has no whole forecast window to score there"
        )
    actual_parts, model_parts, naive_parts = [], [], []
    for origin in origins:
        window = slice(origin, origin + horizon)
        keep = scored[window]
        past = series.head(origin)
        actual_parts.append(series.counts[window][keep])
        model_parts.append(model.forecast(past, horizon, special_days)[keep])
        naive_parts.append(seasonal_naive(past.counts, horizon)[keep])
    actual = np.concatenate(actual_parts)
    return Backtest(
        model=score(actual, np.concatenate(model_parts)),
        naive=score(actual, np.concatenate(naive_parts)),
        origins=len(origins),
        first_origin=series.at(origins[0]),
        last_origin=series.at(origins[-1]),
        horizon_days=horizon_days,
        opening_hours=hours.text,
        excluded_days=excluded,
        special_days=len(special_days or {}),
    )


def score(actual: np.ndarray, forecast: np.ndarray) -> ErrorScore:
    """MAPE over intervals with contacts, WAPE over all of them (percent)."""
    error = np.abs(forecast - actual)
    busy = actual > 0
    mape = float(np.mean(error[busy] / actual[busy]) * 100) if busy.any() else None
    volume = float(actual.sum())
    wape = float(error.sum() / volume * 100) if volume > 0 else None
    return ErrorScore(mape, wape, len(actual), int(busy.sum()))


def _midnights(series: ContactSeries, warmup_days: int, every_days: int) -> list[int]:
    first = series.start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < series.start:
        first += timedelta(days=1)
    first += timedelta(days=warmup_days)
    step = max(1, every_days) * PER_DAY
    return list(range(series.index_of(first), len(series), step))


def _lower(model: float | None, naive: float | None) -> float | None:
    if model is None or not naive:
        return None
    return (1 - model / naive) * 100


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
