"""What the supervisor pages show, built from metrics reports: headline tiles, charts over the
period, breakdown tables, and the agent report with quality review scores.

The numbers come from :mod:`kefu.insights.metrics` (and :mod:`kefu.insights.quality`); this
module only chooses which to show and how to format them, so a page needs a handful of
reports: one by period bucket (the tiles, their sparklines and most charts share it), one per
active channel for the contacts chart, and one for the chosen breakdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu import clock
from kefu.accounts.models import Agent
from kefu.tickets.models import Channel

from . import charts
from .charts import Series
from .metrics import Filters, MetricsReport, MetricsRow
from .metrics.facts import load_history
from .metrics.periods import bucket_key, bucket_start
from .quality.summary import QualitySummary, agent_quality

BREAKDOWNS = [
    ("channel", gettext_lazy("Channel")),
    ("team", gettext_lazy("Team")),
    ("agent", gettext_lazy("Agent")),
    ("language", gettext_lazy("Language")),
    ("category", gettext_lazy("Category")),
]
EXPORTS = [*(key for key, _label in BREAKDOWNS), "hour", "day", "week"]
LATEST_COMMENTS = 20
WEEKLY_AFTER_DAYS = 92  # longer periods are bucketed by week, shorter by day


def bucket_for(start: datetime, end: datetime) -> str:
    days = (end - start).total_seconds() / 86400
    return "hour" if days <= 1 else "day" if days <= WEEKLY_AFTER_DAYS else "week"


def _bucket_label(row: MetricsRow, bucket: str) -> str:
    at = timezone.localtime(datetime.fromisoformat(row.key))
    return at.strftime("%H:00" if bucket == "hour" else "%m-%d") if bucket != "week" else row.label


# -- tiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    name: str
    value: str
    note: str
    sparkline: SafeString


def _ratio_note(part: int, whole: int, words: str) -> str:
    return _("%(part)d of %(whole)d %(words)s") % {"part": part, "whole": whole, "words": words}


TileSpec = tuple[
    str, Any, str, str, Callable[[MetricsRow], float | None], Callable[[MetricsRow], str]
]

TILES: list[TileSpec] = [
    (
        "first_response",
        gettext_lazy("First response time (median)"),
        "first_response_p50",
        "duration",
        lambda r: r.first_response.p50,
        lambda r: (
            _("90th percentile %(p90)s; %(n)d responses")
            % {"p90": charts.format_duration(r.first_response.p90), "n": r.first_response.count}
        ),
    ),
    (
        "resolution",
        gettext_lazy("Resolution time (median)"),
        "resolution_p50",
        "duration",
        lambda r: r.resolution.p50,
        lambda r: (
            _("90th percentile %(p90)s; %(n)d solved")
            % {"p90": charts.format_duration(r.resolution.p90), "n": r.resolution.count}
        ),
    ),
    (
        "csat",
        gettext_lazy("CSAT (satisfied)"),
        "csat_rate",
        "percent",
        lambda r: r.csat_rate,
        lambda r: (
            _("mean score %(mean)s of %(n)d ratings")
            % {
                "mean": "–" if r.csat_mean is None else f"{r.csat_mean:.2f}",
                "n": r.csat_responses,
            }
        ),
    ),
    (
        "containment",
        gettext_lazy("Assistant containment"),
        "containment_rate",
        "percent",
        lambda r: r.containment_rate,
        lambda r: _ratio_note(r.contained, r.conversations, _("conversations")),
    ),
    (
        "sla",
        gettext_lazy("SLA attainment"),
        "sla_attainment",
        "percent",
        lambda r: r.sla_attainment,
        lambda r: _ratio_note(r.sla.met, r.sla.tracked, _("targets met")),
    ),
    (
        "queue_wait",
        gettext_lazy("Queue wait (90th percentile)"),
        "queue_wait_p90",
        "duration",
        lambda r: r.queue_wait.p90,
        lambda r: (
            _("median %(p50)s; %(n)d chats answered")
            % {"p50": charts.format_duration(r.queue_wait.p50), "n": r.answered}
        ),
    ),
    (
        "abandonment",
        gettext_lazy("Abandonment"),
        "abandonment_rate",
        "percent",
        lambda r: r.abandonment_rate,
        lambda r: _ratio_note(r.abandoned, r.queued, _("queued chats")),
    ),
    (
        "fcr",
        gettext_lazy("First-contact resolution"),
        "fcr_rate",
        "percent",
        lambda r: r.fcr_rate,
        lambda r: _ratio_note(r.first_contact_resolved, r.solved, _("solved")),
    ),
    (
        "reopen",
        gettext_lazy("Reopen rate"),
        "reopen_rate",
        "percent",
        lambda r: r.reopen_rate,
        lambda r: _ratio_note(r.reopened, r.solved, _("solved")),
    ),
    (
        "handover",
        gettext_lazy("Hand-over rate"),
        "handover_rate",
        "percent",
        lambda r: r.handover_rate,
        lambda r: _ratio_note(r.handed_over, r.conversations, _("conversations")),
    ),
]


def tiles(report: MetricsReport) -> list[Tile]:
    """The headline numbers of the period, each with its trend over the period's buckets."""
    result = []
    for key, name, metric, unit, value, note in TILES:
        trend = [row.value(metric) for row in report.rows]
        result.append(
            Tile(
                key=key,
                name=str(name),
                value=charts.format_value(value(report.total), unit),  # type: ignore[arg-type]
                note=note(report.total),
                sparkline=charts.sparkline(str(name), trend),
            )
        )
    return result


