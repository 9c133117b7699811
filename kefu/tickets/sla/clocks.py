"""SLA clocks: three deadlines per ticket, moved by what happens to it.

- **first response**: from opening until an agent's first public reply;
- **next response**: from a customer's message (after the first answer) until an agent replies;
- **resolution**: from opening (or reopening) until solved.

While a ticket is pending (waiting on the customer) every clock stops; on resuming, each
deadline not yet passed when the pause began moves on by the pause's working time. Targets
count working time in the policy's business hours (24/7 without). Closed pauses since the
resolution clock started are kept in ``sla_pauses``, so a change of priority can recompute
every deadline from its original start under the new policy.

:func:`track` only changes the ticket in memory and returns the fields it changed: the caller
saves them in its own transaction, beside its status change and event. The scanner
(:mod:`.scan`) then only reads ``sla_next_check_at``: when the next warning or breach is due.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import SlaPolicy, Status, Ticket

from .calendar import Calendar, add_working, calendar_of, working_time
from .policy import choose_policy

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
CLOCKS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
DUE_FIELDS = {
    FIRST_RESPONSE: "first_response_due",
    NEXT_RESPONSE: "next_response_due",
    RESOLUTION: "resolution_due",
}
LABELS = {
    FIRST_RESPONSE: _("first response"),
    NEXT_RESPONSE: _("next response"),
    RESOLUTION: _("resolution"),
}
CHANGES = (
    "opened",
    "agent_replied",
    "customer_replied",
    "paused",
    "resumed",
    "solved",
    "reopened",
    "reprioritised",
)
# Everything track may touch, in the order it reports changes.
TRACKED = (
    "sla_policy",
    "first_response_due",
    "next_response_due",
    "resolution_due",
    "next_breach_at",
    "sla_next_check_at",
    "sla_paused_at",
    "sla_pauses",
    "sla_started_at",
    "sla_warned",
    "sla_breached",
    "first_response_at",
    "awaiting_agent_since",
)
STOPPED_STATUSES = {Status.SOLVED, Status.CLOSED}


def track(ticket: Ticket, change: str, at: datetime) -> list[str]:
    """Move ``ticket``'s clocks for a lifecycle ``change`` (one of :data:`CHANGES`) that
    happened at ``at``; returns the names of the fields changed, for ``save(update_fields=)``."""
    handler = _HANDLERS.get(change)
    if handler is None:
        raise ValueError(f"unknown SLA change {change!r}; one of {', '.join(CHANGES)}")
    before = _snapshot(ticket)
    handler(ticket, at)
    refresh_summary(ticket)
    after = _snapshot(ticket)
    return [name for name in TRACKED if before[name] != after[name]]


def start_clocks(ticket: Ticket, policy: SlaPolicy | None, at: datetime) -> None:
    """Start the clocks of a new ticket under ``policy`` (``track(..., "opened")`` without the
    policy look-up, for loading many tickets)."""
    ticket.sla_policy = policy
    ticket.sla_started_at = at
    ticket.sla_pauses = []
    ticket.sla_paused_at = None
    ticket.sla_warned = []
    ticket.sla_breached = []
    ticket.first_response_due = ticket.next_response_due = ticket.resolution_due = None
    if policy is not None:
        calendar = calendar_of(policy.business_hours)
        ticket.resolution_due = _after(at, policy.resolution_minutes, calendar)
        if ticket.first_response_at is None:
            ticket.first_response_due = _after(at, policy.first_response_minutes, calendar)
        elif ticket.awaiting_agent_since is not None:
            ticket.next_response_due = _after(at, policy.next_response_minutes, calendar)
    refresh_summary(ticket)


def refresh_summary(ticket: Ticket) -> None:
    """``next_breach_at``: the earliest running deadline (lists sort on it); and
    ``sla_next_check_at``: when the scanner must next warn or breach. Both empty while paused."""
    dues = {clock: getattr(ticket, DUE_FIELDS[clock]) for clock in CLOCKS}
    running = [due for due in dues.values() if due is not None]
    if ticket.sla_paused_at is not None or not running:
        ticket.next_breach_at = ticket.sla_next_check_at = None
        return
    ticket.next_breach_at = min(running)
    warn = _warn_before(ticket)
    checks = []
    for clock, due in dues.items():
        if due is None or clock in ticket.sla_breached:
            continue
        checks.append(due if clock in ticket.sla_warned else due - warn)
    ticket.sla_next_check_at = min(checks, default=None)


@dataclass(frozen=True)
class ClockView:
    """One clock as agents see it on the ticket page."""

    name: str
    label: Any
    due: datetime | None
    state: str  # running, paused, stopped, warned, breached
    seconds_left: float | None


def clock_views(ticket: Ticket, at: datetime) -> list[ClockView]:
    """The ticket's clocks that have a deadline, soonest first."""
    views = []
    paused = ticket.sla_paused_at
    reference = paused if paused is not None else at  # a paused clock's time left is frozen
    for clock in CLOCKS:
        due = getattr(ticket, DUE_FIELDS[clock])
        if due is None:
            continue
        if clock in ticket.sla_breached or due <= reference:
            state = "breached"
        elif paused is not None:
            state = "paused"
        elif clock in ticket.sla_warned:
            state = "warned"
        else:
            state = "running"
        left = (due - reference).total_seconds()
        views.append(ClockView(clock, LABELS[clock], due, state, left))
    return sorted(views, key=lambda view: view.due or at)


