"""The time as the support desk sees it: ``timezone.now()`` unless a test has set it.

SLA clocks, scans and the embedded job scheduler read the time here, so a test can open a
ticket, move the clock on by a day and watch a breach happen, without sleeping. The setting is
process-wide (worker threads see it too) and only ever made by tests and benchmarks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_fixed: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    fixed = _fixed
    return fixed if fixed is not None else timezone.now()


def set_now(at: datetime) -> None:
    """Stop the clock at ``at`` (aware) until :func:`advance`, another set or :func:`reset`."""
    global _fixed
    if timezone.is_naive(at):
        raise ValueError("the clock takes timezone-aware datetimes")
    with _lock:
        _fixed = at


def advance(delta: timedelta | None = None, **kwargs: float) -> datetime:
    """Move the clock on (``advance(minutes=5)``); a running clock stops at now + the step."""
    global _fixed
    step = (delta or timedelta()) + timedelta(**kwargs)
    with _lock:
        _fixed = (_fixed if _fixed is not None else timezone.now()) + step
        return _fixed


def reset() -> None:
    """Back to real time."""
    global _fixed
    with _lock:
        _fixed = None


def is_fixed() -> bool:
    return _fixed is not None


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """The clock stopped at ``at`` inside the block, as it was afterwards."""
    global _fixed
    before = _fixed
    set_now(at)
    try:
        yield
    finally:
        with _lock:
            _fixed = before