# -- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: SafeString
    wide: bool = False


def _line(
    title: str, report: MetricsReport, lines: list[tuple[str, str]], unit: charts.Unit, **kw: Any
) -> SafeString:
    times = [datetime.fromisoformat(row.key) for row in report.rows]
    series = [Series(name, [row.value(metric) for row in report.rows]) for name, metric in lines]
    return charts.line_chart(title, times, series, unit=unit, **kw)


def opened_by_channel(filters: Filters, bucket: str) -> dict[str, dict[str, int]]:
    """Tickets opened per channel and bucket key, from the same facts the reports count
    (one load, where a report per channel would replay the window once per channel)."""
    counts: dict[str, dict[str, int]] = {}
    for fact in load_history(filters, clock.now()).facts:
        if fact.kind == "opened" and filters.start <= fact.at < filters.end:
            key = bucket_key(bucket_start(fact.at, bucket))
            per_bucket = counts.setdefault(fact.subject.channel, {})
            per_bucket[key] = per_bucket.get(key, 0) + 1
    return counts


def contacts_chart(filters: Filters, by_period: MetricsReport, bucket: str) -> SafeString:
    """Tickets opened per bucket, stacked by channel."""
    labels = [_bucket_label(row, bucket) for row in by_period.rows]
    names: dict[str, Any] = dict(Channel.choices)
    counts = opened_by_channel(filters, bucket)
    order = [c for c in Channel.values if c in counts] + sorted(set(counts) - set(Channel.values))
    series = [
        Series(
            str(names.get(channel, channel)),
            [counts[channel].get(row.key, 0) for row in by_period.rows],
        )
        for channel in order
    ]
    return charts.bar_chart(_("Contacts by channel"), labels, series, stacked=True)


