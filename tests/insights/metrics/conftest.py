"""Hand-built ticket histories: tickets, their events and messages written with explicit times,
so that every metric has an answer known in advance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent, Team
from kefu.assistant.models import Conversation
from kefu.events.models import Event
from kefu.tickets.models import Author, Message, SatisfactionRating, SlaPolicy, Ticket
from kefu.tickets.sla.policy import ensure_default_policies

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
TEAMS = {
    "deposit": "deposits-withdrawals",
    "withdrawal": "deposits-withdrawals",
    "kyc": "account-kyc",
    "api": "api",
    "other": "general",
}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


class Story:
    """Writes what happened to tickets, each step at the time given."""

    def __init__(self) -> None:
        self.wang = Agent.objects.get(username="agent.wang")
        self.sam = Agent.objects.get(username="agent.sam")
        self.policy = SlaPolicy.objects.order_by("pk").first()

    def ticket(
        self,
        at: datetime,
        *,
        channel: str = "email",
        language: str = "en",
        category: str = "deposit",
        agent: Agent | None = None,
        sla: bool = False,
        conversation: Conversation | None = None,
    ) -> Ticket:
        ticket = Ticket.objects.create(
            channel=channel,
            language=language,
            category=category,
            team=Team.objects.get(slug=TEAMS[category]),
            assignee=agent,
            sla_policy=self.policy if sla else None,
            conversation=conversation,
            created_at=at,
            requester_email="someone@example.com",
        )
        self.event(ticket, "ticket.opened", at, channel=channel)
        self.say(ticket, "customer", at)
        return ticket

    def event(self, ticket: Ticket, kind: str, at: datetime, **data: Any) -> Event:
        return self.raw(kind, "tickets.ticket", ticket.pk, at, **data)

    def raw(self, kind: str, subject_type: str, pk: int, at: datetime, **data: Any) -> Event:
        return Event.objects.create(
            kind=kind, subject_type=subject_type, subject_id=str(pk), data=data, created_at=at
        )

    def say(
        self, ticket: Ticket, author: str, at: datetime, *, agent: Agent | None = None, **kw: Any
    ) -> Message:
        ticket.last_seq += 1
        Ticket.objects.filter(pk=ticket.pk).update(last_seq=ticket.last_seq)
        return Message.objects.create(
            ticket=ticket,
            seq=ticket.last_seq,
            author=author,
            agent=agent if author == Author.AGENT else None,
            text="...",
            channel=kw.pop("channel", ticket.channel),
            created_at=at,
            **kw,
        )

    def reply(self, ticket: Ticket, at: datetime, agent: Agent | None = None) -> None:
        """An agent's public answer, as the ticket workflow records it."""
        self.say(ticket, "agent", at, agent=agent or self.wang)
        self.event(ticket, "ticket.replied", at, message_seq=ticket.last_seq)

    def status(self, ticket: Ticket, at: datetime, before: str, after: str) -> None:
        kind = "ticket.reopened" if before == "solved" else "ticket.status_changed"
        self.event(ticket, kind, at, **{"from": before, "to": after, "reason": ""})

    def solve(self, ticket: Ticket, at: datetime, before: str = "pending") -> None:
        self.status(ticket, at, before, "solved")

    def rate(self, ticket: Ticket, at: datetime, score: int, comment: str = "") -> None:
        SatisfactionRating.objects.create(
            ticket=ticket, score=score, comment=comment, created_at=at
        )
        self.event(ticket, "ticket.rated", at, score=score)

    def chat(
        self,
        at: datetime,
        *,
        language: str = "en",
        category: str = "other",
        agent: Agent | None = None,
    ) -> Ticket:
        conversation = Conversation.objects.create(language=language, created_at=at)
        self.raw(
            "assistant.conversation_started",
            "assistant.conversation",
            conversation.pk,
            at,
            language=language,
        )
        return self.ticket(
            at,
            channel="chat",
            language=language,
            category=category,
            agent=agent,
            conversation=conversation,
        )

    def hand_over(self, ticket: Ticket, at: datetime, reason: str) -> None:
        assert ticket.conversation_id is not None
        self.raw(
            "assistant.handed_over",
            "assistant.conversation",
            ticket.conversation_id,
            at,
            reason=reason,
            priority="normal",
        )

    def queue(self, ticket: Ticket, at: datetime) -> None:
        self.event(ticket, "ticket.queued", at, priority="normal", team="general", reason="x")

    def assign(self, ticket: Ticket, at: datetime, agent: Agent | None = None) -> None:
        agent = agent or self.wang
        self.event(ticket, "ticket.assigned", at, agent=agent.pk, wait_seconds=0)

    def end_chat(self, ticket: Ticket, at: datetime, resolution: str = "solved", **kw: Any) -> None:
        self.event(
            ticket,
            "ticket.chat_ended",
            at,
            by="agent",
            resolution=resolution,
            kept_open=kw.get("kept_open", False),
        )


@pytest.fixture
def story(db: None) -> Iterator[Story]:
    load_demo_accounts()
    ensure_default_policies()
    with clock.frozen(T0 + timedelta(days=30)):
        yield Story()
