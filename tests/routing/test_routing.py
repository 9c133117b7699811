"""Routing at the service level: who gets which waiting chat, when, and what the wait estimate is.

No sockets: teams, agents and queues are built here, chats are opened with the ticket actions
and put in line with ``enqueue``; time is simulated by passing ``now=`` to the routing passes.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from kefu.accounts.models import Agent, Customer, Skill, Team
from kefu.events.models import Event
from kefu.routing import services
from kefu.routing.models import Presence, PriorityClass, Queue, QueueEntry
from kefu.tickets import actions
from kefu.tickets.models import Channel, ChatState, Ticket

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)


# -- helpers ----------------------------------------------------------------------------------


def make_team(slug: str) -> Team:
    return Team.objects.create(slug=f"t-{slug}", name=slug.title())


def make_queue(
    team: Team,
    language: str = "en",
    *,
    skill: Skill | None = None,
    fallback: Queue | None = None,
    overflow_after: int = 300,
) -> Queue:
    return Queue.objects.create(
        slug=f"{team.slug}-{language}",
        name=f"{team.name} ({language})",
        team=team,
        language=language,
        skill=skill,
        fallback=fallback,
        overflow_after=overflow_after,
    )


def make_agent(
    name: str,
    teams: list[Team],
    *,
    languages: tuple[str, ...] = ("en",),
    skills: tuple[Skill, ...] = (),
    capacity: int = 3,
    status: str = "online",
) -> Agent:
    agent = Agent.objects.create(username=f"{name}-{next(_ids)}", display_name=name)
    agent.languages = list(languages)
    agent.save()
    agent.teams.set(teams)
    agent.skills.set(skills)
    services.set_presence(agent, status, capacity=capacity)
    return agent


def make_customer(vip_tier: int = 0) -> Customer:
    return Customer.objects.create(exchange_uid=f"c{next(_ids)}", vip_tier=vip_tier)


def chat(
    team: Team,
    *,
    language: str = "en",
    customer: Customer | None = None,
    urgent: bool = False,
    at: datetime | None = None,
) -> Ticket:
    """A chat waiting in ``team``'s queue; ``at`` backdates its arrival."""
    ticket = actions.open_chat(customer, language)
    services.enqueue(ticket, reason="customer_request", urgent=urgent, team=team)
    if at is not None:
        QueueEntry.objects.filter(ticket=ticket).update(enqueued_at=at)
        Ticket.objects.filter(pk=ticket.pk).update(queued_at=at)
    ticket.refresh_from_db()
    return ticket


def end(ticket: Ticket) -> None:
    ticket.refresh_from_db()
    agent_id = ticket.assignee_id
    actions.end_chat(ticket, by="agent", resolution="solved")
    assert agent_id is not None
    services.finished(agent_id)


def assigned_ids(made: list[services.Assignment]) -> list[int]:
    return [a.ticket_id for a in made]


def load(agent: Agent) -> int:
    return Ticket.objects.filter(assignee=agent, chat_state=ChatState.ASSIGNED).count()


def waiting_ids() -> set[int]:
    return set(QueueEntry.objects.values_list("ticket_id", flat=True))


@pytest.fixture
def team() -> Team:
    return make_team("desk")


@pytest.fixture
def queue(team: Team) -> Queue:
    return make_queue(team)


# -- order ------------------------------------------------------------------------------------


def test_priority_security_then_vip_then_normal(team, queue):
    agent = make_agent("solo", [team], capacity=1)
    t0 = timezone.now()
    # Created in the reverse of the expected order, so neither id nor FIFO explains the result.
    normal = chat(team, customer=make_customer(0), at=t0)
    vip = chat(team, customer=make_customer(1), at=t0)
    security = chat(team, customer=make_customer(0), urgent=True, at=t0)
    classes = dict(QueueEntry.objects.values_list("ticket_id", "priority_class"))
    assert classes == {
        normal.pk: PriorityClass.NORMAL,
        vip.pk: PriorityClass.VIP,
        security.pk: PriorityClass.SECURITY,
    }

    order = []
    for _ in range(3):
        made = services.dispatch(now=t0)
        assert len(made) == 1 and made[0].agent_id == agent.pk
        order.append(made[0].ticket_id)
        end(Ticket.objects.get(pk=made[0].ticket_id))
    assert order == [security.pk, vip.pk, normal.pk]


