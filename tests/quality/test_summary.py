"""agent_quality(): what the agent report shows of quality, with known answers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import translation

from kefu import clock
from kefu.insights.quality.actions import score_review
from kefu.insights.quality.models import Criterion, Review
from kefu.insights.quality.rubrics import criteria_saved
from kefu.insights.quality.scoring import rubric_snapshot
from kefu.insights.quality.summary import QualitySummary, agent_quality

from .conftest import NOW, Desk, chat, make_rubric


def scored(desk: Desk, agent, scores, *, at):  # type: ignore[no-untyped-def]
    ticket = chat(agent, ended=at - timedelta(hours=1))
    review = Review.objects.create(ticket=ticket, agent=agent, handled_at=ticket.ended_at)
    with clock.frozen(at):
        return score_review(review, by=desk.admin, scores=scores)


def test_means_per_agent_and_criterion(desk: Desk) -> None:
    make_rubric()
    day = NOW - timedelta(days=3)
    scored(desk, desk.agent_a, {"answer": 3, "security": 1, "tone": 2}, at=day)  # 75 %
    scored(desk, desk.agent_a, {"answer": 4, "security": 0, "tone": 5}, at=day)  # 66.67 %
    scored(desk, desk.agent_b, {"answer": 4, "security": 1, "tone": 5}, at=day)  # 100 %
    pending = chat(desk.agent_a, ended=day)
    Review.objects.create(ticket=pending, agent=desk.agent_a, handled_at=day)  # not counted

    result = agent_quality(None, NOW - timedelta(days=7), NOW)

    assert set(result) == {desk.agent_a.pk, desk.agent_b.pk}
    a = result[desk.agent_a.pk]
    assert a.reviews == 2
    assert a.mean_total == Decimal("70.8")  # (75 + 66.67) / 2 = 70.835
    assert a.lowest_total == Decimal("66.7")
    assert a.criteria == {
        "answer": Decimal("87.5"),  # 75 and 100
        "security": Decimal("50.0"),  # 100 and 0
        "tone": Decimal("62.5"),  # 25 and 100
    }
    assert a.labels == {"answer": "Answer", "security": "Security", "tone": "Tone"}
    assert result[desk.agent_b.pk].mean_total == Decimal("100.0")


def test_period_bounds_and_requested_agents(desk: Desk) -> None:
    make_rubric()
    start, end = NOW - timedelta(days=7), NOW
    scored(desk, desk.agent_a, {"answer": 4, "security": 1, "tone": 5}, at=start)  # in: [start
    scored(desk, desk.agent_a, {"answer": 0, "security": 0, "tone": 1}, at=end)  # out: end)
    scored(desk, desk.agent_b, {"answer": 0, "security": 0, "tone": 1}, at=start)

    result = agent_quality([desk.agent_a.pk, desk.agent_a2.pk], start, end)

    assert set(result) == {desk.agent_a.pk, desk.agent_a2.pk}  # agent B not asked for
    assert result[desk.agent_a.pk].reviews == 1
    assert result[desk.agent_a.pk].mean_total == Decimal("100.0")
    assert result[desk.agent_a2.pk] == QualitySummary(agent_id=desk.agent_a2.pk)
    assert result[desk.agent_a2.pk].mean_total is None
    assert agent_quality([], start, end) == {}


def test_old_scores_keep_their_rubric_version(desk: Desk) -> None:
    rubric = make_rubric()
    day = NOW - timedelta(days=2)
    first = scored(desk, desk.agent_a, {"answer": 2, "security": 1, "tone": 3}, at=day)
    assert first.total == Decimal("66.67")  # (150 + 200 + 50) / 6

    # An administrator reweighs answer to 1 and adds a criterion: a new version.
    before = rubric_snapshot(rubric)
    Criterion.objects.filter(rubric=rubric, key="answer").update(weight=1)
    Criterion.objects.create(
        rubric=rubric, key="speed", label_en="Speed", weight=1, scale_min=0, scale_max=2
    )
    assert criteria_saved(rubric, before)
    assert rubric.version == 2
    second = scored(desk, desk.agent_a, {"answer": 4, "security": 1, "tone": 5, "speed": 0}, at=day)

    first.refresh_from_db()
    assert first.total == Decimal("66.67") and first.rubric_version == 1
    assert [c["key"] for c in first.criteria] == ["answer", "security", "tone"]
    assert second.rubric_version == 2 and second.total == Decimal("80.00")  # 4/5

    summary = agent_quality([desk.agent_a.pk], NOW - timedelta(days=7), NOW)[desk.agent_a.pk]
    assert summary.criteria["answer"] == Decimal("75.0")  # 50 and 100, each on its own version
    assert summary.criteria["speed"] == Decimal("0.0")  # only the review that had it


def test_labels_follow_the_language(desk: Desk) -> None:
    make_rubric()
    scored(desk, desk.agent_a, {"answer": 4, "security": 1, "tone": 5}, at=NOW - timedelta(1))
    with translation.override("zh-hans"):
        labels = agent_quality(None, NOW - timedelta(days=7), NOW)[desk.agent_a.pk].labels
    assert labels == {"answer": "答案", "security": "安全", "tone": "Tone"}  # untranslated: en
