"""Working time: SLA targets count only the hours a team works, when it has business hours.

A calendar is a time zone, weekly intervals in local wall-clock time and holidays (local dates
on which nothing is worked). An interval whose end is not after its start runs overnight into
the next day ("22:00"–"06:00"); "24:00" ends at midnight. An overnight interval belongs to the
day it starts on, so a holiday removes the night that starts on it, not the one that ends on
it. Without a calendar the clock runs 24/7, which is the default for an exchange.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from kefu.tickets.models import BusinessHours

MINUTES_PER_DAY = 24 * 60
# How far ahead to look for working time before deciding a calendar has none left.
MAX_DAYS_AHEAD = 3 * 366


class CalendarError(ValueError):
    """Business hours that cannot be used: bad time zone, times or dates, or no working time."""


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    # ISO weekday (1 = Monday) → (start, end) minutes after local midnight; end may pass 1440.
    week: Mapping[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[date]

    def intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC, merged, in order) that end after ``since``."""
        day = since.astimezone(self.zone).date() - timedelta(days=1)  # last night's shift
        pending: tuple[datetime, datetime] | None = None
        for _ in range(MAX_DAYS_AHEAD):
            if day not in self.holidays:
                midnight = datetime.combine(day, time(), tzinfo=self.zone)
                for start_minute, end_minute in self.week.get(day.isoweekday(), ()):
                    # Wall-clock arithmetic on an aware datetime, then to UTC: 09:00 stays
                    # 09:00 local across a daylight-saving change.
                    start = (midnight + timedelta(minutes=start_minute)).astimezone(UTC)
                    end = (midnight + timedelta(minutes=end_minute)).astimezone(UTC)
                    if end <= since or end <= start:
                        continue
                    if pending is not None and start <= pending[1]:
                        pending = (pending[0], max(pending[1], end))
                        continue
                    if pending is not None:
                        yield pending
                    pending = (start, end)
            day += timedelta(days=1)
        if pending is not None:
            yield pending
        raise CalendarError(f"no working time within {MAX_DAYS_AHEAD} days of {since}")


def _minute(text: Any) -> int:
    if not isinstance(text, str):
        raise CalendarError(f"a time is written HH:MM, not {text!r}")
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise CalendarError(f"a time is written HH:MM, not {text!r}") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise CalendarError(f"no such time of day: {text!r}")
    return hours * 60 + minutes


def parse_calendar(zone: str, week: Mapping[str, Any], holidays: Iterable[Any]) -> Calendar:
    """Check and compile business hours as stored (see ``BusinessHours``)."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"unknown time zone {zone!r}") from None
    days: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, spans in week.items():
        try:
            weekday = int(key)
        except ValueError:
            raise CalendarError(f"weekdays are numbered 1 (Monday) to 7, not {key!r}") from None
        if not 1 <= weekday <= 7:
            raise CalendarError(f"weekdays are numbered 1 (Monday) to 7, not {key!r}")
        parsed = []
        for span in spans or ():
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise CalendarError(f"an interval is [start, end], not {span!r}")
            start, end = _minute(span[0]), _minute(span[1])
            if start == MINUTES_PER_DAY:
                raise CalendarError("an interval cannot start at 24:00")
            if end <= start:
                end += MINUTES_PER_DAY  # overnight
            parsed.append((start, end))
        days[weekday] = tuple(sorted(parsed))
    if not any(days.values()):
        raise CalendarError("business hours need at least one working interval")
    off = set()
    for value in holidays or ():
        try:
            off.add(date.fromisoformat(str(value)))
        except ValueError:
            raise CalendarError(f"a holiday is an ISO date (2027-01-01), not {value!r}") from None
    return Calendar(tz, days, frozenset(off))


@lru_cache(maxsize=64)
def _cached(zone: str, week_json: str, holidays: tuple[str, ...]) -> Calendar:
    return parse_calendar(zone, json.loads(week_json), holidays)


def calendar_of(hours: BusinessHours | None) -> Calendar | None:
    """The compiled calendar of stored business hours; None (24/7) for none."""
    if hours is None:
        return None
    week = json.dumps(hours.week or {}, sort_keys=True)
    return _cached(hours.timezone, week, tuple(str(d) for d in hours.holidays or ()))


def add_working(start: datetime, duration: timedelta, calendar: Calendar | None) -> datetime:
    """The instant at which ``duration`` of working time has passed since ``start``."""
    if calendar is None:
        return start + duration
    remaining = duration
    if remaining <= timedelta():
        return start
    for begin, end in calendar.intervals(start):
        begin = max(begin, start)
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable: intervals() raises when it runs out")


def working_time(start: datetime, end: datetime, calendar: Calendar | None) -> timedelta:
    """Working time between two instants; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_time(end, start, calendar)
    if calendar is None:
        return end - start
    total = timedelta()
    for begin, finish in calendar.intervals(start):
        if begin >= end:
            break
        total += min(finish, end) - max(begin, start)
    return total


def add_minutes(start: datetime, minutes: float, calendar: Calendar | None) -> datetime:
    return add_working(start, timedelta(minutes=minutes), calendar)


def minutes_between(start: datetime, end: datetime, calendar: Calendar | None) -> float:
    return working_time(start, end, calendar) / timedelta(minutes=1)