def test_aging_lifts_a_long_waiting_normal_chat_above_a_new_vip(team, queue):
    agent = make_agent("solo", [team], capacity=1)
    aging = settings.KEFU_ROUTING_AGING_SECONDS
    now = timezone.now()
    old_normal = chat(team, customer=make_customer(0), at=now - timedelta(seconds=3 * aging))
    new_vip = chat(team, customer=make_customer(1), at=now)
    made = services.dispatch(now=now)
    assert assigned_ids(made) == [old_normal.pk]
    assert made[0].agent_id == agent.pk
    assert waiting_ids() == {new_vip.pk}


def test_aging_is_gradual_a_short_wait_does_not_beat_vip(team, queue):
    make_agent("solo", [team], capacity=1)
    aging = settings.KEFU_ROUTING_AGING_SECONDS
    now = timezone.now()
    normal = chat(team, customer=make_customer(0), at=now - timedelta(seconds=aging / 2))
    vip = chat(team, customer=make_customer(1), at=now)
    assert assigned_ids(services.dispatch(now=now)) == [vip.pk]
    assert waiting_ids() == {normal.pk}


def test_fifo_within_a_class(team, queue):
    make_agent("solo", [team], capacity=1)
    t0 = timezone.now()
    # Ids run against arrival order.
    third = chat(team, at=t0 + timedelta(seconds=2))
    first = chat(team, at=t0)
    second = chat(team, at=t0 + timedelta(seconds=1))
    now = t0 + timedelta(seconds=5)
    order = []
    for _ in range(3):
        made = services.dispatch(now=now)
        assert len(made) == 1
        order.append(made[0].ticket_id)
        end(Ticket.objects.get(pk=made[0].ticket_id))
    assert order == [first.pk, second.pk, third.pk]


# -- eligibility ------------------------------------------------------------------------------


def test_skill_required_by_the_queue(team):
    security = Skill.objects.create(slug="sec-test", name="Security")
    make_queue(team, skill=security)
    make_agent("unskilled", [team])
    ticket = chat(team)
    assert services.dispatch() == []
    assert waiting_ids() == {ticket.pk}

    skilled = make_agent("skilled", [team], skills=(security,))
    made = services.dispatch()
    assert [(a.ticket_id, a.agent_id) for a in made] == [(ticket.pk, skilled.pk)]


def test_language_of_the_queue(team):
    make_queue(team, "zh-hans")
    make_queue(team, "en")
    make_agent("english", [team], languages=("en",))
    ticket = chat(team, language="zh-hans")
    assert QueueEntry.objects.get(ticket=ticket).queue.language == "zh-hans"
    assert services.dispatch() == []

    chinese = make_agent("chinese", [team], languages=("zh-hans",))
    assert [(a.ticket_id, a.agent_id) for a in services.dispatch()] == [(ticket.pk, chinese.pk)]


def test_team_of_the_queue(team, queue):
    other = make_team("other")
    make_queue(other)
    make_agent("outsider", [other])
    ticket = chat(team)
    assert services.dispatch() == []

    member = make_agent("member", [team])
    assert [(a.ticket_id, a.agent_id) for a in services.dispatch()] == [(ticket.pk, member.pk)]


def test_away_and_offline_agents_get_nothing(team, queue):
    away = make_agent("away", [team], status="away")
    make_agent("offline", [team], status="offline")
    ticket = chat(team)
    assert services.dispatch() == []
    assert waiting_ids() == {ticket.pk}

    services.set_presence(away, "online")
    assert [(a.ticket_id, a.agent_id) for a in services.dispatch()] == [(ticket.pk, away.pk)]


# -- capacity and idle time -------------------------------------------------------------------


def test_capacity_limits_and_ending_a_chat_frees_the_slot(team, queue):
    agent = make_agent("busy", [team], capacity=2)
    t0 = timezone.now()
    a, b, c = (chat(team, at=t0 + timedelta(seconds=i)) for i in range(3))
    now = t0 + timedelta(seconds=10)
    assert assigned_ids(services.dispatch(now=now)) == [a.pk, b.pk]
    assert load(agent) == 2
    assert waiting_ids() == {c.pk}
    assert services.dispatch(now=now) == []  # at capacity: the next chat waits

    end(a)
    made = services.dispatch(now=now)
    assert [(m.ticket_id, m.agent_id) for m in made] == [(c.pk, agent.pk)]
    assert load(agent) == 2
    assert waiting_ids() == set()


