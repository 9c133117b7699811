"""Sampling rules: N per agent in the period, the worst conversations first with random ones
beside them, never the reviewer's own, never the same conversation twice."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from kefu import clock
from kefu.errors import ApiError
from kefu.events.models import Event
from kefu.insights.quality import tasks
from kefu.insights.quality.models import Review
from kefu.insights.quality.sampling import candidates, sample_period
from kefu.jobs import registry
from kefu.tickets.models import ChatState, Status, Ticket

from .conftest import NOW, Desk, chat, solved_ticket

WEEK_START = NOW - timedelta(days=7)


def ten_chats(desk: Desk, agent=None):  # type: ignore[no-untyped-def]
    agent = agent or desk.agent_a
    return [chat(agent, ended=WEEK_START + timedelta(hours=6 * i + 1)) for i in range(10)]


def test_n_per_agent_in_the_period_only(desk: Desk) -> None:
    ten_chats(desk, desk.agent_a)
    ten_chats(desk, desk.agent_b)
    chat(desk.agent_a2, ended=WEEK_START + timedelta(hours=3))  # only one to take
    chat(desk.agent_a2, ended=WEEK_START - timedelta(minutes=1))  # before the period
    chat(desk.agent_a2, ended=NOW)  # the end is not in the period
    open_chat = chat(desk.agent_a2, ended=WEEK_START + timedelta(hours=4))
    Ticket.objects.filter(pk=open_chat.pk).update(chat_state=ChatState.ASSIGNED)  # still on
    solved_ticket(desk.agent_a2, solved=WEEK_START + timedelta(days=2))
    unsolved = solved_ticket(desk.agent_a2, solved=WEEK_START + timedelta(days=2))
    Ticket.objects.filter(pk=unsolved.pk).update(status=Status.OPEN)

    reviews = sample_period(WEEK_START, NOW, per_agent=3, rng=random.Random(1))

    assert Counter(r.agent_id for r in reviews) == {
        desk.agent_a.pk: 3,
        desk.agent_b.pk: 3,
        desk.agent_a2.pk: 2,  # the chat and the solved email ticket in the period
    }
    assert all(WEEK_START <= r.handled_at < NOW for r in reviews)
    assert all(r.status == "pending" and r.ticket.assignee_id == r.agent_id for r in reviews)
    event = Event.objects.get(kind="quality.sampled")
    assert sorted(event.data["reviews"]) == sorted(r.pk for r in reviews)


def test_a_period_read_from_the_clock_is_recorded(desk: Desk) -> None:
    """The demo data and the supervisor's button sample up to now, fractions of a second
    included; the period's event must still fit its subject id (PostgreSQL enforces it)."""
    ten_chats(desk)
    start = WEEK_START + timedelta(microseconds=123_456)
    reviews = sample_period(start, NOW + timedelta(microseconds=654_321), per_agent=3)
    assert len(reviews) == 3
    event = Event.objects.get(kind="quality.sampled")
    max_length = Event._meta.get_field("subject_id").max_length
    assert max_length is not None and len(event.subject_id) <= max_length
    assert event.subject_id.startswith(WEEK_START.isoformat(timespec="seconds"))


def test_never_twice_and_topped_up_not_redrawn(desk: Desk) -> None:
    ten_chats(desk)
    first = sample_period(WEEK_START, NOW, per_agent=3, rng=random.Random(2))
    again = sample_period(WEEK_START, NOW, per_agent=3, rng=random.Random(3))
    assert again == []  # already three for the period
    more = sample_period(WEEK_START, NOW, per_agent=5, rng=random.Random(4))
    assert len(more) == 2
    everything = sample_period(WEEK_START, NOW, per_agent=50, rng=random.Random(5))
    assert len(everything) == 5  # the ten, and no more
    tickets = [r.ticket_id for r in Review.objects.all()]
    assert len(tickets) == len(set(tickets)) == 10
    assert {r.pk for r in first} <= set(Review.objects.values_list("pk", flat=True))


