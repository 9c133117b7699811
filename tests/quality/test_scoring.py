"""Weighted totals with known answers, and what the rubric form refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.errors import ApiError
from kefu.insights.quality.default_rubric import ensure_default_rubric
from kefu.insights.quality.scoring import clean_scores, rubric_snapshot, weighted_total

from .conftest import make_rubric

pytestmark = pytest.mark.django_db


def test_weights_and_scales_give_the_known_total() -> None:
    criteria = rubric_snapshot(make_rubric())
    # answer 3/4 = 75 % ×3, security 1/1 = 100 % ×2, tone 2 on 1–5 = 25 % ×1 → 450/6 = 75 %
    assert weighted_total(criteria, {"answer": 3, "security": 1, "tone": 2}) == Decimal("75.00")
    assert weighted_total(criteria, {"answer": 4, "security": 1, "tone": 5}) == Decimal("100.00")
    assert weighted_total(criteria, {"answer": 0, "security": 0, "tone": 1}) == Decimal("0.00")
    # A failed security check alone costs its whole weight: 1 - 2/6 = 66.67 %
    assert weighted_total(criteria, {"answer": 4, "security": 0, "tone": 5}) == Decimal("66.67")


def test_default_rubric_total() -> None:
    criteria = rubric_snapshot(ensure_default_rubric())
    assert [c["key"] for c in criteria] == [
        "greeting",
        "correct_answer",
        "security",
        "compliance",
        "resolution",
        "tone",
    ]
    scores = {
        "greeting": 4,  # 100 % ×1
        "correct_answer": 3,  # 75 % ×3
        "security": 2,  # 100 % ×3
        "compliance": 1,  # 50 % ×2
        "resolution": 2,  # 50 % ×2
        "tone": 4,  # 100 % ×1
    }
    assert weighted_total(criteria, scores) == Decimal("77.08")  # 925 / 12


def test_clean_scores_accepts_form_strings() -> None:
    criteria = rubric_snapshot(make_rubric())
    assert clean_scores(criteria, {"answer": "4", "security": " 0 ", "tone": 5}) == {
        "answer": 4,
        "security": 0,
        "tone": 5,
    }


@pytest.mark.parametrize(
    ("raw", "faults"),
    [
        ({"answer": 4, "security": 1}, {"tone"}),  # missing
        ({"answer": 4, "security": 1, "tone": ""}, {"tone"}),  # left blank
        ({"answer": 5, "security": 1, "tone": 3}, {"answer"}),  # above the scale
        ({"answer": 4, "security": 1, "tone": 0}, {"tone"}),  # below a 1–5 scale
        ({"answer": "3.5", "security": 1, "tone": 3}, {"answer"}),  # not a whole number
        ({"answer": True, "security": 1, "tone": 3}, {"answer"}),
        ({"answer": 4, "security": 1, "tone": 3, "speed": 4}, {"speed"}),  # unknown criterion
        ({}, {"answer", "security", "tone"}),
    ],
)
def test_clean_scores_refuses_with_one_message_per_fault(
    raw: dict[str, object], faults: set[str]
) -> None:
    criteria = rubric_snapshot(make_rubric())
    with pytest.raises(ApiError) as caught:
        clean_scores(criteria, raw)
    assert caught.value.code == "invalid_scores"
    assert set(caught.value.details) == faults
    assert all(caught.value.details.values())