def test_longest_idle_agent_first_then_the_other(team, queue):
    now = timezone.now()
    # The longest idle has the higher id, so the id tie-break cannot explain the choice.
    recent = make_agent("recent", [team])
    longest = make_agent("longest", [team])
    Presence.objects.filter(agent=recent).update(idle_since=now - timedelta(seconds=60))
    Presence.objects.filter(agent=longest).update(idle_since=now - timedelta(seconds=600))
    one = chat(team, at=now)
    made = services.dispatch(now=now)
    assert [(m.ticket_id, m.agent_id) for m in made] == [(one.pk, longest.pk)]

    # "longest" just got a chat: "recent" has now been idle longer, though both have free slots.
    two = chat(team, at=now + timedelta(seconds=1))
    made = services.dispatch(now=now + timedelta(seconds=5))
    assert [(m.ticket_id, m.agent_id) for m in made] == [(two.pk, recent.pk)]


def test_longest_idle_within_one_pass(team, queue):
    now = timezone.now()
    recent = make_agent("recent", [team])
    longest = make_agent("longest", [team])
    Presence.objects.filter(agent=recent).update(idle_since=now - timedelta(seconds=60))
    Presence.objects.filter(agent=longest).update(idle_since=now - timedelta(seconds=600))
    one = chat(team, at=now - timedelta(seconds=2))
    two = chat(team, at=now - timedelta(seconds=1))
    made = services.dispatch(now=now)
    assert [(m.ticket_id, m.agent_id) for m in made] == [(one.pk, longest.pk), (two.pk, recent.pk)]


# -- overflow and lost agents -----------------------------------------------------------------


def test_overflow_to_the_fallback_queue_after_the_limit_not_before(team):
    general = make_team("general-x")
    fallback = make_queue(general)
    make_queue(team, fallback=fallback, overflow_after=300)
    helper = make_agent("generalist", [general])
    t0 = timezone.now()
    ticket = chat(team, at=t0)

    assert services.dispatch(now=t0 + timedelta(seconds=299)) == []
    assert not QueueEntry.objects.get(ticket=ticket).overflowed

    made = services.dispatch(now=t0 + timedelta(seconds=300))
    assert [(m.ticket_id, m.agent_id) for m in made] == [(ticket.pk, helper.pk)]
    assert Event.objects.filter(kind="routing.overflowed", subject_id=str(ticket.pk)).count() == 1


def test_an_agent_lost_without_chats_still_refreshes_the_boards(team, queue):
    """Boards are refreshed by changes only, so losing an idle agent must count as one."""
    from kefu.connectors.webchat import service as webchat
    from kefu.connectors.webchat.outbox import CONSOLES

    idle = make_agent("idle", [team], capacity=1)
    assert webchat.release_lost_agents().items == []
    gone_since = timezone.now() - timedelta(seconds=settings.KEFU_AGENT_GRACE_SECONDS + 1)
    Presence.objects.filter(agent=idle).update(seen_at=gone_since)

    assert webchat.release_lost_agents().items == [(CONSOLES, {"type": "refresh"})]
    assert Presence.objects.get(agent=idle).status == "offline"
    assert webchat.release_lost_agents().items == []  # told once


def test_lost_agent_chats_are_requeued_first_after_the_grace_period(team, queue):
    grace = settings.KEFU_AGENT_GRACE_SECONDS
    lost = make_agent("lost", [team], capacity=1)
    seen = Presence.objects.get(agent=lost).seen_at
    orphan = chat(team)
    assert assigned_ids(services.dispatch()) == [orphan.pk]
    orphan.refresh_from_db()
    assert orphan.queued_at is not None
    # A normal chat that has waited longer than the orphan.
    older = chat(team, at=orphan.queued_at - timedelta(seconds=100))

    assert not services.release_lost_agents(now=seen + timedelta(seconds=grace - 1))
    orphan.refresh_from_db()
    assert orphan.chat_state == ChatState.ASSIGNED and orphan.assignee_id == lost.pk
    assert Presence.objects.get(agent=lost).status == "online"

    released = services.release_lost_agents(now=seen + timedelta(seconds=grace + 1))
    assert released.agents == [lost.pk] and released.chats == {orphan.pk: lost.pk}
    orphan.refresh_from_db()
    assert orphan.chat_state == ChatState.QUEUED and orphan.assignee_id is None
    assert Presence.objects.get(agent=lost).status == "offline"
    entry = QueueEntry.objects.get(ticket=orphan)
    assert entry.requeued and entry.reason == "agent_lost"

    rescuer = make_agent("rescuer", [team], capacity=1)
    made = services.dispatch()
    assert [(m.ticket_id, m.agent_id) for m in made] == [(orphan.pk, rescuer.pk)]
    assert waiting_ids() == {older.pk}


