"""What a metrics report holds: the filters it answers, one row per key, and the list of metrics
a dashboard can chart. Plain frozen data, so that views, charts and the CSV export share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.errors import ApiError

# Ticket attributes, then period buckets (hour, day, ISO week from Monday; UTC, as stored).
TICKET_DIMENSIONS = ("channel", "team", "agent", "language", "category")
PERIODS = ("hour", "day", "week")
DIMENSIONS = (*TICKET_DIMENSIONS, *PERIODS)

SLA_CLOCKS = ("first_response", "next_response", "resolution")


@dataclass(frozen=True)
class Filters:
    """Which measurements a report covers: those completed in ``[start, end)`` on tickets with
    the given attributes (all when None). ``team`` is a team slug, ``agent`` an agent id (the
    ticket's assignee). ``teams``, when not empty, keeps only tickets of those teams: the scope
    of a supervisor of several teams, who sees them together."""

    start: datetime
    end: datetime
    channel: str | None = None
    team: str | None = None
    agent: int | None = None
    language: str | None = None
    category: str | None = None
    teams: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ApiError("invalid_period", f"{name} is a timezone-aware date and time.")
        if self.end <= self.start:
            raise ApiError("invalid_period", "The period must end after it starts.")


@dataclass(frozen=True)
class Durations:
    """Seconds of calendar time. ``p50``/``p90``/``p99`` interpolate linearly between the
    closest ranks (see :func:`.percentiles.percentile`); all None when ``count`` is 0."""

    count: int = 0
    mean: float | None = None
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None


@dataclass(frozen=True)
class Attainment:
    """SLA outcomes decided in the period: ``met`` of ``tracked`` (rate None when none)."""

    tracked: int = 0
    met: int = 0

    @property
    def breached(self) -> int:
        return self.tracked - self.met

    @property
    def rate(self) -> float | None:
        return self.met / self.tracked if self.tracked else None


@dataclass(frozen=True)
class CsatComment:
    """A customer's words with their score (the ticket number lets staff open the case)."""

    ticket: str
    score: int
    comment: str
    at: datetime
    channel: str
    language: str
    agent: str


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class MetricsRow:
    """The metrics of one key (a channel, a team, an hour, ...) or of the whole report.

    Counts are whole numbers; durations are :class:`Durations` in seconds; rates are 0..1, or
    None when there was nothing to measure. Definitions: :mod:`kefu.insights.metrics.facts`.
    """

    key: str
    label: str
    opened: int = 0
    solved: int = 0
    first_response: Durations = field(default_factory=Durations)
    next_response: Durations = field(default_factory=Durations)
    resolution: Durations = field(default_factory=Durations)
    first_contact_resolved: int = 0
    reopened: int = 0
    csat_responses: int = 0
    csat_satisfied: int = 0
    csat_mean: float | None = None
    conversations: int = 0
    contained: int = 0
    handed_over: int = 0
    handover_reasons: dict[str, int] = field(default_factory=dict)
    sla: Attainment = field(default_factory=Attainment)
    sla_clocks: dict[str, Attainment] = field(default_factory=dict)
    queued: int = 0
    answered: int = 0
    abandoned: int = 0
    queue_wait: Durations = field(default_factory=Durations)

    @property
    def fcr_rate(self) -> float | None:
        return _ratio(self.first_contact_resolved, self.solved)

    @property
    def reopen_rate(self) -> float | None:
        return _ratio(self.reopened, self.solved)

    @property
    def csat_rate(self) -> float | None:
        return _ratio(self.csat_satisfied, self.csat_responses)

    @property
    def containment_rate(self) -> float | None:
        return _ratio(self.contained, self.conversations)

    @property
    def handover_rate(self) -> float | None:
        return _ratio(self.handed_over, self.conversations)

    @property
    def sla_attainment(self) -> float | None:
        return self.sla.rate

    @property
    def abandonment_rate(self) -> float | None:
        return _ratio(self.abandoned, self.queued)

    def value(self, metric: str) -> float | None:
        """The number of one of :data:`METRICS` by key (``"first_response_p90"``)."""
        if metric not in METRIC_KEYS:
            raise ApiError("unknown_metric", f"Unknown metric {metric!r}.")
        stem, _sep, stat = metric.rpartition("_")
        durations = getattr(self, stem, None)
        clock = metric.removeprefix("sla_").removesuffix("_attainment")
        if isinstance(durations, Durations):
            value = getattr(durations, stat)
        elif clock in SLA_CLOCKS:
            value = self.sla_clocks.get(clock, Attainment()).rate
        else:
            value = getattr(self, metric)
        return None if value is None else float(value)


@dataclass(frozen=True)
class MetricsReport:
    """``total`` over everything the filters select; ``rows`` one per key of ``by`` (every
    period bucket of the window when ``by`` is a period, in order; otherwise the keys that had
    something to measure)."""

    filters: Filters
    by: str | None
    total: MetricsRow
    rows: list[MetricsRow]
    handover_reasons: dict[str, int]
    csat_comments: list[CsatComment]


COUNT, SECONDS, RATIO, SCORE = "count", "seconds", "ratio", "score"

# (key, label, unit) of every metric a row answers through MetricsRow.value, for pickers and
# chart axes. Units: count, seconds, ratio (0..1), score (1..5).
METRICS: list[tuple[str, Promise, str]] = [
    ("opened", _("Tickets opened"), COUNT),
    ("solved", _("Tickets solved"), COUNT),
    ("first_response_p50", _("First response time, median"), SECONDS),
    ("first_response_p90", _("First response time, 90th percentile"), SECONDS),
    ("first_response_mean", _("First response time, mean"), SECONDS),
    ("next_response_p50", _("Next response time, median"), SECONDS),
    ("next_response_p90", _("Next response time, 90th percentile"), SECONDS),
    ("next_response_mean", _("Next response time, mean"), SECONDS),
    ("resolution_p50", _("Resolution time, median"), SECONDS),
    ("resolution_p90", _("Resolution time, 90th percentile"), SECONDS),
    ("resolution_mean", _("Resolution time, mean"), SECONDS),
    ("fcr_rate", _("First-contact resolution"), RATIO),
    ("reopen_rate", _("Reopen rate"), RATIO),
    ("csat_responses", _("Satisfaction ratings"), COUNT),
    ("csat_mean", _("Satisfaction, mean score"), SCORE),
    ("csat_rate", _("Satisfied customers (4 or 5)"), RATIO),
    ("conversations", _("Assistant conversations"), COUNT),
    ("containment_rate", _("Assistant containment"), RATIO),
    ("handover_rate", _("Hand-over rate"), RATIO),
    ("sla_attainment", _("SLA attainment"), RATIO),
    ("sla_first_response_attainment", _("SLA attainment, first response"), RATIO),
    ("sla_next_response_attainment", _("SLA attainment, next response"), RATIO),
    ("sla_resolution_attainment", _("SLA attainment, resolution"), RATIO),
    ("queued", _("Chats queued"), COUNT),
    ("queue_wait_p50", _("Queue wait, median"), SECONDS),
    ("queue_wait_p90", _("Queue wait, 90th percentile"), SECONDS),
    ("queue_wait_p99", _("Queue wait, 99th percentile"), SECONDS),
    ("queue_wait_mean", _("Queue wait, mean"), SECONDS),
    ("abandoned", _("Chats abandoned in the queue"), COUNT),
    ("abandonment_rate", _("Abandonment rate"), RATIO),
]
METRIC_KEYS = frozenset(key for key, _label, _unit in METRICS)
