"""Routing actions: put chats in line, give them to agents, follow agents' presence.

Every web process runs :func:`dispatch` after changes and on a clock; a routing pass holds one
database-wide lock (an advisory lock on PostgreSQL, the write lock on SQLite), so two processes
never hand the same chat or the same free slot out twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kefu.accounts.models import Agent, Team
from kefu.errors import ApiError
from kefu.events.services import record_event
from kefu.tickets import actions as tickets
from kefu.tickets.models import ChatState, Priority, Ticket

from .estimate import Place, places, ranked
from .models import Presence, PresenceStatus, Queue, QueueEntry
from .pool import AgentSlotInfo, eligible, load_pool
from .triage import triage

ROUTING_LOCK_KEY = 0x6B656675  # "kefu"


@dataclass(frozen=True)
class Assignment:
    ticket_id: int
    agent_id: int
    queue: str
    waited: float
    estimate: float | None


@contextmanager
def routing_lock() -> Iterator[None]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROUTING_LOCK_KEY])
        yield


def enqueue(
    ticket: Ticket, *, reason: str, urgent: bool = False, team: Team | None = None
) -> QueueEntry:
    """Put a chat in line for a person. A chat already waiting keeps its place."""
    with routing_lock():
        existing = QueueEntry.objects.filter(ticket=ticket).first()
        if existing is not None:
            return existing
        decision = triage(ticket, reason=reason, urgent=urgent)
        queue = decision.queue
        if team is not None:
            queue = Queue.objects.filter(team=team, language=ticket.language).first() or queue
        tickets.mark_queued(ticket, priority=decision.priority, team=queue.team, reason=reason)
        entry = QueueEntry.objects.create(
            ticket=ticket, queue=queue, priority_class=decision.priority_class, reason=reason
        )
        for place in queue_places(only={ticket.pk}):
            if place.entry_id == entry.pk:
                entry.estimate_seconds = place.estimate_seconds
                entry.save(update_fields=["estimate_seconds"])
        record_event(
            "routing.enqueued",
            ticket,
            data={
                "queue": queue.slug,
                "priority_class": decision.priority_class,
                "reason": reason,
                "estimate_seconds": entry.estimate_seconds,
            },
        )
    return entry


def dispatch(now: datetime | None = None) -> list[Assignment]:
    """Give waiting chats, best score first, to the longest-idle eligible agent with a free slot."""
    now = now or timezone.now()
    made: list[Assignment] = []
    with routing_lock():
        entries = list(
            QueueEntry.objects.select_related("queue", "queue__fallback", "ticket__conversation")
        )
        if not entries:
            return made
        _overflow(entries, now)
        pool = [a for a in load_pool() if a.free > 0]
        if not pool:
            return made
        for entry in ranked(entries, now):
            candidates = [a for a in eligible(pool, entry.queue, overflowed=entry.overflowed)]
            candidates = [a for a in candidates if a.free > 0]
            if not candidates:
                continue
            chosen = min(candidates, key=lambda a: (a.idle_since, a.agent_id))
            made.append(_assign(entry, chosen, now))
    return made


def accept(agent: Agent, ticket: Ticket) -> Assignment:
    """An agent takes a waiting chat from a queue they serve."""
    with routing_lock():
        entry = (
            QueueEntry.objects.select_related("queue", "queue__fallback", "ticket__conversation")
            .filter(ticket=ticket)
            .first()
        )
        if entry is None:
            raise ApiError("not_waiting", "This chat is no longer waiting.", 409)
        me = [a for a in load_pool(online_only=False) if a.agent_id == agent.pk]
        if not me or not eligible(me, entry.queue, overflowed=entry.overflowed):
            raise ApiError("forbidden", "This chat is in a queue you do not serve.", 403)
        return _assign(entry, me[0], timezone.now())


def _assign(entry: QueueEntry, agent: AgentSlotInfo, now: datetime) -> Assignment:
    waited = (now - (entry.ticket.queued_at or entry.enqueued_at)).total_seconds()
    tickets.assign(
        entry.ticket,
        Agent.objects.get(pk=agent.agent_id),
        waited=waited,
        estimate=entry.estimate_seconds,
    )
    agent.load += 1
    agent.idle_since = now
    Presence.objects.filter(agent_id=agent.agent_id).update(idle_since=now)
    result = Assignment(
        entry.ticket_id, agent.agent_id, entry.queue.slug, waited, entry.estimate_seconds
    )
    entry.delete()
    return result


def _overflow(entries: list[QueueEntry], now: datetime) -> None:
    for entry in entries:
        queue = entry.queue
        if entry.overflowed or queue.fallback_id is None:
            continue
        if (now - entry.enqueued_at).total_seconds() >= queue.overflow_after:
            entry.overflowed = True
            entry.save(update_fields=["overflowed"])
            record_event(
                "routing.overflowed",
                ("tickets.ticket", str(entry.ticket_id)),
                data={"from": queue.slug, "to": queue.fallback.slug if queue.fallback else None},
            )


def requeue(ticket: Ticket, *, reason: str, front: bool, team: Team | None = None) -> QueueEntry:
    """Put an assigned chat back in line (agent lost, or transferred to a team)."""
    with routing_lock():
        ticket = Ticket.objects.select_related("customer", "conversation").get(pk=ticket.pk)
        if ticket.chat_state == ChatState.ENDED:
            raise ApiError("chat_ended", "This chat has ended.", 409)
        decision = triage(ticket, reason=reason, urgent=ticket.priority == Priority.URGENT)
        queue = _team_queue(team or ticket.team, ticket.language) or decision.queue
        priority_class = decision.priority_class
        previous = QueueEntry.objects.filter(ticket=ticket).first()
        if previous is not None:
            previous.delete()
        tickets.mark_queued(ticket, priority=ticket.priority, team=queue.team, reason=reason)
        entry = QueueEntry.objects.create(
            ticket=ticket,
            queue=queue,
            priority_class=priority_class,
            reason=reason,
            requeued=front,
            # A chat whose agent vanished keeps its place (and its age); a transferred one
            # starts its new queue's clock, so it does not overflow from there at once.
            enqueued_at=(ticket.queued_at or timezone.now())
            if reason == "agent_lost"
            else timezone.now(),
        )
        record_event(
            "routing.requeued", ticket, data={"queue": queue.slug, "reason": reason, "front": front}
        )
    return entry


def _team_queue(team: Team | None, language: str) -> Queue | None:
    if team is None:
        return None
    queues = Queue.objects.filter(team=team)
    return queues.filter(language=language).first() or queues.first()


def set_presence(agent: Agent, status: str, *, capacity: int | None = None) -> Presence:
    if status not in PresenceStatus.values:
        raise ApiError("invalid_presence", "Presence is online, away or offline.")
    now = timezone.now()
    presence, _ = Presence.objects.get_or_create(agent=agent)
    changed = presence.status != status
    presence.status = status
    presence.seen_at = now
    if capacity is not None:
        presence.capacity = capacity
    if changed:
        presence.status_changed_at = now
        if status == PresenceStatus.ONLINE:
            presence.idle_since = now
        record_event("routing.presence", agent, actor=agent, data={"status": status})
    presence.save()
    return presence


def heartbeat(agent_ids: Iterable[int]) -> None:
    ids = list(agent_ids)
    if ids:
        Presence.objects.filter(agent_id__in=ids).update(seen_at=timezone.now())


@dataclass(frozen=True)
class Released:
    """What :func:`release_lost_agents` did: the agents it marked offline, and the chats it put
    back in line, each with the agent it was taken from."""

    agents: list[int]
    chats: dict[int, int]

    def __bool__(self) -> bool:
        return bool(self.agents or self.chats)


def release_lost_agents(now: datetime | None = None) -> Released:
    """Re-queue, at the front, the chats of agents whose console has been gone for longer than
    the grace period (or who went offline)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.KEFU_AGENT_GRACE_SECONDS)
    lost = list(Presence.objects.filter(seen_at__lt=cutoff).exclude(status=PresenceStatus.OFFLINE))
    for presence in lost:
        presence.status = PresenceStatus.OFFLINE
        presence.status_changed_at = now
        presence.save(update_fields=["status", "status_changed_at"])
        record_event("routing.agent_lost", ("accounts.agent", str(presence.agent_id)))
    gone = Presence.objects.filter(status=PresenceStatus.OFFLINE).values_list("agent_id", flat=True)
    orphaned = list(
        Ticket.objects.filter(chat_state=ChatState.ASSIGNED, assignee_id__in=list(gone))
    )
    chats: dict[int, int] = {}
    for ticket in orphaned:
        assert ticket.assignee_id is not None  # assigned to one of ``gone``
        chats[ticket.pk] = ticket.assignee_id
        requeue(ticket, reason="agent_lost", front=True)
    return Released([p.agent_id for p in lost], chats)