def dashboard_charts(filters: Filters, by_period: MetricsReport, bucket: str) -> list[Chart]:
    frt = _("First response time")
    csat = _("Customer satisfaction")
    sla = _("SLA attainment")
    wait = _("Queue wait")
    reasons = sorted(by_period.handover_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    handover = _("Hand-over reasons")
    return [
        Chart("contacts", _("Contacts by channel"), contacts_chart(filters, by_period, bucket)),
        Chart(
            "first_response",
            frt,
            _line(
                frt,
                by_period,
                [(_("median"), "first_response_p50"), (_("90th percentile"), "first_response_p90")],
                "duration",
            ),
        ),
        Chart(
            "csat",
            csat,
            _line(
                csat,
                by_period,
                [
                    (_("satisfied (4 or 5)"), "csat_rate"),
                    (_("assistant containment"), "containment_rate"),
                ],
                "percent",
                y_min=0,
                y_max=1,
            ),
        ),
        Chart(
            "sla",
            sla,
            _line(
                sla,
                by_period,
                [
                    (_("all targets"), "sla_attainment"),
                    (_("first response"), "sla_first_response_attainment"),
                    (_("resolution"), "sla_resolution_attainment"),
                ],
                "percent",
                y_min=0,
                y_max=1,
            ),
        ),
        Chart(
            "queue_wait",
            wait,
            _line(
                wait,
                by_period,
                [(_("median"), "queue_wait_p50"), (_("90th percentile"), "queue_wait_p90")],
                "duration",
            ),
        ),
        Chart(
            "handover_reasons",
            handover,
            charts.bar_chart(
                handover,
                [reason_label(reason) for reason, _count in reasons],
                [Series(_("hand-overs"), [count for _reason, count in reasons])],
            ),
        ),
    ]


def reason_label(code: str) -> str:
    """A hand-over reason code (``asked_for_human``, ``withdrawal_review``) for people."""
    return code.replace("_", " ").capitalize() if code else _("unknown")


def handover_table(report: MetricsReport) -> list[tuple[str, str, int]]:
    """(code, label, count), most frequent first."""
    reasons = sorted(report.handover_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(code, reason_label(code), count) for code, count in reasons]


# -- tables -----------------------------------------------------------------------------------


def table_row(row: MetricsRow) -> dict[str, Any]:
    """A breakdown row, formatted; the raw key stays for links and tests."""
    d, p = charts.format_duration, charts.format_percent
    return {
        "key": row.key,
        "label": row.label,
        "opened": row.opened,
        "solved": row.solved,
        "frt_p50": d(row.first_response.p50),
        "frt_p90": d(row.first_response.p90),
        "resolution_p50": d(row.resolution.p50),
        "csat": p(row.csat_rate),
        "csat_responses": row.csat_responses,
        "fcr": p(row.fcr_rate),
        "reopen": p(row.reopen_rate),
        "sla": p(row.sla_attainment),
        "queue_wait_p90": d(row.queue_wait.p90),
        "abandonment": p(row.abandonment_rate),
        "containment": p(row.containment_rate),
        "handover": p(row.handover_rate),
    }


@dataclass(frozen=True)
class AgentLine:
    agent_id: int | None
    row: dict[str, Any]
    quality: QualitySummary | None

    @property
    def quality_url(self) -> str:
        """The agent's reviews, where quality review is installed."""
        if self.agent_id is None or self.quality is None:
            return ""
        try:
            return reverse("quality:agent", args=[self.agent_id])
        except NoReverseMatch:
            return ""


def agent_lines(
    report: MetricsReport, visible: list[Agent], start: datetime, end: datetime
) -> list[AgentLine]:
    """One line per agent with measured tickets in the report (the report is already scoped
    to the user's team) or with quality reviews scored in the period; review scores only of
    the agents the user may see."""
    measured = {int(row.key): row for row in report.rows if row.key}
    quality = agent_quality([a.pk for a in visible], start, end)
    names = {a.pk: str(a) for a in visible}
    lines = []
    for row in report.rows:
        if row.key:
            agent_id = int(row.key)
            lines.append(AgentLine(agent_id, table_row(row), quality.get(agent_id)))
    for agent_id, summary in quality.items():
        if agent_id not in measured and summary.reviews:
            lines.append(
                AgentLine(agent_id, {"key": str(agent_id), "label": names[agent_id]}, summary)
            )
    return lines


def agent_charts(lines: list[AgentLine]) -> list[Chart]:
    names = [str(line.row["label"]) for line in lines]
    solved = _("Tickets solved per agent")
    scores = _("Quality review score per agent")
    quality = [
        None
        if line.quality is None or line.quality.mean_total is None
        else float(line.quality.mean_total) / 100
        for line in lines
    ]
    return [
        Chart(
            "solved",
            solved,
            charts.bar_chart(
                solved, names, [Series(_("solved"), [line.row.get("solved", 0) for line in lines])]
            ),
        ),
        Chart(
            "quality",
            scores,
            charts.bar_chart(
                scores,
                names,
                [Series(_("mean review score"), quality)],
                unit="percent",
                y_max=1,
                empty_message=_("No quality review was scored in this period."),
            ),
        ),
    ]
