"""Writing a planned history with a handful of bulk inserts, as the action services would have
recorded it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction

from kefu.accounts.models import Agent, Team
from kefu.assistant.models import Conversation
from kefu.events.models import Event
from kefu.tickets.models import Message, SatisfactionRating, SlaPolicy, Ticket

from .plan import STAFF, TICKET, PlannedTicket


@transaction.atomic
def write_history(planned: Sequence[PlannedTicket]) -> int:
    """Store planned tickets with their conversations, messages, events and ratings (the demo
    staff, teams and default SLA policies must exist); returns how many."""
    agents = dict(Agent.objects.filter(username__in=STAFF).values_list("username", "pk"))
    teams = dict(Team.objects.values_list("slug", "pk"))
    policies = dict(SlaPolicy.objects.values_list("name", "pk"))
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                language=p.conversation["language"],
                created_at=p.conversation["started"],
                handed_over_at=p.conversation.get("handed_over"),
                handoff_reason=p.conversation.get("reason", ""),
                handoff_priority=p.conversation.get("priority", ""),
                handoff_summary={"intent": p.conversation["intent"]}
                if p.conversation.get("reason")
                else {},
                human_active=p.conversation.get("human_active", False),
            )
            for p in planned
            if p.conversation is not None
        ]
    )
    conversation_ids = iter(c.pk for c in conversations)
    rows = []
    for p in planned:
        last = len(p.messages)
        rows.append(
            Ticket(
                channel=p.channel,
                status=p.status,
                chat_state=p.chat_state,
                priority=p.priority,
                language=p.language,
                subject="" if p.channel == "chat" else p.messages[0][3][:80],
                category=p.category,
                fields=p.fields,
                requester_email=p.requester,
                team_id=teams.get(p.team),
                assignee_id=agents.get(p.agent or ""),
                conversation_id=next(conversation_ids) if p.conversation is not None else None,
                last_seq=last,
                customer_delivered_seq=last,
                customer_read_seq=last,
                agent_delivered_seq=last,
                agent_read_seq=last,
                resolution=p.resolution,
                created_at=p.opened_at,
                queued_at=p.times.get("queued_at"),
                assigned_at=p.times.get("assigned_at"),
                ended_at=p.times.get("ended_at"),
                first_response_at=p.times.get("first_response_at"),
                # A chat's end leaves solved_at empty, as end_chat does.
                solved_at=p.times.get("solved_at") if p.channel != "chat" else None,
                closed_at=p.times.get("closed_at"),
                reopened_count=p.reopened_count,
                escalation_level=p.escalation_level,
                escalated_at=p.times.get("escalated_at"),
                sla_policy_id=policies.get(p.policy or ""),
                sla_started_at=p.opened_at if p.policy else None,
                sla_warned=p.sla_warned,
                sla_breached=p.sla_breached,
            )
        )
    tickets = Ticket.objects.bulk_create(rows, batch_size=500)
    messages: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    ratings = []
    stamp = connection.ops.adapt_datetimefield_value
    as_json = connection.ops.adapt_json_value
    for p, ticket in zip(planned, tickets, strict=True):
        seq_of_reply: list[int] = []
        for seq, (at, author, agent, text, kind, internal) in enumerate(p.messages, start=1):
            agent_id = agents.get(agent or "")
            row = (ticket.pk, seq, author, agent_id, text, internal, kind, p.channel, "", stamp(at))
            messages.append(row)
            if author in ("agent", "customer") and not internal:
                seq_of_reply.append(seq)
        replies = iter(seq_of_reply[1:])  # the opening message has no reply event
        for at, kind, on, actor, data in p.events:
            if kind in ("ticket.replied", "ticket.customer_replied"):
                data = {**data, "message_seq": next(replies, 0)}
            if kind == "ticket.assigned":
                data = {**data, "agent": agents.get(data["agent"])}
            subject = ticket.pk if on == TICKET else ticket.conversation_id
            events.append(
                (kind, agents.get(actor or ""), on, str(subject), as_json(data, None), stamp(at))
            )
        if p.rating is not None:
            at, score, comment = p.rating
            ratings.append(
                SatisfactionRating(ticket_id=ticket.pk, score=score, comment=comment, created_at=at)
            )
    # Tens of thousands of rows: one executemany each instead of building model instances.
    message_fields = [
        "ticket",
        "seq",
        "author",
        "agent",
        "text",
        "internal",
        "kind",
        "channel",
        "client_id",
        "created_at",
    ]
    _insert(Message, message_fields, messages)
    _insert(Event, ["kind", "actor", "subject_type", "subject_id", "data", "created_at"], events)
    SatisfactionRating.objects.bulk_create(ratings, batch_size=1000)
    return len(tickets)


def _insert(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    column = {f.name: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(quote(column[name]) for name in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
