"""What consoles show of the queues: counts, oldest wait and who is online — for the queues an
agent serves, and for supervisors every queue and agent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.tickets.models import Ticket

from .estimate import ranked
from .models import Presence, PresenceStatus, Queue, QueueEntry
from .pool import AgentSlotInfo, eligible, load_pool


def _queue_rows(
    queues: list[Queue], entries: list[QueueEntry], pool: list[AgentSlotInfo]
) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for queue in queues:
        waiting = [e for e in entries if e.queue_id == queue.pk]
        oldest = min((e.enqueued_at for e in waiting), default=None)
        rows.append(
            {
                "slug": queue.slug,
                "name": queue.name,
                "team": queue.team.slug,
                "language": queue.language,
                "waiting": len(waiting),
                "oldest_wait_seconds": round((now - oldest).total_seconds()) if oldest else 0,
                "agents_online": len(eligible(pool, queue)),
            }
        )
    return rows


@dataclass
class Snapshot:
    """What every console's board is made from, read once and shared by the consoles of a
    process that refresh together (``started`` is a ``time.monotonic()`` reading taken before
    the reads, so a change committed before then is in it)."""

    started: float
    pool: list[AgentSlotInfo]
    queues: list[Queue]
    entries: list[QueueEntry]
    tickets: dict[int, Ticket]
    summaries: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def online(self) -> list[AgentSlotInfo]:
        return [a for a in self.pool if a.status == PresenceStatus.ONLINE]

    def summary(self, entry: QueueEntry) -> dict[str, Any]:
        from kefu.connectors.webchat.frames import chat_summary

        key = (entry.ticket_id, entry.queue.slug)
        if key not in self.summaries:
            self.summaries[key] = chat_summary(self.tickets[entry.ticket_id], queue=key[1])
        return self.summaries[key]


def snapshot() -> Snapshot:
    started = time.monotonic()
    entries = list(QueueEntry.objects.select_related("queue", "queue__fallback"))
    return Snapshot(
        started=started,
        pool=load_pool(online_only=False),
        queues=list(Queue.objects.select_related("team", "fallback")),
        entries=entries,
        tickets=Ticket.objects.select_related("customer").in_bulk([e.ticket_id for e in entries]),
    )


def queues_frame(agent: Agent, snap: Snapshot | None = None) -> dict[str, Any]:
    snap = snap or snapshot()
    agent_id = agent.pk  # once: the socket's user is a lazy object
    me = [a for a in snap.pool if a.agent_id == agent_id]
    mine = [q for q in snap.queues if me and me[0].serves(q)]
    serving = [
        e
        for e in snap.entries
        if me and e.ticket_id in snap.tickets and eligible(me, e.queue, overflowed=e.overflowed)
    ]
    return {
        "type": "queues",
        "queues": _queue_rows(mine, snap.entries, snap.online),
        # Only the first 50 are sent, so only they are summarised (a query each).
        "waiting": [snap.summary(e) for e in ranked(serving, timezone.now())[:50]],
    }


def wall_frame(snap: Snapshot | None = None, *, teams: set[int] | None = None) -> dict[str, Any]:
    """Every queue and agent, or only those of ``teams`` (a supervisor's own)."""
    now = timezone.now()
    snap = snap or snapshot()
    pool, queues, entries = snap.pool, snap.queues, snap.entries
    online = snap.online
    if teams is not None:
        queues = [q for q in queues if q.team_id in teams]
        pool = [a for a in pool if a.teams & teams]
    names = dict(Presence.objects.values_list("agent_id", "agent__display_name"))
    return {
        "type": "wall",
        "queues": _queue_rows(queues, entries, online),
        "agents": [
            {
                "id": a.agent_id,
                "name": a.name or names.get(a.agent_id, ""),
                "presence": a.status,
                "load": a.load,
                "capacity": a.capacity,
                "idle_seconds": round((now - a.idle_since).total_seconds()) if a.load == 0 else 0,
            }
            for a in sorted(pool, key=lambda a: a.name)
        ],
    }
