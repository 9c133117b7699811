"""Wait estimates for queued chats, from live staffing and recent handle times.

Someone already in line is told the expected time until enough chat slots free up for their
position (``erlang.position_wait``); the average for a new arrival (Erlang C) is what the
supervisor wall shows. Every first estimate is stored with the queue entry and compared with the
real wait when the chat is assigned (``kefu bench wait`` reports the error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

from django.conf import settings
from django.db.models import F

from kefu.tickets.models import ChatState, Ticket

from . import erlang
from .models import Queue, QueueEntry
from .pool import AgentSlotInfo, eligible

HANDLE_SAMPLE = 50
HANDLE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Place:
    entry_id: int
    ticket_id: int
    queue: str
    position: int
    estimate_seconds: float | None


def handle_seconds(queue: Queue, now: datetime) -> float:
    """Mean handle time of the team's recent chats, or the configured default."""
    durations = (
        Ticket.objects.filter(
            team_id=queue.team_id,
            chat_state=ChatState.ENDED,
            assigned_at__isnull=False,
            ended_at__gte=now - HANDLE_WINDOW,
        )
        .annotate(handled=F("ended_at") - F("assigned_at"))
        .order_by("-ended_at")
        .values_list("handled", flat=True)[:HANDLE_SAMPLE]
    )
    seconds = [d.total_seconds() for d in durations if d is not None]
    if len(seconds) < 5:
        return float(settings.KEFU_DEFAULT_HANDLE_SECONDS)
    return fmean(seconds)


def score(entry: QueueEntry, now: datetime) -> float:
    """Higher is served first: class, plus one class per aging interval waited; a chat that
    lost its agent goes before everything."""
    waited = (now - entry.enqueued_at).total_seconds()
    return (
        entry.priority_class
        + waited / settings.KEFU_ROUTING_AGING_SECONDS
        + (1000 if entry.requeued else 0)
    )


def ranked(entries: list[QueueEntry], now: datetime) -> list[QueueEntry]:
    return sorted(entries, key=lambda e: (-score(e, now), e.enqueued_at, e.pk))


def places(
    entries: list[QueueEntry],
    pool: list[AgentSlotInfo],
    now: datetime,
    only: set[int] | None = None,
) -> list[Place]:
    """Position and estimate of waiting chats (all, or the tickets in ``only``). Chats compete
    with those ranked ahead of them for the same agents, so the position counts those whose
    eligible agents overlap."""
    order = ranked(entries, now)
    handle_by_queue: dict[int, float] = {}
    agents_by_queue: dict[tuple[int, bool], list[AgentSlotInfo]] = {}
    eligible_ids: list[frozenset[int]] = []
    result = []
    for index, entry in enumerate(order):
        key = (entry.queue_id, entry.overflowed)
        if key not in agents_by_queue:
            agents_by_queue[key] = eligible(pool, entry.queue, overflowed=entry.overflowed)
        agents = agents_by_queue[key]
        ids = frozenset(a.agent_id for a in agents)
        eligible_ids.append(ids)
        if only is not None and entry.ticket_id not in only:
            continue
        ahead = sum(1 for other in eligible_ids[:index] if other & ids) if ids else index
        if entry.queue_id not in handle_by_queue:
            handle_by_queue[entry.queue_id] = handle_seconds(entry.queue, now)
        free = sum(a.free for a in agents)
        busy = sum(min(a.load, a.capacity) for a in agents)
        estimate = erlang.position_wait(ahead, free, busy, handle_by_queue[entry.queue_id])
        result.append(Place(entry.pk, entry.ticket_id, entry.queue.slug, ahead + 1, estimate))
    return result
