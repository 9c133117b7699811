"""What consoles show of the queues: counts, oldest wait and who is online — for the queues an
agent serves, and for supervisors every queue and agent."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.tickets.models import Ticket

from .estimate import ranked
from .models import Presence, Queue, QueueEntry
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


def queues_frame(agent: Agent) -> dict[str, Any]:
    from kefu.connectors.webchat.frames import chat_summary

    me = [a for a in load_pool(online_only=False) if a.agent_id == agent.pk]
    all_queues = list(Queue.objects.select_related("team", "fallback"))
    mine = [q for q in all_queues if me and me[0].serves(q)]
    entries = list(QueueEntry.objects.select_related("queue", "queue__fallback"))
    serving = [e for e in entries if me and eligible(me, e.queue, overflowed=e.overflowed)]
    tickets = Ticket.objects.select_related("customer").in_bulk([e.ticket_id for e in serving])
    waiting = [
        chat_summary(tickets[e.ticket_id], queue=e.queue.slug)
        for e in ranked(serving, timezone.now())
        if e.ticket_id in tickets
    ]
    return {
        "type": "queues",
        "queues": _queue_rows(mine, entries, load_pool()),
        "waiting": waiting[:50],
    }


def wall_frame() -> dict[str, Any]:
    now = timezone.now()
    pool = load_pool(online_only=False)
    online = [a for a in pool if a.status == "online"]
    queues = list(Queue.objects.select_related("team", "fallback"))
    entries = list(QueueEntry.objects.select_related("queue"))
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
