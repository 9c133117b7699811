"""Who can serve what, read once per routing pass: online agents, their load and eligibility."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count

from kefu.accounts.models import Agent
from kefu.tickets.models import ChatState, Ticket

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
    """Read as plain rows (no model instances): every hand-over and board reads the whole pool,
    and building two hundred agents with their presence cost more than the queries."""
    presences = Presence.objects.all()
    if online_only:
        presences = presences.filter(status=PresenceStatus.ONLINE)
    rows = list(
        presences.values_list(
            "agent_id",
            "status",
            "capacity",
            "idle_since",
            "agent__display_name",
            "agent__username",
            "agent__languages",
        )
    )
    agent_ids = [row[0] for row in rows]
    loads = dict(
        Ticket.objects.filter(chat_state=ChatState.ASSIGNED, assignee_id__in=agent_ids)
        .values("assignee_id")
        .annotate(load=Count("pk"))
        .values_list("assignee_id", "load")
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
            agent_id=agent_id,
            name=display_name or username,  # as str(agent)
            status=status,
            capacity=capacity,
            load=loads.get(agent_id, 0),
            idle_since=idle_since,
            teams=teams.get(agent_id, set()),
            skills=skills.get(agent_id, set()),
            languages=set(languages or []),
        )
        for agent_id, status, capacity, idle_since, display_name, username, languages in rows
    ]


def eligible(
    pool: list[AgentSlotInfo], queue: Queue, *, overflowed: bool = False
) -> list[AgentSlotInfo]:
    fallback = queue.fallback if overflowed and queue.fallback_id else None
    return [a for a in pool if a.serves(queue) or (fallback is not None and a.serves(fallback))]
