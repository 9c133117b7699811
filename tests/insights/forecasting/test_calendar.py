"""Opening hours and special days as the backtest and the model read them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from kefu.insights.forecasting.calendar import CalendarError, OpeningHours, read_special_days
from kefu.insights.forecasting.series import ContactSeries

from .helpers import MONDAY, pattern


def test_bank_opening_hours() -> None:
    hours = OpeningHours.parse("sun-thu 07:00-24:00; fri 07:00-14:00; sat 20:00-24:00")
    mask = hours.mask(ContactSeries(MONDAY, pattern(7)))
    by_day = mask.reshape(7, 48).sum(axis=1)
    # Monday..Thursday 17 h, Friday 7 h, Saturday 4 h, Sunday 17 h, in half hours.
    assert list(by_day) == [34, 34, 34, 34, 14, 8, 34]
    assert not mask[13] and mask[14]  # 06:30 closed, 07:00 open


def test_ranges_wrap_over_the_weekend() -> None:
    hours = OpeningHours.parse("Friday-Monday 00:00-12:00")
    assert [len(s) for s in hours.slots] == [24, 0, 0, 0, 24, 24, 24]


@pytest.mark.parametrize(
    "text", ["", "mon 9-17", "someday 09:00-17:00", "mon 17:00-09:00", "mon 09:15-17:00"]
)
def test_bad_opening_hours(text: str) -> None:
    with pytest.raises(CalendarError) as caught:
        OpeningHours.parse(text)
    assert caught.value.code == "open_hours_invalid"


def test_special_days_file(tmp_path: Path) -> None:
    path = tmp_path / "holidays.csv"
    path.write_text("date,like\n1999-09-20,sat\n1999-09-19,Friday\n\n", encoding="utf-8")
    assert read_special_days(path) == {date(1999, 9, 20): 5, date(1999, 9, 19): 4}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("day,as\n", "special_days_invalid"),
        ("date,like\n1999-13-01,sat\n", "special_days_invalid"),
        ("date,like\n1999-09-20,holiday\n", "special_days_invalid"),
        ("date,like\n1999-09-20\n", "special_days_invalid"),
    ],
)
def test_bad_special_days(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "holidays.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        read_special_days(path)
    assert caught.value.code == code


def test_missing_special_days_file(tmp_path: Path) -> None:
    with pytest.raises(CalendarError) as caught:
        read_special_days(tmp_path / "nope.csv")
    assert caught.value.code == "special_days_unreadable"


def test_mask_follows_the_series_clock() -> None:
    start = datetime(2026, 6, 5, 13, 30)  # a Friday afternoon
    hours = OpeningHours.parse("fri 07:00-14:00")
    assert list(hours.mask(ContactSeries(start, pattern(1)[:3]))) == [True, False, False]
