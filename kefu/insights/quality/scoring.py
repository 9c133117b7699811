"""Scores on a rubric: checking what a reviewer entered, and the weighted total.

Each criterion's score is placed on its own scale (lowest = 0 %, highest = 100 %), then the
criteria are averaged by weight, so a 0–1 pass/fail criterion and a 0–4 one mix fairly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from kefu.errors import ApiError

from .models import Criterion, Rubric

Snapshot = Mapping[str, Any]
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def rubric_snapshot(rubric: Rubric) -> list[dict[str, Any]]:
    """The criteria a review scored on ``rubric`` now keeps, in order."""
    criteria = Criterion.objects.filter(rubric=rubric).order_by("position", "pk")
    return [c.snapshot() for c in criteria]


def active_rubric() -> Rubric | None:
    return Rubric.objects.filter(is_active=True).first()


def criterion_percent(criterion: Snapshot, score: int) -> Decimal:
    """Where ``score`` sits on the criterion's scale, 0–100."""
    low, high = int(criterion["scale_min"]), int(criterion["scale_max"])
    return (Decimal(score - low) * HUNDRED) / Decimal(high - low)


def weighted_total(criteria: Sequence[Snapshot], scores: Mapping[str, int]) -> Decimal:
    """The weighted mean of the criteria's percentages, rounded to 0.01 %."""
    weights = sum(int(c["weight"]) for c in criteria)
    if not weights:
        raise ApiError("rubric_empty", _("The rubric has no criteria to score."))
    total = sum(
        (int(c["weight"]) * criterion_percent(c, scores[c["key"]]) for c in criteria), Decimal(0)
    )
    return (total / Decimal(weights)).quantize(CENT, rounding=ROUND_HALF_UP)


def clean_scores(criteria: Sequence[Snapshot], raw: Mapping[str, Any]) -> dict[str, int]:
    """Whole-number scores for every criterion, each within its scale; anything else is refused
    with ``invalid_scores`` and, in ``details``, one message per criterion at fault."""
    known = {c["key"]: c for c in criteria}
    problems: dict[str, str] = {}
    for key in raw:
        if key not in known:
            problems[str(key)] = _("There is no criterion “%(key)s” on this rubric.") % {"key": key}
    cleaned: dict[str, int] = {}
    for key, criterion in known.items():
        low, high = int(criterion["scale_min"]), int(criterion["scale_max"])
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems[key] = _("Score this criterion.")
            continue
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None:
            problems[key] = _("Enter a whole number.")
        elif not low <= number <= high:
            problems[key] = _("Enter a score from %(low)s to %(high)s.") % {
                "low": low,
                "high": high,
            }
        else:
            cleaned[key] = number
    if problems:
        raise ApiError(
            "invalid_scores",
            _("Some criteria are not scored correctly; see each one."),
            details=problems,
        )
    return cleaned
