"""The periodic scan: a warning, then a breach and an escalation, each exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from kefu import clock, jobs
from kefu.events.models import Event
from kefu.jobs import registry
from kefu.tickets.models import SlaPolicy, Ticket
from kefu.tickets.sla.clocks import track
from kefu.tickets.sla.scan import scan

pytestmark = pytest.mark.django_db


def events(ticket: Ticket) -> list[tuple[str, dict]]:
    rows = Event.objects.filter(subject_type="tickets.ticket", subject_id=str(ticket.pk))
    return [(e.kind, e.data) for e in rows.order_by("id") if e.kind != "ticket.opened"]


def test_warning_then_breach_then_escalation_once_each(
    frozen: datetime, policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(frozen)  # normal: first response in 60 min, warned 15 min before
    clock.advance(minutes=44)
    assert scan().candidates == 0
    clock.advance(minutes=1)
    result = scan()
    assert (result.warnings, result.breaches, result.escalations) == (1, 0, 0)
    assert scan().candidates == 0  # warned once
    ticket.refresh_from_db()
    assert ticket.sla_warned == ["first_response"] and ticket.sla_breached == []
    assert ticket.sla_next_check_at == frozen + timedelta(minutes=60)

    clock.advance(minutes=15)
    result = scan()
    assert (result.warnings, result.breaches, result.escalations) == (0, 1, 1)
    clock.advance(minutes=5)
    assert scan().candidates == 0  # breached once
    ticket.refresh_from_db()
    assert ticket.sla_breached == ["first_response"]
    assert ticket.escalation_level == 1 and ticket.escalated_at == frozen + timedelta(minutes=60)
    assert ticket.next_breach_at == frozen + timedelta(minutes=60)  # still unanswered: first
    assert ticket.sla_next_check_at == frozen + timedelta(minutes=480 - 15)

    due = (frozen + timedelta(minutes=60)).isoformat()
    policy = policies["normal"].pk
    assert events(ticket) == [
        ("sla.warning", {"clock": "first_response", "due": due, "policy": policy}),
        ("sla.breached", {"clock": "first_response", "due": due, "policy": policy}),
        ("ticket.escalated", {"reason": "sla_breach", "clocks": ["first_response"], "level": 1}),
    ]


def test_a_late_scan_breaches_without_warning_and_escalates_once(
    frozen: datetime, policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(frozen)
    clock.advance(hours=10)  # past first response (1 h) and resolution (8 h)
    result = scan()
    assert (result.warnings, result.breaches, result.escalations) == (0, 2, 1)
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert sorted(ticket.sla_breached) == ["first_response", "resolution"]
    assert ticket.sla_next_check_at is None
    assert [kind for kind, _ in events(ticket)] == [
        "sla.breached",
        "sla.breached",
        "ticket.escalated",
    ]
    assert scan().candidates == 0


def test_answered_paused_and_solved_tickets_are_left_alone(
    frozen: datetime, policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    answered, paused, solved = (open_ticket(frozen) for _ in range(3))
    at = frozen + timedelta(minutes=10)
    for ticket, changes in (
        (answered, ["agent_replied"]),
        (paused, ["agent_replied", "paused"]),
        (solved, ["solved"]),
    ):
        fields: list[str] = []
        for change in changes:
            fields += track(ticket, change, at)
        ticket.save(update_fields=set(fields))
    clock.advance(hours=2)
    assert scan().candidates == 0
    assert all(events(t) == [] for t in (answered, paused, solved))
    clock.advance(hours=7)  # the answered ticket's resolution clock still runs
    result = scan()
    assert (result.candidates, result.breaches) == (1, 1)
    assert [kind for kind, _ in events(answered)] == ["sla.breached", "ticket.escalated"]


def test_lists_sort_by_time_to_breach(
    frozen: datetime, policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    low = open_ticket(frozen, priority="low")  # first response due in 4 h
    normal = open_ticket(frozen)  # 1 h
    urgent = open_ticket(frozen + timedelta(minutes=30), priority="urgent")  # 45 min
    old = open_ticket(frozen - timedelta(hours=3))  # already breached
    answered = open_ticket(frozen - timedelta(minutes=10))
    answered.save(update_fields=track(answered, "agent_replied", frozen))  # resolution: 7h50
    order = Ticket.objects.filter(next_breach_at__isnull=False).order_by("next_breach_at")
    assert list(order) == [old, urgent, normal, low, answered]


def test_scan_works_through_batches(
    frozen: datetime, policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    tickets = [open_ticket(frozen) for _ in range(5)]
    clock.advance(minutes=61)
    result = scan(batch_size=2)
    assert (result.candidates, result.breaches, result.escalations) == (5, 5, 5)
    assert {t.escalation_level for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])} == {
        1
    }


def test_the_scan_is_a_periodic_task(
    frozen: datetime, policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    assert "tickets.sla_scan" in registry.schedule()
    open_ticket(frozen)
    clock.advance(minutes=50)
    assert jobs.run_now("tickets.sla_scan")["warnings"] == 1