def test_low_csat_complaints_and_long_chats_come_first_beside_random_ones(desk: Desk) -> None:
    ordinary = ten_chats(desk)
    low = chat(desk.agent_a, ended=WEEK_START + timedelta(days=1), csat=1)
    low2 = chat(desk.agent_a, ended=WEEK_START + timedelta(days=2), csat=2)
    happy = chat(desk.agent_a, ended=WEEK_START + timedelta(days=2), csat=5)
    complaint = chat(desk.agent_a, ended=WEEK_START + timedelta(days=3), complaint=True)
    long = chat(desk.agent_a, ended=WEEK_START + timedelta(days=4), minutes=45)  # median 10

    for seed in range(8):  # whatever the draw
        Review.objects.all().delete()
        reviews = sample_period(WEEK_START, NOW, per_agent=4, rng=random.Random(seed))
        by_ticket = {r.ticket_id: r.reason for r in reviews}
        assert len(reviews) == 4
        # three slots for the worst first (both low ratings, then the complaint), one random
        assert by_ticket[low.pk] == by_ticket[low2.pk] == "low_csat"
        assert by_ticket[complaint.pk] == "complaint"
        assert Counter(by_ticket.values())["random"] == 1
        assert happy.pk not in by_ticket or by_ticket[happy.pk] == "random"

    Review.objects.all().delete()
    reviews = sample_period(WEEK_START, NOW, per_agent=8, rng=random.Random(0))
    reasons = {r.ticket_id: r.reason for r in reviews}
    assert reasons[long.pk] == "long_handle"  # 45 min against a median of 10
    # six slots for the worst but only four are: the other slots go to random picks
    assert Counter(reasons.values()) == {
        "low_csat": 2,
        "complaint": 1,
        "long_handle": 1,
        "random": 4,
    }
    assert {t.pk for t in ordinary} & set(reasons)  # ordinary work is seen too


def test_random_picks_vary_with_the_draw(desk: Desk) -> None:
    ten_chats(desk)
    drawn = set()
    for seed in range(10):
        Review.objects.all().delete()
        drawn.add(
            frozenset(
                r.ticket_id
                for r in sample_period(WEEK_START, NOW, per_agent=2, rng=random.Random(seed))
            )
        )
    assert len(drawn) > 1


def test_never_the_reviewers_own_and_only_their_agents(desk: Desk) -> None:
    ten_chats(desk, desk.agent_a)
    ten_chats(desk, desk.agent_b)
    ten_chats(desk, desk.supervisor_a)  # a supervisor who also takes chats

    reviews = sample_period(WEEK_START, NOW, per_agent=2, by=desk.supervisor_a)

    assert {r.agent_id for r in reviews} == {desk.agent_a.pk}  # not B's team, not their own
    event = Event.objects.get(kind="quality.sampled")
    assert event.actor_id == desk.supervisor_a.pk

    # An administrator reviews the supervisor (and anyone), never their own.
    ten_chats(desk, desk.admin)
    by_admin = sample_period(WEEK_START, NOW, per_agent=2, by=desk.admin)
    assert {r.agent_id for r in by_admin} == {desk.agent_b.pk, desk.supervisor_a.pk}


def test_content_editors_and_unassigned_conversations_are_not_sampled(desk: Desk) -> None:
    ten_chats(desk, desk.editor)
    unassigned = chat(desk.agent_a, ended=WEEK_START + timedelta(hours=2))
    Ticket.objects.filter(pk=unassigned.pk).update(assignee=None)
    assert candidates(WEEK_START, NOW) == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"per_agent": 0}, "invalid_sample_size"),
        ({"per_agent": 51}, "invalid_sample_size"),
        ({"per_agent": 3, "start": NOW, "end": NOW}, "invalid_period"),
    ],
)
def test_bad_requests_write_nothing(desk: Desk, kwargs: dict, code: str) -> None:  # type: ignore[type-arg]
    ten_chats(desk)
    start, end = kwargs.pop("start", WEEK_START), kwargs.pop("end", NOW)
    with pytest.raises(ApiError) as caught:
        sample_period(start, end, **kwargs)
    assert caught.value.code == code
    assert not Review.objects.exists()


def test_the_weekly_job_samples_the_last_finished_week_once(desk: Desk, settings) -> None:  # type: ignore[no-untyped-def]
    assert "quality.weekly_sample" in registry.schedule()
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert tasks.last_finished_week(NOW) == (monday - timedelta(days=7), monday)
    assert tasks.last_finished_week(monday) == (monday - timedelta(days=7), monday)
    last_week = [chat(desk.agent_a, ended=monday - timedelta(days=d, hours=1)) for d in range(6)]
    this_week = chat(desk.agent_a, ended=monday + timedelta(hours=5))
    settings.KEFU_QUALITY_SAMPLES_PER_AGENT = 4

    with clock.frozen(NOW):
        assert registry.get("quality.weekly_sample").func()["sampled"] == 4
        assert registry.get("quality.weekly_sample").func()["sampled"] == 0  # a restart
    sampled = set(Review.objects.values_list("ticket_id", flat=True))
    assert sampled <= {t.pk for t in last_week} and this_week.pk not in sampled
