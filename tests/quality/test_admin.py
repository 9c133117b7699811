"""Editing rubrics in the back office: one active at a time, a new version when criteria
change, and scores given before keeping what they were scored on."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.test import Client

from kefu.events.models import Event
from kefu.insights.quality.actions import score_review
from kefu.insights.quality.models import Criterion, Review, Rubric

from .conftest import NOW, Desk, chat, make_rubric, staff


def change_form(rubric: Rubric, **changes: Any) -> dict[str, Any]:
    """The admin change form of ``rubric`` as a browser would post it back."""
    criteria = list(Criterion.objects.filter(rubric=rubric).order_by("position", "pk"))
    data: dict[str, Any] = {
        "name": rubric.name,
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": str(len(criteria)),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    if rubric.is_active:
        data["is_active"] = "on"
    for i, c in enumerate(criteria):
        for field in (
            "position", "key", "label_en", "label_zh_hans", "weight", "scale_min", "scale_max",
            "guidance_en", "guidance_zh_hans",
        ):  # fmt: skip
            data[f"criteria-{i}-{field}"] = getattr(c, field)
        data[f"criteria-{i}-id"] = c.pk
        data[f"criteria-{i}-rubric"] = rubric.pk
    data.update(changes)
    return data


def url(rubric: Rubric) -> str:
    return f"/admin/quality/rubric/{rubric.pk}/change/"


def test_editing_criteria_makes_a_new_version_and_old_scores_stay(desk: Desk) -> None:
    rubric = make_rubric()
    ticket = chat(desk.agent_a, ended=NOW - timedelta(hours=3))
    review = Review.objects.create(ticket=ticket, agent=desk.agent_a, handled_at=ticket.ended_at)
    score_review(review, by=desk.admin, scores={"answer": 2, "security": 1, "tone": 3})
    admin: Client = staff(desk.admin)

    unchanged = admin.post(url(rubric), change_form(rubric))
    assert unchanged.status_code == 302
    rubric.refresh_from_db()
    assert rubric.version == 1  # saving without a change is no new version

    response = admin.post(url(rubric), change_form(rubric, **{"criteria-0-weight": "1"}))
    assert response.status_code == 302
    rubric.refresh_from_db()
    assert rubric.version == 2
    assert Event.objects.filter(kind="quality.rubric_changed", data__version=2).exists()
    review.refresh_from_db()
    assert review.total == Decimal("66.67") and review.criteria[0]["weight"] == 3


def test_activating_a_rubric_deactivates_the_other(desk: Desk) -> None:
    first = make_rubric("First")
    second = make_rubric("Second", active=False)
    admin = staff(desk.admin)

    response = admin.post(url(second), change_form(second, is_active="on"))

    assert response.status_code == 302
    assert list(Rubric.objects.filter(is_active=True)) == [second]
    first.refresh_from_db()
    assert not first.is_active
    assert Event.objects.filter(kind="quality.rubric_activated", subject_id=str(second.pk)).exists()

    response = admin.post(
        "/admin/quality/rubric/",
        {"action": "make_active", "_selected_action": [str(first.pk)]},
    )
    assert response.status_code == 302
    assert list(Rubric.objects.filter(is_active=True)) == [first]


def test_a_criterion_whose_scale_is_upside_down_is_refused(desk: Desk) -> None:
    rubric = make_rubric()
    response = staff(desk.admin).post(
        url(rubric), change_form(rubric, **{"criteria-0-scale_min": "5"})
    )
    assert response.status_code == 200  # the form again, with the error
    assert Criterion.objects.get(rubric=rubric, key="answer").scale_min == 0
    rubric.refresh_from_db()
    assert rubric.version == 1