def customers_present(ticket_ids: set[int], now: datetime | None = None) -> None:
    """A process still holds sockets of these chats' customers (its clock says so each tick)."""
    if ticket_ids:
        Ticket.objects.filter(pk__in=ticket_ids, chat_state=ChatState.QUEUED).update(
            customer_seen_at=now or timezone.now()
        )


def release_abandoned(now: datetime | None = None) -> list[Ticket]:
    """Take out of line the chats whose customer has had no socket on any process for
    ``KEFU_CUSTOMER_GRACE_SECONDS`` (the page was closed): an agent would otherwise accept an
    empty chat. Returns them, still to be ended by the caller. Under the routing lock, so a
    chat is never handed to an agent while it is being let go."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.KEFU_CUSTOMER_GRACE_SECONDS)
    with routing_lock():
        gone = list(Ticket.objects.filter(chat_state=ChatState.QUEUED, customer_seen_at__lt=cutoff))
        QueueEntry.objects.filter(ticket__in=gone).delete()
        for ticket in gone:
            record_event(
                "routing.abandoned", ticket, data={"last_seen": str(ticket.customer_seen_at)}
            )
    return gone


def finished(agent_id: int) -> None:
    """An agent's chat ended: their idle time starts now."""
    Presence.objects.filter(agent_id=agent_id).update(idle_since=timezone.now())


def queue_places(now: datetime | None = None, only: set[int] | None = None) -> list[Place]:
    now = now or timezone.now()
    entries = list(QueueEntry.objects.select_related("queue", "queue__fallback"))
    if only is not None and not any(e.ticket_id in only for e in entries):
        return []  # none of them waits (assigned meanwhile): no read of the agent pool
    if not entries:
        return []
    return places(entries, load_pool(), now, only)
