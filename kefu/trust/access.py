"""Who may see and act on which customer's data: the one place the rule lives.

- Agents see their teams' tickets and chats, and anything assigned to them personally. In the
  console they open the chats they have and the waiting chats offered to them (their queues,
  by team, language and skill, and overflow queues once a chat overflowed).
- Supervisors see their teams' tickets and chats and may act there as supervisors (answer,
  transfer or end a chat someone else has).
- Administrators see and do everything.
- Content editors see no customer data at all: they work on the help center only.

Customers are identified elsewhere (the portal session, the signed API, the chat token) and
see only their own; the checks for them stay with those entry points.

Views, APIs and sockets ask here. Something a user may not see is answered as if it did not
exist (404, ``*_not_found``), so ids cannot be probed; a user who may see a thing but not do
something with it is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kefu.accounts.models import Agent, Role
from kefu.routing.models import Queue, QueueEntry
from kefu.routing.pool import AgentSlotInfo, eligible
from kefu.tickets.models import Ticket

CUSTOMER_DATA_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


def sees_customer_data(user: Any) -> bool:
    """Signed-in, active staff whose role works with customers (not content editors)."""
    return (
        isinstance(user, Agent)
        and user.is_authenticated
        and user.is_active
        and user.role in CUSTOMER_DATA_ROLES
    )


def sees_everything(user: Any) -> bool:
    return sees_customer_data(user) and user.role == Role.ADMIN


def is_supervisor(user: Any) -> bool:
    """The role (supervisor or administrator); which teams it covers is :func:`can_supervise`."""
    return sees_customer_data(user) and user.role in (Role.SUPERVISOR, Role.ADMIN)


def can_be_assigned(agent: Agent) -> bool:
    """Whom a ticket or chat may be handed to: staff who may then see it."""
    return sees_customer_data(agent)


def assignable_agents() -> QuerySet[Agent]:
    return Agent.objects.filter(is_active=True, role__in=CUSTOMER_DATA_ROLES)


def team_ids(agent: Agent) -> set[int]:
    """Read each time: a socket lives for hours and team changes apply at once."""
    return set(agent.teams.values_list("pk", flat=True))


def supervised_team_ids(user: Any) -> set[int] | None:
    """The teams whose queues and agents a supervisor's wall shows; ``None`` means all."""
    if sees_everything(user):
        return None
    return team_ids(user) if is_supervisor(user) else set()


# -- tickets (the desk, exports, staff downloads of attachments and transcripts) ---------------


def visible_tickets(user: Any, tickets: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """``tickets`` (all tickets by default) narrowed to those ``user`` may see."""
    tickets = Ticket.objects.all() if tickets is None else tickets
    if not sees_customer_data(user):
        return tickets.none()
    if sees_everything(user):
        return tickets
    teams = team_ids(user)
    # A ticket merged into one the user may see is part of that case.
    return tickets.filter(
        Q(team_id__in=teams)
        | Q(assignee_id=user.pk)
        | Q(merged_into__team_id__in=teams)
        | Q(merged_into__assignee_id=user.pk)
    )


def can_view_ticket(user: Any, ticket: Ticket) -> bool:
    if not sees_customer_data(user):
        return False
    if sees_everything(user) or ticket.assignee_id == user.pk:
        return True
    if ticket.team_id is not None and ticket.team_id in team_ids(user):
        return True
    if ticket.merged_into_id is not None:
        return visible_tickets(user).filter(pk=ticket.pk).exists()
    return False


# -- live chats (the console's socket) ------------------------------------------------------


def can_supervise(user: Any, ticket: Ticket) -> bool:
    """Administrators anywhere; supervisors on their teams' tickets and on chats waiting in
    their teams' queues."""
    if not is_supervisor(user):
        return False
    if sees_everything(user):
        return True
    teams = team_ids(user)
    if ticket.team_id is not None and ticket.team_id in teams:
        return True
    entry = _waiting(ticket)
    return entry is not None and bool(_queue_teams(entry) & teams)


def can_open_chat(user: Any, ticket: Ticket) -> bool:
    """The console may show a chat: to its assignee, to the agents its waiting place is offered
    to, and to its team's supervisors."""
    if not sees_customer_data(user):
        return False
    if ticket.assignee_id == user.pk or can_supervise(user, ticket):
        return True
    entry = _waiting(ticket)
    return entry is not None and _offered_to(user, entry)


def can_read_chat(user: Any, ticket: Ticket) -> bool:
    """Staff copies of a chat's transcript and images: whoever sees its ticket or its chat."""
    return can_view_ticket(user, ticket) or can_open_chat(user, ticket)


def can_answer_chat(user: Any, ticket: Ticket) -> bool:
    """Speak to the customer, transfer or end the chat: its assignee, or a supervisor of it."""
    if not sees_customer_data(user):
        return False
    return ticket.assignee_id == user.pk or can_supervise(user, ticket)


def _waiting(ticket: Ticket) -> QueueEntry | None:
    return (
        QueueEntry.objects.select_related("queue", "queue__fallback").filter(ticket=ticket).first()
    )


def _queue_teams(entry: QueueEntry) -> set[int]:
    queues: list[Queue] = [entry.queue]
    if entry.overflowed and entry.queue.fallback is not None:
        queues.append(entry.queue.fallback)
    return {q.team_id for q in queues}


def _offered_to(agent: Agent, entry: QueueEntry) -> bool:
    """Routing's own eligibility (team, language, skill, overflow) for this one agent."""
    me = AgentSlotInfo(
        agent_id=agent.pk,
        name=str(agent),
        status="",
        capacity=0,
        load=0,
        idle_since=timezone.now(),
        teams=team_ids(agent),
        skills=set(agent.skills.values_list("pk", flat=True)),
        languages=set(agent.languages or []),
    )
    return bool(eligible([me], entry.queue, overflowed=entry.overflowed))