def test_a_customer_gone_longer_than_the_grace_period_leaves_the_queue(team, queue):
    grace = settings.KEFU_CUSTOMER_GRACE_SECONDS
    start = timezone.now()
    left, stays = chat(team), chat(team)
    # Another process still holds the second customer's socket and says so each tick.
    services.customers_present({stays.pk}, now=start + timedelta(seconds=grace))

    assert services.release_abandoned(now=start + timedelta(seconds=grace - 1)) == []
    gone = services.release_abandoned(now=start + timedelta(seconds=grace + 5))
    assert [t.pk for t in gone] == [left.pk]
    assert waiting_ids() == {stays.pk}

    actions.end_chat(gone[0], by="system", resolution="abandoned")
    left.refresh_from_db()
    assert (left.chat_state, left.resolution) == (ChatState.ENDED, "abandoned")
    agent = make_agent("after", [team], capacity=2)
    made = services.dispatch()
    assert [(m.ticket_id, m.agent_id) for m in made] == [(stays.pk, agent.pk)]


# -- no double assignment ---------------------------------------------------------------------


def test_a_second_dispatch_pass_assigns_nothing_again(team, queue):
    make_agent("a", [team], capacity=3)
    make_agent("b", [team], capacity=3)
    tickets = [chat(team) for _ in range(4)]
    first = services.dispatch()
    assert sorted(assigned_ids(first)) == sorted(t.pk for t in tickets)
    assert services.dispatch() == []
    assigned = Counter(
        Event.objects.filter(kind="ticket.assigned").values_list("subject_id", flat=True)
    )
    assert assigned == Counter({str(t.pk): 1 for t in tickets})


def test_random_traffic_never_exceeds_capacity_or_assigns_twice(team, queue):
    rng = random.Random(20240611)
    other = make_team("side")
    make_queue(other)
    agents = [
        make_agent("one", [team], capacity=1),
        make_agent("two", [team, other], capacity=2),
        make_agent("three", [other], capacity=3),
    ]
    capacity = {a.pk: p for a, p in zip(agents, (1, 2, 3), strict=True)}
    now = timezone.now()
    opened: list[int] = []
    for _step in range(150):
        now += timedelta(seconds=rng.randint(1, 30))
        roll = rng.random()
        if roll < 0.4:
            opened.append(
                chat(rng.choice([team, other]), customer=make_customer(rng.randint(0, 5))).pk
            )
        elif roll < 0.7:
            services.dispatch(now=now)
            if rng.random() < 0.3:
                services.dispatch(now=now)
        else:
            busy = list(Ticket.objects.filter(chat_state=ChatState.ASSIGNED))
            if busy:
                end(rng.choice(busy))
        loads = Counter(
            Ticket.objects.filter(chat_state=ChatState.ASSIGNED).values_list(
                "assignee_id", flat=True
            )
        )
        for agent_id, count in loads.items():
            assert count <= capacity[agent_id], (agent_id, count)
        waiting = waiting_ids()
        assert not Ticket.objects.filter(pk__in=waiting).exclude(chat_state=ChatState.QUEUED)
    assigned = Counter(
        Event.objects.filter(kind="ticket.assigned").values_list("subject_id", flat=True)
    )
    assert assigned and max(assigned.values()) == 1
    assert len(opened) > 30


# -- wait estimates ---------------------------------------------------------------------------


def place_of(ticket: Ticket, now: datetime):  # type: ignore[no-untyped-def]
    return next(p for p in services.queue_places(now=now) if p.ticket_id == ticket.pk)


def fill(agent_team: Team, count: int) -> list[Ticket]:
    """Give ``count`` chats to the online agents, so their slots are busy."""
    tickets = [chat(agent_team) for _ in range(count)]
    assert sorted(assigned_ids(services.dispatch())) == sorted(t.pk for t in tickets)
    return tickets


def test_estimate_none_without_agents_online(team, queue):
    make_agent("gone", [team], status="offline")
    ticket = chat(team)
    assert QueueEntry.objects.get(ticket=ticket).estimate_seconds is None
    assert place_of(ticket, timezone.now()).estimate_seconds is None


