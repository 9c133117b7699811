"""The weekly sample: each finished week (Monday to Monday, UTC), N conversations per agent.

The job is checked daily and at start, and only tops up the last finished week, so a restart or
a missed day neither loses a week's sample nor draws a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from kefu.clock import now
from kefu.jobs import periodic, task

from .sampling import sample_period

DEFAULT_PER_AGENT = 3


def last_finished_week(at: datetime) -> tuple[datetime, datetime]:
    """The Monday-to-Monday (UTC) week before the one ``at`` is in."""
    monday = (at - timedelta(days=at.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday - timedelta(days=7), monday


@task("quality.weekly_sample")
def weekly_sample() -> dict[str, Any]:
    start, end = last_finished_week(now())
    per_agent = int(getattr(settings, "KEFU_QUALITY_SAMPLES_PER_AGENT", DEFAULT_PER_AGENT))
    reviews = sample_period(start, end, per_agent=per_agent)
    return {"start": start.isoformat(), "end": end.isoformat(), "sampled": len(reviews)}


periodic("quality.weekly_sample", every_seconds=24 * 3600)