# --- the changes -------------------------------------------------------------------------------


def _opened(ticket: Ticket, at: datetime) -> None:
    start_clocks(ticket, choose_policy(ticket), at)


def _agent_replied(ticket: Ticket, at: datetime) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    ticket.first_response_due = None
    ticket.next_response_due = None
    ticket.awaiting_agent_since = None


def _customer_replied(ticket: Ticket, at: datetime) -> None:
    _resumed(ticket, at)  # an answer to "waiting on you" ends the wait, whoever says so first
    if ticket.awaiting_agent_since is None:
        ticket.awaiting_agent_since = at
    policy = ticket.sla_policy
    if (
        policy is None
        or ticket.status in STOPPED_STATUSES
        or ticket.first_response_at is None  # still on the first-response clock
        or ticket.first_response_due is not None
        or ticket.next_response_due is not None  # already waiting: keep the earlier start
    ):
        return
    calendar = calendar_of(policy.business_hours)
    ticket.next_response_due = _after(at, policy.next_response_minutes, calendar)
    _forget(ticket, [NEXT_RESPONSE])


def _paused(ticket: Ticket, at: datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = at


def _resumed(ticket: Ticket, at: datetime) -> None:
    paused = ticket.sla_paused_at
    if paused is None:
        return
    calendar = _calendar(ticket)
    gap = working_time(paused, max(at, paused), calendar)
    for field in DUE_FIELDS.values():
        due = getattr(ticket, field)
        if due is not None and due > paused:  # one already passed stays breached
            setattr(ticket, field, add_working(due, gap, calendar))
    ticket.sla_pauses = [*ticket.sla_pauses, [paused.isoformat(), max(at, paused).isoformat()]]
    ticket.sla_paused_at = None


def _solved(ticket: Ticket, at: datetime) -> None:
    ticket.first_response_due = ticket.next_response_due = ticket.resolution_due = None
    ticket.sla_paused_at = None


def _reopened(ticket: Ticket, at: datetime) -> None:
    policy = ticket.sla_policy or choose_policy(ticket)
    ticket.sla_policy = policy
    ticket.sla_started_at = at
    ticket.sla_pauses = []
    ticket.sla_paused_at = None
    if ticket.first_response_at is not None and ticket.awaiting_agent_since is None:
        ticket.awaiting_agent_since = at
    _forget(ticket, CLOCKS)
    ticket.first_response_due = ticket.next_response_due = ticket.resolution_due = None
    if policy is None:
        return
    calendar = calendar_of(policy.business_hours)
    ticket.resolution_due = _after(at, policy.resolution_minutes, calendar)
    if ticket.first_response_at is None:
        ticket.first_response_due = _after(at, policy.first_response_minutes, calendar)
    else:
        ticket.next_response_due = _after(at, policy.next_response_minutes, calendar)


def _reprioritised(ticket: Ticket, at: datetime) -> None:
    """Choose the policy again and recompute every running clock from its start, minus pauses."""
    policy = choose_policy(ticket)
    ticket.sla_policy = policy
    ticket.first_response_due = ticket.next_response_due = ticket.resolution_due = None
    if policy is None or ticket.status in STOPPED_STATUSES:
        return
    calendar = calendar_of(policy.business_hours)
    started = ticket.sla_started_at or ticket.created_at
    pauses = [
        (datetime.fromisoformat(begin), datetime.fromisoformat(end))
        for begin, end in ticket.sla_pauses
    ]
    starts: dict[str, tuple[datetime, int]] = {RESOLUTION: (started, policy.resolution_minutes)}
    if ticket.first_response_at is None:
        starts[FIRST_RESPONSE] = (started, policy.first_response_minutes)
    elif ticket.awaiting_agent_since is not None:
        starts[NEXT_RESPONSE] = (ticket.awaiting_agent_since, policy.next_response_minutes)
    warn = timedelta(minutes=policy.warn_before_minutes)
    for clock, (start, minutes) in starts.items():
        due = deadline(start, minutes, pauses, calendar)
        setattr(ticket, DUE_FIELDS[clock], due)
        if due > at:  # more time under the new policy: the clock may breach (and warn) anew
            ticket.sla_breached = [c for c in ticket.sla_breached if c != clock]
        if due - warn > at:
            ticket.sla_warned = [c for c in ticket.sla_warned if c != clock]


_HANDLERS: dict[str, Callable[[Ticket, datetime], None]] = {
    "opened": _opened,
    "agent_replied": _agent_replied,
    "customer_replied": _customer_replied,
    "paused": _paused,
    "resumed": _resumed,
    "solved": _solved,
    "reopened": _reopened,
    "reprioritised": _reprioritised,
}


# --- arithmetic --------------------------------------------------------------------------------


def deadline(
    start: datetime,
    minutes: float,
    pauses: Sequence[tuple[datetime, datetime]],
    calendar: Calendar | None,
) -> datetime:
    """When ``minutes`` of working time have run since ``start``, not counting the pauses.

    Each pause that begins before the deadline found so far moves it on by the pause's working
    time, which is exact also for a pause that outlasts the deadline.
    """
    due = _after(start, minutes, calendar)
    for begin, end in sorted(pauses):
        begin = max(begin, start)
        if end <= begin or begin >= due:
            continue
        due = add_working(due, working_time(begin, end, calendar), calendar)
    return due


def _after(start: datetime, minutes: float, calendar: Calendar | None) -> datetime:
    return add_working(start, timedelta(minutes=minutes), calendar)


def _calendar(ticket: Ticket) -> Calendar | None:
    policy = ticket.sla_policy
    return calendar_of(policy.business_hours) if policy is not None else None


def _warn_before(ticket: Ticket) -> timedelta:
    policy = ticket.sla_policy
    return timedelta(minutes=policy.warn_before_minutes if policy is not None else 0)


def _forget(ticket: Ticket, clocks: Sequence[str]) -> None:
    """A restarted clock may warn and breach again."""
    ticket.sla_warned = [c for c in ticket.sla_warned if c not in clocks]
    ticket.sla_breached = [c for c in ticket.sla_breached if c not in clocks]


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    values = {name: getattr(ticket, name) for name in TRACKED if name != "sla_policy"}
    values["sla_policy"] = ticket.sla_policy_id
    for name in ("sla_warned", "sla_breached", "sla_pauses"):
        values[name] = list(values[name] or [])
    return values
