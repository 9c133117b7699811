"""Quality scores per agent over a period, for the agent report and the dashboard.

Only scored reviews count, by when they were scored. Criterion means are percentages of each
criterion's own scale, so reviews scored on different rubric versions (or scales) average
fairly; a criterion missing from some reviews is averaged over the reviews that have it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import Review, ReviewStatus, criterion_text
from .scoring import criterion_percent

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class QualitySummary:
    """One agent's scored reviews in a period.

    ``mean_total`` and the values of ``criteria`` are percentages (0–100, one decimal), ``None``
    when there was no scored review. ``criteria`` is keyed by criterion key (``"security"``);
    ``labels`` names those keys in the current language.
    """

    agent_id: int
    reviews: int = 0
    mean_total: Decimal | None = None
    criteria: dict[str, Decimal] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    lowest_total: Decimal | None = None


def agent_quality(
    agent_ids: Iterable[int] | None, start: datetime, end: datetime
) -> dict[int, QualitySummary]:
    """Summaries of reviews scored in ``[start, end)``, by agent id.

    Given ids, every one of them is in the result (``reviews=0`` when none was scored); with
    ``None``, every agent who has a scored review in the period.
    """
    reviews = Review.objects.filter(
        status=ReviewStatus.DONE, scored_at__gte=start, scored_at__lt=end
    ).order_by("scored_at", "pk")
    wanted = None if agent_ids is None else [int(i) for i in agent_ids]
    if wanted is not None:
        reviews = reviews.filter(agent_id__in=wanted)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    per_criterion: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[int, dict[str, str]] = defaultdict(dict)
    for agent_id, total, criteria, scores in reviews.values_list(
        "agent_id", "total", "criteria", "scores"
    ):
        if total is None:
            continue
        totals[agent_id].append(Decimal(total))
        for criterion in criteria:
            key = criterion["key"]
            if key in scores:
                per_criterion[agent_id][key].append(criterion_percent(criterion, scores[key]))
                labels[agent_id][key] = criterion_text(criterion, "label")  # the latest wins
    result = {agent_id: QualitySummary(agent_id) for agent_id in wanted or []}
    for agent_id, values in totals.items():
        result[agent_id] = QualitySummary(
            agent_id=agent_id,
            reviews=len(values),
            mean_total=_mean(values),
            criteria={k: _mean(v) for k, v in per_criterion[agent_id].items()},
            labels=labels[agent_id],
            lowest_total=min(values).quantize(TENTH, rounding=ROUND_HALF_UP),
        )
    return result


def _mean(values: list[Any]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(TENTH, rounding=ROUND_HALF_UP)
