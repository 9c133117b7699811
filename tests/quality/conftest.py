"""Two teams (A and B) with an agent and a supervisor each, an administrator, and conversations
built by hand so that every sample and score has a known answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from kefu import clock
from kefu.accounts.models import Agent, Role, Team
from kefu.insights.quality.models import Criterion, Rubric
from kefu.insights.quality.rubrics import activate
from kefu.tickets.models import (
    Author,
    Channel,
    ChatState,
    Kind,
    Message,
    SatisfactionRating,
    Status,
    Ticket,
)
from tests.staff import sign_in

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


@dataclass
class Desk:
    team_a: Team
    team_b: Team
    agent_a: Agent
    agent_a2: Agent
    agent_b: Agent
    supervisor_a: Agent
    supervisor_b: Agent
    admin: Agent
    editor: Agent


@pytest.fixture
def frozen() -> Iterator[datetime]:
    with clock.frozen(NOW):
        yield NOW


@pytest.fixture
def desk(db: None, frozen: datetime) -> Desk:
    team_a = Team.objects.create(slug="qa-team-a", name="Team A")
    team_b = Team.objects.create(slug="qa-team-b", name="Team B")

    def person(username: str, role: str, *teams: Team) -> Agent:
        agent = Agent.objects.create_user(username=username, password="x" * 16, role=role)
        agent.teams.set(teams)
        return agent

    return Desk(
        team_a=team_a,
        team_b=team_b,
        agent_a=person("qa.agent.a", Role.AGENT, team_a),
        agent_a2=person("qa.agent.a2", Role.AGENT, team_a),
        agent_b=person("qa.agent.b", Role.AGENT, team_b),
        supervisor_a=person("qa.super.a", Role.SUPERVISOR, team_a),
        supervisor_b=person("qa.super.b", Role.SUPERVISOR, team_b),
        admin=person("qa.admin", Role.ADMIN),
        editor=person("qa.editor", Role.CONTENT_EDITOR),
    )


def chat(
    agent: Agent,
    *,
    ended: datetime,
    minutes: float = 10,
    csat: int | None = None,
    complaint: bool = False,
    team: Team | None = None,
) -> Ticket:
    """A live chat ``agent`` handled for ``minutes`` that ended at ``ended``."""
    ticket = Ticket.objects.create(
        channel=Channel.CHAT,
        status=Status.SOLVED,
        chat_state=ChatState.ENDED,
        assignee=agent,
        team=team or agent.teams.first(),
        kind=Kind.COMPLAINT if complaint else Kind.REQUEST,
        created_at=ended - timedelta(minutes=minutes + 2),
        assigned_at=ended - timedelta(minutes=minutes),
        ended_at=ended,
        solved_at=ended,
    )
    if csat is not None:
        SatisfactionRating.objects.create(ticket=ticket, score=csat)
    return ticket


def solved_ticket(agent: Agent, *, solved: datetime, hours: float = 5) -> Ticket:
    return Ticket.objects.create(
        channel=Channel.EMAIL,
        status=Status.SOLVED,
        assignee=agent,
        team=agent.teams.first(),
        subject="Withdrawal under review",
        created_at=solved - timedelta(hours=hours),
        solved_at=solved,
    )


def say(ticket: Ticket, author: str, text: str, *, agent: Agent | None = None, internal=False):  # type: ignore[no-untyped-def]
    ticket.last_seq += 1
    ticket.save(update_fields=["last_seq"])
    return Message.objects.create(
        ticket=ticket, seq=ticket.last_seq, author=author, agent=agent, text=text, internal=internal
    )


def make_rubric(name: str = "Test rubric", *, active: bool = True) -> Rubric:
    """Three criteria with known weights: answer 0–4 ×3, security 0–1 ×2, tone 1–5 ×1."""
    rubric = Rubric.objects.create(name=name)
    Criterion.objects.create(
        rubric=rubric, key="answer", label_en="Answer", label_zh_hans="答案", weight=3,
        scale_min=0, scale_max=4, position=0,
    )  # fmt: skip
    Criterion.objects.create(
        rubric=rubric, key="security", label_en="Security", label_zh_hans="安全", weight=2,
        scale_min=0, scale_max=1, position=1,
    )  # fmt: skip
    Criterion.objects.create(
        rubric=rubric, key="tone", label_en="Tone", weight=1, scale_min=1, scale_max=5, position=2
    )
    if active:
        activate(rubric)
        rubric.refresh_from_db()
    return rubric


def staff(agent: Agent) -> Client:
    return sign_in(Client(), agent)


__all__ = ["NOW", "Author", "chat", "make_rubric", "say", "solved_ticket", "staff"]