def test_estimate_zero_with_free_slots(team, queue):
    make_agent("free", [team], capacity=2)
    ticket = chat(team)  # enqueue does not assign: the slots stay free
    assert QueueEntry.objects.get(ticket=ticket).estimate_seconds == 0.0
    assert place_of(ticket, timezone.now()).estimate_seconds == 0.0


def test_estimate_with_all_slots_busy_grows_with_position(team, queue):
    handle = float(settings.KEFU_DEFAULT_HANDLE_SECONDS)
    make_agent("busy", [team], capacity=2)
    fill(team, 2)
    t0 = timezone.now()
    waiting = [chat(team, at=t0 + timedelta(seconds=i)) for i in range(3)]
    now = t0 + timedelta(seconds=5)
    slots, free = 2, 0
    estimates = []
    for ahead, ticket in enumerate(waiting):
        place = place_of(ticket, now)
        assert place.position == ahead + 1
        assert place.estimate_seconds == pytest.approx((ahead - free + 1) * handle / slots)
        estimates.append(place.estimate_seconds)
    assert estimates == sorted(estimates) and len(set(estimates)) == 3


def test_estimate_with_some_free_slots(team, queue):
    handle = float(settings.KEFU_DEFAULT_HANDLE_SECONDS)
    make_agent("half", [team], capacity=2)
    fill(team, 1)
    t0 = timezone.now()
    first = chat(team, at=t0)
    second = chat(team, at=t0 + timedelta(seconds=1))
    now = t0 + timedelta(seconds=5)
    assert place_of(first, now).estimate_seconds == 0.0
    # One slot free, one busy: the second in line waits for (1 - 1 + 1) chats over 2 slots.
    assert place_of(second, now).estimate_seconds == pytest.approx(1 * handle / 2)


def ended_chat(team: Team, handled: float, now: datetime) -> Ticket:
    ended_at = now - timedelta(minutes=5)
    return Ticket.objects.create(
        channel=Channel.CHAT,
        chat_state=ChatState.ENDED,
        team=team,
        status="solved",
        queued_at=ended_at - timedelta(seconds=handled + 30),
        assigned_at=ended_at - timedelta(seconds=handled),
        ended_at=ended_at,
    )


def test_estimate_uses_measured_handle_time_from_five_ended_chats(team, queue):
    default = float(settings.KEFU_DEFAULT_HANDLE_SECONDS)
    make_agent("busy", [team], capacity=2)
    fill(team, 2)
    now = timezone.now()
    other = make_team("elsewhere")
    for handled in (10, 10, 10, 10, 10):  # another team's chats do not count
        ended_chat(other, handled, now)
    for handled in (60, 120, 180, 240):
        ended_chat(team, handled, now)
    ticket = chat(team, at=now)
    assert place_of(ticket, now).estimate_seconds == pytest.approx(default / 2)  # only 4

    ended_chat(team, 300, now)
    mean = (60 + 120 + 180 + 240 + 300) / 5
    assert mean != default
    assert place_of(ticket, now).estimate_seconds == pytest.approx(mean / 2)


def test_first_estimate_is_stored_and_the_assignment_records_it(team, queue):
    handle = float(settings.KEFU_DEFAULT_HANDLE_SECONDS)
    make_agent("busy", [team], capacity=2)
    busy = fill(team, 2)
    first = chat(team)
    second = chat(team)
    assert QueueEntry.objects.get(ticket=first).estimate_seconds == pytest.approx(handle / 2)
    assert QueueEntry.objects.get(ticket=second).estimate_seconds == pytest.approx(handle)

    end(busy[0])
    first.refresh_from_db()
    assert first.queued_at is not None
    now = first.queued_at + timedelta(seconds=42)
    made = services.dispatch(now=now)
    assert assigned_ids(made) == [first.pk]
    assert made[0].estimate == pytest.approx(handle / 2)
    event = Event.objects.filter(kind="ticket.assigned", subject_id=str(first.pk)).get()
    assert event.data["wait_seconds"] == pytest.approx(42.0)
    assert event.data["estimate_seconds"] == pytest.approx(handle / 2)
    enqueued = Event.objects.filter(kind="routing.enqueued", subject_id=str(first.pk)).get()
    assert enqueued.data["estimate_seconds"] == pytest.approx(handle / 2)
