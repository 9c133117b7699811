"""Where a contact history comes from: the desk's own intervals, or a CSV of ``timestamp,contacts``.

Both give a :class:`ContactSeries` on a gap-free 30-minute grid; an interval with no row had no
contacts. A file that cannot be read or trusted is refused whole with one stable error code, never
half-used: a forecast from a silently truncated history looks plausible and is wrong.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.db.models import Max, Sum

from kefu import clock
from kefu.errors import ApiError

from ..models import ContactInterval, ContactRollup
from .series import INTERVAL, PER_DAY, ContactSeries, floor_interval

MIN_FORECAST_DAYS = 7  # one week: the least that shows every weekday once
HEADER = ["timestamp", "contacts"]


class HistoryError(ApiError):
    """A history that cannot be used; ``code`` is one of ``history_unreadable``,
    ``history_invalid`` and ``history_too_short``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status=400)


def require_days(series: ContactSeries, days: int, purpose: str) -> None:
    have = len(series) / PER_DAY
    if have < days:
        raise HistoryError(
            "history_too_short",
            f"{purpose} needs at least {days} days of history, got {have:.1f}",
        )


def load_desk_history(
    *, channel: str | None = None, until: datetime | None = None
) -> ContactSeries:
    """The desk's contacts per interval (all channels, or one) up to ``until`` (default: now),
    or up to where tickets have been counted if that is earlier."""
    end = floor_interval(until or clock.now())
    rows = ContactInterval.objects.filter(start__lt=end)
    if channel:
        rows = rows.filter(channel=channel)
    totals = list(rows.values("start").annotate(n=Sum("contacts")).order_by("start"))
    if not totals:
        raise HistoryError("history_too_short", "no contact history has been recorded yet")
    counted = ContactRollup.objects.filter(counted_until__isnull=False).aggregate(
        until=Max("counted_until")
    )["until"]
    end = min(end, max(totals[-1]["start"] + INTERVAL, counted or totals[0]["start"]))
    start = totals[0]["start"]
    counts = np.zeros((end - start) // INTERVAL, dtype=float)
    for row in totals:
        counts[(row["start"] - start) // INTERVAL] = row["n"]
    return ContactSeries(start, counts)


def read_history_csv(path: str | Path) -> ContactSeries:
    """Parse a ``timestamp,contacts`` file (ISO 8601 interval starts in time order, on the
    half hour; counts >= 0). Timestamps with an offset are taken to UTC, naive ones as they are."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise HistoryError("history_unreadable", f"cannot read {path}: {error}") from None
    if not rows or [cell.strip().lower() for cell in rows[0]] != HEADER:
        raise HistoryError(
            "history_invalid", f"{path}: the first line must be the header 'timestamp,contacts'"
        )
    moments: list[datetime] = []
    values: list[float] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        moment, value = _parse_row(path, number, row)
        if moments:
            if (moment.tzinfo is None) != (moments[-1].tzinfo is None):
                raise _invalid(path, number, "mixes timestamps with and without an offset")
            if moment <= moments[-1]:
                raise _invalid(path, number, "timestamps must be increasing, without repeats")
        moments.append(moment)
        values.append(value)
    if not moments:
        raise HistoryError("history_too_short", f"{path} has no rows")
    counts = np.zeros((moments[-1] - moments[0]) // INTERVAL + 1, dtype=float)
    for moment, value in zip(moments, values, strict=True):
        counts[(moment - moments[0]) // INTERVAL] = value
    return ContactSeries(moments[0], counts)


def _parse_row(path: str | Path, number: int, row: list[str]) -> tuple[datetime, float]:
    if len(row) != 2:
        raise _invalid(path, number, f"expected 2 columns, got {len(row)}")
    try:
        moment = datetime.fromisoformat(row[0].strip())
    except ValueError:
        raise _invalid(path, number, f"{row[0]!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    if moment != floor_interval(moment):
        raise _invalid(path, number, f"{row[0]} is not the start of a half hour")
    try:
        value = float(row[1])
    except ValueError:
        raise _invalid(path, number, f"{row[1]!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise _invalid(path, number, f"contacts must be a count >= 0, got {row[1]}")
    return moment, value


def _invalid(path: str | Path, number: int, problem: str) -> HistoryError:
    return HistoryError("history_invalid", f"{path}, line {number}: {problem}")
