"""Which intervals count and which days are special: opening hours and a holiday calendar.

Opening hours say which intervals a backtest scores (a closed call centre's night is not a
forecast that anyone staffs against). Special days map a date to the weekday it behaves like (a
public holiday like a Saturday, its eve like a Friday): holidays are published years ahead, and
no history-only model can know them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from kefu.errors import ApiError

from .series import PER_DAY, ContactSeries

FULL_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RULE = re.compile(
    r"^(?P<first>[a-z]+)(?:\s*-\s*(?P<last>[a-z]+))?\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})$"
)


class CalendarError(ApiError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status=400)


def weekday_number(name: str) -> int:
    """0 for Monday ... 6 for Sunday, from ``mon``, ``Monday``, ..."""
    key = name.strip().lower()
    for number, full in enumerate(FULL_WEEKDAYS):
        if key in (full, full[:3]):
            return number
    raise ValueError(name)


@dataclass(frozen=True)
class OpeningHours:
    """Per weekday, the half-hour slots (0 = 00:00) that are open."""

    slots: tuple[frozenset[int], ...]
    text: str

    @classmethod
    def always(cls) -> OpeningHours:
        return cls(tuple(frozenset(range(PER_DAY)) for _ in range(7)), "always")

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """``"sun-thu 07:00-24:00; fri 07:00-14:00; sat 20:00-24:00"`` (an interval is open
        when it starts inside a range)."""
        open_slots: list[set[int]] = [set() for _ in range(7)]
        rules = [r.strip().lower() for r in re.split(r"[;,]", text) if r.strip()]
        if not rules:
            raise CalendarError("open_hours_invalid", "no opening hours given")
        for rule in rules:
            match = _RULE.match(rule)
            try:
                if not match:
                    raise ValueError(rule)
                first = weekday_number(match["first"])
                last = weekday_number(match["last"] or match["first"])
                begin, end = _slot(match["open"]), _slot(match["close"])
                if not 0 <= begin < end <= PER_DAY:
                    raise ValueError(rule)
            except ValueError:
                raise CalendarError(
                    "open_hours_invalid",
                    f"cannot read opening hours {rule!r}: expected e.g. 'sun-thu 07:00-24:00'",
                ) from None
            day = first
            while True:
                open_slots[day].update(range(begin, end))
                if day == last:
                    break
                day = (day + 1) % 7
        return cls(tuple(frozenset(s) for s in open_slots), text)

    def mask(self, series: ContactSeries) -> np.ndarray:
        """True where an interval of ``series`` is within opening hours."""
        table = np.zeros((7, PER_DAY), dtype=bool)
        for day, slots in enumerate(self.slots):
            table[day, list(slots)] = True
        moments = (series.at(i) for i in range(len(series)))
        return np.array(
            [table[m.weekday(), (m.hour * 60 + m.minute) // 30] for m in moments], dtype=bool
        )


def _slot(clock_time: str) -> int:
    hours, minutes = (int(part) for part in clock_time.split(":"))
    if minutes not in (0, 30) or hours > 24 or (hours == 24 and minutes):
        raise ValueError(clock_time)
    return hours * 2 + minutes // 30


def day_mask(series: ContactSeries, days: Iterable[date]) -> np.ndarray:
    """True where an interval of ``series`` falls on one of ``days``."""
    wanted = set(days)
    return np.array([series.at(i).date() in wanted for i in range(len(series))], dtype=bool)


def read_special_days(path: str | Path) -> dict[date, int]:
    """A ``date,like`` CSV: each date is forecast as the weekday named in ``like``."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarError("special_days_unreadable", f"cannot read {path}: {error}") from None
    if not rows or [cell.strip().lower() for cell in rows[0]] != ["date", "like"]:
        raise CalendarError("special_days_invalid", f"{path}: the header must be 'date,like'")
    special: dict[date, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not "".join(row).strip():
            continue
        try:
            day, like = row
            special[date.fromisoformat(day.strip())] = weekday_number(like)
        except ValueError:
            raise CalendarError(
                "special_days_invalid",
                f"{path}, line {number}: expected a date and a weekday, e.g. 1999-09-20,sat",
            ) from None
    return special
