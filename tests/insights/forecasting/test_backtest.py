"""Backtest scoring rules: what is scored, zeros, excluded days, opening hours."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from kefu.insights.forecasting.backtest import backtest, score
from kefu.insights.forecasting.calendar import OpeningHours
from kefu.insights.forecasting.history import HistoryError
from kefu.insights.forecasting.series import PER_DAY, PER_WEEK, ContactSeries

from .helpers import MONDAY, pattern, series


def test_mape_skips_zero_actuals_and_wape_weighs_by_volume() -> None:
    actual = np.array([10.0, 0.0, 5.0, 20.0])
    forecast = np.array([12.0, 3.0, 5.0, 10.0])
    result = score(actual, forecast)
    # MAPE over 10, 5, 20: (0.2 + 0 + 0.5) / 3; WAPE: (2 + 3 + 0 + 10) / 35.
    assert result.mape == pytest.approx(70 / 3)
    assert result.wape == pytest.approx(1500 / 35)
    assert (result.intervals, result.nonzero) == (4, 3)


def test_nothing_to_score() -> None:
    result = score(np.zeros(3), np.ones(3))
    assert result.mape is None and result.wape is None


def test_one_origin_scores_one_week_the_same_for_both() -> None:
    # Five weeks, four of warm-up: one forecast, from the last Monday.
    result = backtest(series(35))
    assert result.origins == 1
    assert result.first_origin == MONDAY + timedelta(weeks=4)
    assert result.model.intervals == result.naive.intervals == PER_WEEK
    # A pure pattern: both forecasts are right (the model up to blending neighbours).
    assert result.naive.mape == pytest.approx(0.0)
    assert result.model.wape is not None and result.model.wape < 1.0


def test_daily_origins_and_a_window_of_them() -> None:
    assert backtest(series(40)).origins == 6  # days 28..33 each leave a whole week
    assert backtest(series(40), every_days=7).origins == 1
    window = backtest(
        series(40),
        origins_from=(MONDAY + timedelta(days=29)).date(),
        origins_until=(MONDAY + timedelta(days=31)).date(),
    )
    assert window.origins == 2


def test_seasonal_naive_suffers_the_week_after_an_outage() -> None:
    counts = pattern(42)
    counts[4 * PER_WEEK : 4 * PER_WEEK + PER_DAY] = 0  # an outage on the fifth Monday
    result = backtest(ContactSeries(MONDAY, counts), warmup_days=35)
    assert result.naive.wape is not None and result.model.wape is not None
    assert result.naive.wape > 10 * result.model.wape
    assert result.mape_improvement is not None and result.mape_improvement > 90


def test_excluded_days_are_not_scored() -> None:
    broken = (MONDAY + timedelta(days=30)).date()
    result = backtest(series(35), excluded_days=[broken, date(1999, 1, 1)])
    assert result.model.intervals == PER_WEEK - PER_DAY
    assert result.excluded_days == [date(1999, 1, 1), broken]


def test_only_opening_hours_are_scored() -> None:
    hours = OpeningHours.parse("mon-fri 09:00-17:00")
    result = backtest(series(35), opening_hours=hours)
    assert result.model.intervals == 5 * 16


def test_zero_actuals_count_for_wape_but_not_mape() -> None:
    counts = pattern(35)
    counts[-PER_DAY:] = 0  # the last Sunday is empty
    result = backtest(ContactSeries(MONDAY, counts))
    assert result.model.intervals == PER_WEEK
    assert result.model.nonzero == PER_WEEK - PER_DAY


def test_too_short_for_a_backtest() -> None:
    with pytest.raises(HistoryError) as caught:
        backtest(series(34))
    assert caught.value.code == "history_too_short"
    with pytest.raises(HistoryError) as caught:
        backtest(series(40), origins_from=date(2030, 1, 1))
    assert caught.value.code == "history_too_short"
