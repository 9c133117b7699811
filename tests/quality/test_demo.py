"""The demo loader: the default rubric always; reviews once there is demo history."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import translation

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent
from kefu.insights.quality.demo_data import load_demo_quality
from kefu.insights.quality.models import Criterion, Review, Rubric, criterion_text
from kefu.insights.quality.summary import agent_quality
from kefu.trust import access

from .conftest import NOW, chat


def test_without_demo_tickets_only_the_rubric(db: None, frozen) -> None:  # type: ignore[no-untyped-def]
    load_demo_quality()
    rubric = Rubric.objects.get()
    assert rubric.is_active and rubric.version == 1
    criteria = list(Criterion.objects.filter(rubric=rubric))
    assert len(criteria) == 6 and all(c.label_zh_hans for c in criteria)
    security = next(c.snapshot() for c in criteria if c.key == "security")
    with translation.override("zh-hans"):
        assert criterion_text(security, "label") == "安全规范"
    assert criterion_text(security, "label", "en") == "Security"
    assert not Review.objects.exists()


def test_demo_reviews_scored_and_pending(db: None, frozen) -> None:  # type: ignore[no-untyped-def]
    load_demo_accounts()
    rng = random.Random(3)
    agents = list(Agent.objects.filter(username__startswith="agent."))
    for agent in agents:
        teams = list(agent.teams.order_by("pk")) or [None]
        for day in range(1, 22):
            chat(
                agent,
                ended=NOW - timedelta(days=day, hours=rng.randint(0, 8)),
                minutes=rng.choice([5, 8, 12, 40]),
                csat=rng.choice([None, 1, 4, 5, 5]),
                team=teams[day % len(teams)],
            )

    load_demo_quality()

    done = Review.objects.filter(status="done")
    waiting = Review.objects.filter(status="pending")
    assert done.exists() and waiting.exists()
    assert {r.agent.username for r in done} == {a.username for a in agents}
    # Mei Lin reviews her teams' work; what she may not see, an administrator reviews.
    mei = Agent.objects.get(username="supervisor")
    hers = access.supervised_team_ids(mei) or set()
    assert any(r.reviewer == mei for r in done)
    assert all(
        r.reviewer == mei if r.ticket.team_id in hers else r.reviewer.role == "admin" for r in done
    )
    assert all(0 <= r.total <= 100 and len(r.criteria) == 6 for r in done)
    assert all(r.scored_at <= NOW and r.scored_at > r.handled_at for r in done)
    assert min(r.handled_at for r in waiting) > max(r.handled_at for r in done)  # the latest
    assert {r.reason for r in Review.objects.all()} >= {"low_csat", "random"}

    summaries = agent_quality(None, NOW - timedelta(days=30), NOW)
    assert set(summaries) == {a.pk for a in agents}
    assert all(s.reviews > 0 and s.mean_total is not None for s in summaries.values())

    count = Review.objects.count()
    load_demo_quality()  # a second load adds nothing
    assert Review.objects.count() == count and Rubric.objects.count() == 1
