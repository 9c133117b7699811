"""The clocks of one ticket through its life: pauses, replies, reopening, new priority."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from kefu.tickets.models import BusinessHours, SlaPolicy, Ticket
from kefu.tickets.sla.clocks import clock_views, track

pytestmark = pytest.mark.django_db
T = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday


def m(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def test_opened_starts_first_response_and_resolution(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    assert ticket.sla_policy == policies["normal"]
    assert ticket.first_response_due == m(60)
    assert ticket.resolution_due == m(480)
    assert ticket.next_response_due is None
    assert ticket.next_breach_at == m(60)
    assert ticket.sla_next_check_at == m(45)  # the warning, 15 minutes before
    ticket.refresh_from_db()
    assert ticket.first_response_due == m(60)


def test_track_reports_what_it_changed(policies: dict[str, SlaPolicy]) -> None:
    ticket = Ticket(channel="portal", priority="normal", status="open", created_at=T)
    changed = track(ticket, "opened", T)
    assert set(changed) == {
        "sla_policy",
        "first_response_due",
        "resolution_due",
        "next_breach_at",
        "sla_next_check_at",
        "sla_started_at",
    }
    assert track(ticket, "resumed", m(1)) == []  # was not paused
    with pytest.raises(ValueError, match="unknown SLA change"):
        track(ticket, "exploded", m(1))


def test_replies_stop_and_start_response_clocks(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    track(ticket, "customer_replied", m(5))  # still waiting for the first answer
    assert ticket.next_response_due is None and ticket.first_response_due == m(60)
    changed = track(ticket, "agent_replied", m(20))
    assert ticket.first_response_due is None and ticket.first_response_at == m(20)
    assert ticket.next_breach_at == m(480)
    assert "first_response_due" in changed and "next_breach_at" in changed
    track(ticket, "customer_replied", m(30))
    assert ticket.next_response_due == m(150)
    track(ticket, "customer_replied", m(40))  # already waiting: the earlier start counts
    assert ticket.next_response_due == m(150)
    assert ticket.next_breach_at == m(150)
    track(ticket, "agent_replied", m(50))
    assert ticket.next_response_due is None and ticket.awaiting_agent_since is None
    assert ticket.first_response_at == m(20)  # the first reply stays the first


def test_pending_pauses_every_clock_and_resuming_extends_them(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    track(ticket, "agent_replied", m(10))
    changed = track(ticket, "paused", m(10))
    assert ticket.sla_paused_at == m(10)
    assert ticket.next_breach_at is None and ticket.sla_next_check_at is None
    assert set(changed) == {"sla_paused_at", "next_breach_at", "sla_next_check_at"}
    track(ticket, "paused", m(20))  # already paused: the first pause start holds
    track(ticket, "resumed", m(130))
    assert ticket.sla_paused_at is None
    assert ticket.resolution_due == m(480 + 120)
    assert ticket.sla_pauses == [[m(10).isoformat(), m(130).isoformat()]]
    # A customer's answer while pending resumes too (whichever comes first).
    track(ticket, "paused", m(200))
    track(ticket, "customer_replied", m(260))
    assert ticket.sla_paused_at is None
    assert ticket.resolution_due == m(480 + 120 + 60)
    assert ticket.next_response_due == m(260 + 120)


def test_a_deadline_passed_before_the_pause_stays_passed(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    track(ticket, "paused", m(90))  # first response was due at 60
    track(ticket, "resumed", m(150))
    assert ticket.first_response_due == m(60)
    assert ticket.resolution_due == m(480 + 60)


def test_pause_counts_working_time_only(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    office = BusinessHours.objects.create(
        name="UTC office", timezone="UTC", week={str(d): [["09:00", "18:00"]] for d in range(1, 6)}
    )
    SlaPolicy.objects.filter(pk=policies["normal"].pk).update(business_hours=office)
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    ticket = open_ticket(friday)
    assert ticket.first_response_due == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert ticket.resolution_due == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 2 h + 6 h
    track(ticket, "paused", datetime(2026, 12, 4, 16, 30, tzinfo=UTC))
    # Paused for 16:30–18:00 on Friday and 09:00–10:00 on Monday: 2.5 working hours.
    track(ticket, "resumed", datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    assert ticket.first_response_due == datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    assert ticket.resolution_due == datetime(2026, 12, 7, 17, 30, tzinfo=UTC)


def test_solved_stops_all_and_reopened_restarts(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    track(ticket, "agent_replied", m(10))
    ticket.sla_warned, ticket.sla_breached = ["resolution"], ["resolution"]
    ticket.status = "solved"
    track(ticket, "solved", m(600))
    assert (ticket.first_response_due, ticket.next_response_due, ticket.resolution_due) == (
        None,
        None,
        None,
    )
    assert ticket.next_breach_at is None and ticket.sla_next_check_at is None
    ticket.status = "open"
    ticket.awaiting_agent_since = None
    changed = track(ticket, "reopened", m(1000))
    assert ticket.resolution_due == m(1000 + 480)
    assert ticket.next_response_due == m(1000 + 120)
    assert ticket.first_response_due is None
    assert ticket.sla_breached == [] and ticket.sla_warned == []  # may warn and breach again
    assert ticket.awaiting_agent_since == m(1000)
    assert {"resolution_due", "next_response_due", "sla_started_at"} <= set(changed)


def test_reprioritised_recomputes_from_the_start_minus_pauses(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    track(ticket, "paused", m(5))
    track(ticket, "resumed", m(35))
    ticket.priority = "urgent"
    changed = track(ticket, "reprioritised", m(40))
    assert ticket.sla_policy == policies["urgent"]
    assert ticket.first_response_due == m(15 + 30)
    assert ticket.resolution_due == m(120 + 30)
    assert "sla_policy" in changed and "first_response_due" in changed
    # Down again after the breach: more time, so it may warn and breach anew.
    ticket.sla_warned, ticket.sla_breached = ["first_response"], ["first_response"]
    ticket.priority = "low"
    track(ticket, "reprioritised", m(50))
    assert ticket.first_response_due == m(240 + 30)
    assert ticket.sla_breached == [] and ticket.sla_warned == []


def test_reprioritised_keeps_the_next_response_start(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    track(ticket, "agent_replied", m(10))
    track(ticket, "customer_replied", m(20))
    ticket.priority = "urgent"
    track(ticket, "reprioritised", m(25))
    assert ticket.next_response_due == m(20 + 30)
    assert ticket.first_response_due is None


def test_clock_views_for_the_ticket_page(
    policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(T)
    views = clock_views(ticket, m(50))
    assert [(v.name, v.state) for v in views] == [
        ("first_response", "running"),
        ("resolution", "running"),
    ]
    assert views[0].seconds_left == 600
    track(ticket, "paused", m(55))
    views = clock_views(ticket, m(500))
    assert [v.state for v in views] == ["paused", "paused"]
    assert views[0].seconds_left == 300  # frozen at the pause
    track(ticket, "resumed", m(500))
    assert [v.state for v in clock_views(ticket, m(1000))] == ["breached", "breached"]
    assert str(views[0].label) == "first response"
