"""Working-time arithmetic: weekends, holidays, overnight shifts, time zones and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.tickets.sla.calendar import (
    CalendarError,
    add_minutes,
    add_working,
    minutes_between,
    parse_calendar,
    working_time,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = parse_calendar(
    "Asia/Shanghai", {str(d): [["09:00", "18:00"]] for d in range(1, 6)}, ["2027-01-01"]
)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_without_business_hours_the_clock_runs_around_the_clock() -> None:
    start = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # a Saturday night
    assert add_minutes(start, 90, None) == start + timedelta(minutes=90)
    assert minutes_between(start, start + timedelta(days=2), None) == 2 * 24 * 60


def test_weekend_is_skipped() -> None:
    friday_five = local(SHANGHAI, 2026, 12, 4, 17, 0)
    assert add_minutes(friday_five, 120, OFFICE) == local(SHANGHAI, 2026, 12, 7, 10, 0)
    assert minutes_between(friday_five, local(SHANGHAI, 2026, 12, 7, 10, 0), OFFICE) == 120


def test_holiday_is_skipped() -> None:
    thursday_five = local(SHANGHAI, 2026, 12, 31, 17, 0)  # 1 January is a holiday (Friday)
    assert add_minutes(thursday_five, 120, OFFICE) == local(SHANGHAI, 2027, 1, 4, 10, 0)


def test_start_outside_working_hours_waits_for_the_next_interval() -> None:
    saturday = local(SHANGHAI, 2026, 12, 5, 11, 0)
    assert add_minutes(saturday, 1, OFFICE) == local(SHANGHAI, 2026, 12, 7, 9, 1)
    assert add_minutes(saturday, 0, OFFICE) == saturday
    # ends exactly at closing time rather than at the next opening
    assert add_minutes(local(SHANGHAI, 2026, 12, 7, 9, 0), 540, OFFICE) == local(
        SHANGHAI, 2026, 12, 7, 18, 0
    )


def test_overnight_shift_belongs_to_the_day_it_starts() -> None:
    nights = parse_calendar("UTC", {"1": [["22:00", "06:00"]]}, [])  # Monday night only
    monday_late = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert add_minutes(monday_late, 7 * 60, nights) == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    tuesday_five = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert add_minutes(tuesday_five, 120, nights) == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    # A holiday on the Monday removes the night that starts on it.
    off = parse_calendar("UTC", {"1": [["22:00", "06:00"]]}, ["2026-11-30"])
    assert add_minutes(monday_late, 60, off) == datetime(2026, 12, 7, 23, 0, tzinfo=UTC)


def test_local_hours_hold_across_a_daylight_saving_change() -> None:
    nine_to_five = parse_calendar(
        "America/New_York", {"5": [["09:00", "17:00"]], "1": [["09:00", "17:00"]]}, []
    )
    friday_four = local(NEW_YORK, 2026, 10, 30, 16, 0)  # EDT; clocks go back on 1 November
    due = add_minutes(friday_four, 120, nine_to_five)
    assert due == local(NEW_YORK, 2026, 11, 2, 10, 0)  # EST
    assert due.astimezone(UTC) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_working_time_inverts_adding_and_is_signed() -> None:
    start = local(SHANGHAI, 2026, 12, 3, 15, 20)
    for minutes in (0, 1, 100, 539, 540, 541, 3000, 10_000):
        end = add_minutes(start, minutes, OFFICE)
        assert working_time(start, end, OFFICE) == timedelta(minutes=minutes)
    end = add_minutes(start, 600, OFFICE)
    assert minutes_between(end, start, OFFICE) == -600


def test_split_days_and_overlaps_merge() -> None:
    split = parse_calendar(
        "UTC", {"1": [["13:00", "17:00"], ["09:00", "12:00"], ["16:00", "18:00"]]}, []
    )
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert add_working(monday, timedelta(hours=4), split) == datetime(
        2026, 11, 30, 14, 0, tzinfo=UTC
    )
    assert minutes_between(monday, datetime(2026, 12, 1, tzinfo=UTC), split) == 8 * 60


@pytest.mark.parametrize(
    ("zone", "week", "holidays"),
    [
        ("Mars/Olympus", {"1": [["09:00", "18:00"]]}, []),
        ("UTC", {"1": [["09:00", "25:00"]]}, []),
        ("UTC", {"8": [["09:00", "18:00"]]}, []),
        ("UTC", {"1": [["9h", "18:00"]]}, []),
        ("UTC", {}, []),
        ("UTC", {"1": [["09:00", "18:00"]]}, ["next monday"]),
    ],
)
def test_bad_business_hours_are_refused(zone: str, week: dict, holidays: list) -> None:
    with pytest.raises(CalendarError):
        parse_calendar(zone, week, holidays)
