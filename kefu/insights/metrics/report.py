"""Reports: the facts of a window summed up in total and by a dimension or a period."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from kefu import clock
from kefu.accounts.models import Agent, SupportLanguage, Team
from kefu.errors import ApiError
from kefu.tickets.categories import CATEGORIES
from kefu.tickets.models import Channel, ticket_number

from .facts import SATISFIED, Fact, History, Subject, load_history
from .percentiles import summarize
from .periods import bucket_key, bucket_label, bucket_start, buckets
from .rows import (
    DIMENSIONS,
    METRIC_KEYS,
    PERIODS,
    SLA_CLOCKS,
    Attainment,
    CsatComment,
    Filters,
    MetricsReport,
    MetricsRow,
)

MAX_COMMENTS = 200


@dataclass
class _Sums:
    """Running sums of one row."""

    opened: int = 0
    solved: int = 0
    resolution: list[float] = field(default_factory=list)
    first_response: list[float] = field(default_factory=list)
    next_response: list[float] = field(default_factory=list)
    fcr: int = 0
    reopened: int = 0
    scores: list[float] = field(default_factory=list)
    contained: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    sla: dict[str, list[int]] = field(default_factory=dict)  # clock or "" -> [tracked, met]
    waits: list[float] = field(default_factory=list)
    abandoned: int = 0

    def add(self, fact: Fact) -> None:
        kind = fact.kind
        if kind == "opened":
            self.opened += 1
        elif kind == "solved":
            self.solved += 1
            self.resolution.append(fact.value)
        elif kind == "first_response":
            self.first_response.append(fact.value)
        elif kind == "next_response":
            self.next_response.append(fact.value)
        elif kind == "first_contact_resolved":
            self.fcr += 1
        elif kind == "reopened":
            self.reopened += 1
        elif kind == "rating":
            self.scores.append(fact.value)
        elif kind == "contained":
            self.contained += 1
        elif kind == "handed_over":
            self.reasons[fact.tag] += 1
        elif kind == "sla":
            counts = self.sla.setdefault(fact.tag, [0, 0])
            counts[0] += 1
            counts[1] += int(fact.value)
        elif kind == "answered":
            self.waits.append(fact.value)
        elif kind == "abandoned":
            self.abandoned += 1

    def row(self, key: str, label: str) -> MetricsRow:
        handed_over = sum(self.reasons.values())
        return MetricsRow(
            key=key,
            label=label,
            opened=self.opened,
            solved=self.solved,
            first_response=summarize(self.first_response),
            next_response=summarize(self.next_response),
            resolution=summarize(self.resolution),
            first_contact_resolved=self.fcr,
            reopened=self.reopened,
            csat_responses=len(self.scores),
            csat_satisfied=sum(1 for s in self.scores if s >= SATISFIED),
            csat_mean=math.fsum(self.scores) / len(self.scores) if self.scores else None,
            conversations=self.contained + handed_over,
            contained=self.contained,
            handed_over=handed_over,
            handover_reasons=dict(self.reasons.most_common()),
            sla=Attainment(*self.sla.get("", [0, 0])),
            sla_clocks={c: Attainment(*self.sla.get(c, [0, 0])) for c in SLA_CLOCKS},
            queued=len(self.waits) + self.abandoned,
            answered=len(self.waits),
            abandoned=self.abandoned,
            queue_wait=summarize(self.waits),
        )


def compute(filters: Filters, by: str | None = None) -> MetricsReport:
    """The metrics of ``filters``' window in total and, with ``by`` (one of
    :data:`DIMENSIONS`), per channel, team, agent, language, category or period bucket."""
    return compute_many(filters, [by])[by]


def compute_many(
    filters: Filters, groupings: Sequence[str | None]
) -> dict[str | None, MetricsReport]:
    """Several reports of one window (``{"day": ..., "channel": ...}``) for the cost of one:
    the history is read once and only summed up once per grouping."""
    for by in groupings:
        if by is not None and by not in DIMENSIONS:
            raise ApiError("invalid_dimension", f"Group by one of {', '.join(DIMENSIONS)}.")
        if by in PERIODS:
            next(buckets(filters.start, filters.end, by))  # refuses too many before any work
    history = load_history(filters, clock.now())
    facts = [f for f in history.facts if filters.start <= f.at < filters.end]
    total = _Sums()
    for fact in facts:
        total.add(fact)
    total_row = total.row("", str(_("All")))
    comments = _comments(facts, history)
    reports = {}
    for by in groupings:
        rows = _rows(by, _grouped(facts, by), filters) if by else []
        reports[by] = MetricsReport(
            filters=filters,
            by=by,
            total=total_row,
            rows=rows,
            handover_reasons=total_row.handover_reasons,
            csat_comments=comments,
        )
    return reports


def _grouped(facts: list[Fact], by: str) -> dict[str, _Sums]:
    groups: dict[str, _Sums] = {}
    key_of = _key_function(by)
    for fact in facts:
        key = key_of(fact)
        sums = groups.get(key)
        if sums is None:
            sums = groups[key] = _Sums()
        sums.add(fact)
    return groups


def timeseries(filters: Filters, metric: str, bucket: str) -> list[tuple[datetime, float | None]]:
    """One metric per hour, day or week of the window, every bucket present (None where there
    was nothing to measure)."""
    if metric not in METRIC_KEYS:
        raise ApiError("unknown_metric", f"Unknown metric {metric!r}.")
    if bucket not in PERIODS:
        raise ApiError("invalid_dimension", f"Buckets are one of {', '.join(PERIODS)}.")
    report = compute(filters, by=bucket)
    return [(datetime.fromisoformat(row.key), row.value(metric)) for row in report.rows]


def _key_function(by: str) -> Callable[[Fact], str]:
    if by in PERIODS:
        # Every bucket starts on a whole hour (UTC): work each hour's key out once.
        keys: dict[int, str] = {}

        def period(fact: Fact) -> str:
            hour = int(fact.at.timestamp() // 3600)
            key = keys.get(hour)
            if key is None:
                key = keys[hour] = bucket_key(bucket_start(fact.at, by))
            return key

        return period
    if by == "agent":
        return lambda fact: "" if fact.subject.agent is None else str(fact.subject.agent)

    def attribute(fact: Fact) -> str:
        return str(getattr(fact.subject, by))

    return attribute


def _rows(by: str, groups: dict[str, _Sums], filters: Filters) -> list[MetricsRow]:
    if by in PERIODS:
        return [
            groups.get(bucket_key(at), _Sums()).row(bucket_key(at), bucket_label(at, by))
            for at in buckets(filters.start, filters.end, by)
        ]
    labels = _labels(by, groups)
    order = _order(by)
    keys = sorted(groups, key=lambda k: (order.get(k, len(order)), labels[k].casefold(), k))
    return [groups[k].row(k, labels[k]) for k in keys]


def _order(by: str) -> dict[str, int]:
    """Channels and languages in their declared order; everything else by label."""
    if by == "channel":
        return {value: i for i, value in enumerate(Channel.values)}
    if by == "language":
        return {value: i for i, value in enumerate(SupportLanguage.values)}
    return {}


def _labels(by: str, keys: Iterable[str]) -> dict[str, str]:
    keys = list(keys)
    if by == "channel":
        channels: dict[str, Any] = dict(Channel.choices)
        return {k: str(channels.get(k, k)) for k in keys}
    if by == "language":
        languages: dict[str, Any] = dict(SupportLanguage.choices)
        return {k: str(languages.get(k, k) or _("No language")) for k in keys}
    if by == "category":
        return {
            k: str(CATEGORIES[k].label) if k in CATEGORIES else (k or str(_("No category")))
            for k in keys
        }
    if by == "team":
        names: dict[str, str] = dict(Team.objects.filter(slug__in=keys).values_list("slug", "name"))
        return {k: names.get(k, k) if k else str(_("No team")) for k in keys}
    if by == "agent":
        ids = [int(k) for k in keys if k]
        agents = {str(a.pk): str(a) for a in Agent.objects.filter(pk__in=ids)}
        return {k: agents.get(k, k) if k else str(_("Unassigned")) for k in keys}
    return {k: k for k in keys}


def _comments(facts: list[Fact], history: History) -> list[CsatComment]:
    """Comments of the ratings given in the window, newest first."""
    rated: list[tuple[datetime, Subject]] = [
        (f.at, f.subject)
        for f in facts
        if f.kind == "rating" and f.subject.ticket in history.comments
    ]
    rated.sort(key=lambda r: r[0], reverse=True)
    rated = rated[:MAX_COMMENTS]
    agents = {
        a.pk: str(a) for a in Agent.objects.filter(pk__in={s.agent for _at, s in rated if s.agent})
    }
    comments = []
    for at, subject in rated:
        assert subject.ticket is not None
        rating = history.comments[subject.ticket]
        comments.append(
            CsatComment(
                ticket=ticket_number(subject.ticket),
                score=rating.score,
                comment=rating.comment,
                at=at,
                channel=subject.channel,
                language=subject.language,
                agent=agents.get(subject.agent or 0, ""),
            )
        )
    return comments
