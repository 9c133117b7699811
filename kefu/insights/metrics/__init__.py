"""Support metrics computed from the ticket events: response and resolution times, FCR,
reopens, CSAT, assistant containment and hand-overs, SLA attainment, queue waits and
abandonment, in total and by channel, team, agent, language, category or period.

The interface the dashboard, CSV export and benchmarks use::

    report = compute(Filters(start, end, channel="chat"), by="day")
    report.total.first_response.p90, report.rows[0].csat_rate, to_csv(report)
    timeseries(filters, "queue_wait_p90", "hour")
    compute_many(filters, ["day", "channel"])  # several groupings, one read of the history

Definitions of every metric: :mod:`kefu.insights.metrics.facts`.
"""

from .export import to_csv
from .percentiles import percentile
from .report import compute, compute_many, timeseries
from .rows import (
    DIMENSIONS,
    METRICS,
    Attainment,
    CsatComment,
    Durations,
    Filters,
    MetricsReport,
    MetricsRow,
)

__all__ = [
    "DIMENSIONS",
    "METRICS",
    "Attainment",
    "CsatComment",
    "Durations",
    "Filters",
    "MetricsReport",
    "MetricsRow",
    "compute",
    "compute_many",
    "percentile",
    "timeseries",
    "to_csv",
]
