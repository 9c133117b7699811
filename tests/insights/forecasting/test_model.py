"""The weekly-profile model and seasonal naive on synthetic series with known answers."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from kefu.insights.forecasting.model import (
    DEFAULT_MODEL,
    WeeklyProfileModel,
    forecast_contacts,
    seasonal_naive,
)
from kefu.insights.forecasting.series import PER_DAY, PER_WEEK, ContactSeries

from .helpers import MONDAY, pattern, series

SHARP = WeeklyProfileModel(smooth=0)  # without blending neighbours: exact on exact patterns
FRIDAY, SATURDAY = 4, 5


def test_pure_daily_and_weekly_pattern_is_forecast_exactly() -> None:
    history = series(8 * 7)
    expected = pattern(8 * 7 + 7)[-PER_WEEK:]
    assert SHARP.forecast(history, PER_WEEK) == pytest.approx(expected, abs=1e-9)


def test_default_model_is_almost_exact_on_a_smooth_pattern() -> None:
    # Blending neighbours flattens a smooth daily cycle by well under 1 %; only where the weekly
    # level jumps at midnight do the intervals next to it borrow from the other day.
    history = series(8 * 7)
    expected = pattern(8 * 7 + 7)[-PER_WEEK:]
    forecast = forecast_contacts(history, PER_WEEK)
    assert np.mean(np.abs(forecast - expected) / expected) < 0.01
    assert forecast.sum() == pytest.approx(expected.sum(), rel=0.005)
    inside = np.arange(PER_WEEK) % PER_DAY
    within = (inside > 0) & (inside < PER_DAY - 1)
    assert forecast[within] == pytest.approx(expected[within], rel=0.01)


def test_forecast_from_the_middle_of_a_day() -> None:
    # History ends at 13:00 on a Wednesday: the first forecast is for 13:00-13:30.
    length = 5 * PER_WEEK + 2 * PER_DAY + 26
    history = ContactSeries(MONDAY, pattern(40)[:length])
    expected = pattern(40)[length : length + 100]
    assert SHARP.forecast(history, 100) == pytest.approx(expected, abs=1e-9)


def test_history_starting_mid_day_and_a_second_week_ahead() -> None:
    start = MONDAY + timedelta(hours=7, minutes=30)
    full = pattern(60, MONDAY)[15:]
    history = ContactSeries(start, full[: 5 * PER_WEEK])
    forecast = SHARP.forecast(history, 2 * PER_WEEK)
    assert forecast == pytest.approx(full[5 * PER_WEEK : 7 * PER_WEEK], abs=1e-9)


def test_seasonal_naive_repeats_last_week() -> None:
    history = np.arange(3 * PER_WEEK, dtype=float)
    assert list(seasonal_naive(history, PER_WEEK)) == list(history[-PER_WEEK:])
    # The second week ahead repeats the same last week again.
    two = seasonal_naive(history, 2 * PER_WEEK)
    assert list(two[PER_WEEK:]) == list(history[-PER_WEEK:])


def test_seasonal_naive_needs_a_week() -> None:
    with pytest.raises(ValueError, match="one week"):
        seasonal_naive(np.ones(PER_WEEK - 1), 10)


def test_one_holiday_week_barely_moves_the_next_forecast() -> None:
    # Ten weeks of a flat 50 per interval, the last one a week of almost nothing: seasonal naive
    # forecasts that nothing again, the model stays near 50.
    counts = np.full(10 * PER_WEEK, 50.0)
    counts[-PER_WEEK:] = 1.0
    history = ContactSeries(MONDAY, counts)
    assert seasonal_naive(counts, PER_WEEK).max() == 1.0
    forecast = DEFAULT_MODEL.forecast(history, PER_WEEK)
    assert forecast.min() > 0.9 * 50


def test_follows_a_lasting_change_of_level() -> None:
    # Volume doubled four weeks ago and stayed: the forecast has moved most of the way.
    counts = np.full(12 * PER_WEEK, 20.0)
    counts[-4 * PER_WEEK :] = 40.0
    forecast = DEFAULT_MODEL.forecast(ContactSeries(MONDAY, counts), PER_WEEK)
    assert forecast.min() > 35


def test_special_day_is_forecast_like_the_weekday_named() -> None:
    history = series(8 * 7)
    next_monday = (MONDAY + timedelta(weeks=8)).date()
    forecast = SHARP.forecast(history, PER_WEEK, {next_monday: SATURDAY})
    saturday = pattern(8 * 7)[5 * PER_DAY : 6 * PER_DAY]
    assert forecast[:PER_DAY] == pytest.approx(saturday, abs=1e-9)
    # The other days are ordinary.
    assert forecast[PER_DAY:] == pytest.approx(pattern(8 * 7 + 7)[-6 * PER_DAY :], abs=1e-9)


def test_past_special_day_is_not_an_ordinary_weekday() -> None:
    # A Tuesday holiday with no contacts, declared as such, is left out of Tuesday's past.
    counts = pattern(8 * 7)
    holiday = 7 * 7 + 1  # the Tuesday of the last week
    counts[holiday * PER_DAY : (holiday + 1) * PER_DAY] = 0
    day = (MONDAY + timedelta(days=holiday)).date()
    declared = SHARP.forecast(ContactSeries(MONDAY, counts), PER_WEEK, {day: SATURDAY})
    tuesday = slice(PER_DAY, 2 * PER_DAY)
    assert declared[tuesday] == pytest.approx(pattern(8 * 7 + 7)[-PER_WEEK:][tuesday], abs=1e-9)
    undeclared = SHARP.forecast(ContactSeries(MONDAY, counts), PER_WEEK)
    assert undeclared[tuesday].sum() < declared[tuesday].sum()


def test_never_negative_and_empty_horizon() -> None:
    history = ContactSeries(MONDAY, np.zeros(2 * PER_WEEK))
    assert forecast_contacts(history, 0).shape == (0,)
    assert forecast_contacts(history, PER_WEEK).min() == 0.0


def test_special_days_are_dates() -> None:
    # A date that is not in the forecast window changes nothing.
    history = series(8 * 7)
    plain = SHARP.forecast(history, PER_WEEK)
    other = SHARP.forecast(history, PER_WEEK, {date(2001, 1, 1): FRIDAY})
    assert list(plain) == list(other)
