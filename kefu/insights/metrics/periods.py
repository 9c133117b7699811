"""Period buckets of a report: hours, days and ISO weeks (from Monday), in UTC as stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from kefu.errors import ApiError

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
MAX_BUCKETS = 5000


def bucket_start(at: datetime, period: str) -> datetime:
    """The start of the hour, day or week (Monday 00:00 UTC) that ``at`` falls in."""
    at = at.astimezone(UTC)
    if period == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    raise ApiError("invalid_dimension", f"Unknown period {period!r}.")


def buckets(start: datetime, end: datetime, period: str) -> Iterator[datetime]:
    """Every bucket that overlaps ``[start, end)``, in order (the first may begin earlier)."""
    first = bucket_start(start, period)
    step = STEPS[period]
    if (end - first) / step > MAX_BUCKETS:
        raise ApiError(
            "too_many_periods", f"Choose a shorter window or a longer period than {period}."
        )
    at = first
    while at < end:
        yield at
        at += step


def bucket_key(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def bucket_label(at: datetime, period: str) -> str:
    if period == "hour":
        return at.strftime("%Y-%m-%d %H:00")
    if period == "week":
        year, week, _day = at.isocalendar()
        return f"{year}-W{week:02d}"
    return at.strftime("%Y-%m-%d")
