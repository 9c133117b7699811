"""Forecasting contacts per interval: a seasonal profile model and the seasonal-naive baseline.

(First version; refined with the backtest.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .series import PER_WEEK


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """The same interval one week earlier (two weeks for the second week ahead, ...)."""
    if len(history) < PER_WEEK:
        raise ValueError("seasonal naive needs at least one week of history")
    out = np.empty(horizon)
    for step in range(horizon):
        lag = PER_WEEK * (step // PER_WEEK + 1)
        out[step] = history[len(history) + step - lag]
    return out


@dataclass(frozen=True)
class ProfileModel:
    """Median of the same interval over the last ``weeks`` weeks."""

    weeks: int = 6

    def forecast(self, history: np.ndarray, horizon: int) -> np.ndarray:
        n = len(history)
        out = np.empty(horizon)
        for step in range(horizon):
            first = step // PER_WEEK + 1
            lags = [k for k in range(first, first + self.weeks) if n + step - k * PER_WEEK >= 0]
            if not lags:
                lags = [first]
            out[step] = float(np.median([history[n + step - k * PER_WEEK] for k in lags]))
        return out

    def fit_forecast(self, history: np.ndarray, horizon: int) -> np.ndarray:
        return self.forecast(history, horizon)


DEFAULT_MODEL = ProfileModel()


def forecast_contacts(history: np.ndarray, horizon: int) -> np.ndarray:
    """Expected contacts for the ``horizon`` intervals after ``history`` (never negative)."""
    if horizon <= 0:
        return np.zeros(0)
    values = DEFAULT_MODEL.fit_forecast(history, horizon)
    return np.clip(np.nan_to_num(values, nan=0.0), 0.0, math.inf)
