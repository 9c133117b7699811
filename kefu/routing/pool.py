"""Who can serve what, read once per routing pass: online agents, their load and eligibility."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from kefu.accounts.models import Agent
from kefu.tickets.models import ChatState

from .models import Presence, PresenceStatus, Queue


@dataclass
class AgentSlotInfo:
    agent_id: int
    name: str
    status: str
    capacity: int
    load: int
    idle_since: datetime
    teams: set[int] = field(default_factory=set)
    skills: set[int] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.load)

    def serves(self, queue: Queue) -> bool:
        return (
            queue.team_id in self.teams
            and queue.language in self.languages
            and (queue.skill_id is None or queue.skill_id in self.skills)
        )


def load_pool(*, online_only: bool = True) -> list[AgentSlotInfo]:
    presences = Presence.objects.select_related("agent")
    if online_only:
        presences = presences.filter(status=PresenceStatus.ONLINE)
    agent_ids = [p.agent_id for p in presences]
    loads = dict(
        Agent.objects.filter(pk__in=agent_ids)
        .annotate(
            load=Count(
                "assigned_tickets", filter=Q(assigned_tickets__chat_state=ChatState.ASSIGNED)
            )
        )
        .values_list("pk", "load")
    )
    teams: dict[int, set[int]] = {}
    for agent_id, team_id in Agent.teams.through.objects.filter(agent_id__in=agent_ids).values_list(
        "agent_id", "team_id"
    ):
        teams.setdefault(agent_id, set()).add(team_id)
    skills: dict[int, set[int]] = {}
    for agent_id, skill_id in Agent.skills.through.objects.filter(
        agent_id__in=agent_ids
    ).values_list("agent_id", "skill_id"):
        skills.setdefault(agent_id, set()).add(skill_id)
    return [
        AgentSlotInfo(
            agent_id=p.agent_id,
            name=str(p.agent),
            status=p.status,
            capacity=p.capacity,
            load=loads.get(p.agent_id, 0),
            idle_since=p.idle_since,
            teams=teams.get(p.agent_id, set()),
            skills=skills.get(p.agent_id, set()),
            languages=set(p.agent.languages or []),
        )
        for p in presences
    ]


def eligible(
    pool: list[AgentSlotInfo], queue: Queue, *, overflowed: bool = False
) -> list[AgentSlotInfo]:
    fallback = queue.fallback if overflowed and queue.fallback_id else None
    return [a for a in pool if a.serves(queue) or (fallback is not None and a.serves(fallback))]
