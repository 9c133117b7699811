"""The dashboard's queue wall: each queue's line right now and the people who can take it.

It reads what the supervisor wall reads (``routing.board.snapshot``) and adds, per queue, the
wait a chat arriving now should expect and how many of the queue's online agents are busy, so
the dashboard can poll one small JSON document instead of holding a console socket open. The
full wall, agent by agent, stays on the console's supervisor page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kefu.clock import now
from kefu.routing import erlang
from kefu.routing.board import Snapshot, snapshot
from kefu.routing.estimate import handle_seconds
from kefu.routing.pool import eligible


@dataclass(frozen=True)
class QueueLine:
    slug: str
    name: str
    team: str
    language: str
    waiting: int
    oldest_wait_seconds: int
    estimated_wait_seconds: int | None  # None: nobody online, no honest estimate
    agents_online: int
    agents_busy: int  # online and handling at least one chat
    free_slots: int


def queue_lines(teams: set[int] | None, snap: Snapshot | None = None) -> list[QueueLine]:
    """Every queue (``teams=None``) or those of ``teams``, in the order of their slugs."""
    moment = now()
    snap = snap or snapshot()
    lines = []
    for queue in snap.queues:
        if teams is not None and queue.team_id not in teams:
            continue
        entries = [e for e in snap.entries if e.queue_id == queue.pk]
        oldest = min((e.enqueued_at for e in entries), default=None)
        agents = eligible(snap.online, queue)
        free = sum(a.free for a in agents)
        busy_slots = sum(min(a.load, a.capacity) for a in agents)
        estimate = None
        if agents:
            # A newcomer stands behind everyone already waiting here.
            handle = handle_seconds(queue, moment)
            wait = erlang.position_wait(len(entries), free, busy_slots, handle)
            estimate = None if wait is None else round(wait)
        lines.append(
            QueueLine(
                slug=queue.slug,
                name=queue.name,
                team=queue.team.name,
                language=queue.language,
                waiting=len(entries),
                oldest_wait_seconds=max(0, round((moment - oldest).total_seconds()))
                if oldest
                else 0,
                estimated_wait_seconds=estimate,
                agents_online=len(agents),
                agents_busy=sum(1 for a in agents if a.load > 0),
                free_slots=free,
            )
        )
    return lines


def wall_document(teams: set[int] | None) -> dict[str, Any]:
    """What the dashboard's script polls: the lines and their totals, stamped with the time."""
    snap = snapshot()
    lines = queue_lines(teams, snap)
    pool = [a for a in snap.online if teams is None or a.teams & teams]
    return {
        "at": now().isoformat(),
        "queues": [asdict(line) for line in lines],
        "totals": {
            "waiting": sum(line.waiting for line in lines),
            "oldest_wait_seconds": max((line.oldest_wait_seconds for line in lines), default=0),
            "agents_online": len(pool),
            "agents_busy": sum(1 for a in pool if a.load > 0),
            "chats_in_progress": sum(a.load for a in pool),
        },
    }
