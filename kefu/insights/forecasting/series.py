"""A contact history as the forecast sees it: counts on a regular 30-minute grid.

Positions, not timestamps, carry the seasons: with 48 intervals a day, the same interval a week
earlier is always 336 positions back, whatever the calendar says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

INTERVAL = timedelta(minutes=30)
PER_DAY = 48
PER_WEEK = 7 * PER_DAY


@dataclass(frozen=True)
class ContactSeries:
    """Contacts per interval from ``start``; ``counts[i]`` covers ``start + i * INTERVAL``.

    ``start`` is aware (UTC) for the desk's own history and may be naive for a CSV kept in a
    call centre's local wall-clock time: the seasons are wherever the file puts them.
    """

    start: datetime
    counts: np.ndarray

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def end(self) -> datetime:
        """Where the last interval ends (and a forecast from now on starts)."""
        return self.start + len(self.counts) * INTERVAL

    def at(self, position: int) -> datetime:
        return self.start + position * INTERVAL

    def index_of(self, moment: datetime) -> int:
        """The position of the interval starting at ``moment`` (which must be on the grid)."""
        steps, rest = divmod(moment - self.start, INTERVAL)
        if rest:
            raise ValueError(f"{moment} is not on the 30-minute grid of this history")
        return int(steps)

    def head(self, length: int) -> ContactSeries:
        """The first ``length`` intervals: the past as seen from a backtest origin."""
        return ContactSeries(self.start, self.counts[:length])


def floor_interval(moment: datetime) -> datetime:
    """The start of the 30-minute interval holding ``moment``."""
    return moment.replace(minute=moment.minute - moment.minute % 30, second=0, microsecond=0)
