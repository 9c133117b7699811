"""Writes of tickets and their messages. Each runs in one transaction; state changes record an
event (messages are themselves the record of what was said)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from kefu.accounts.models import Agent, Customer
from kefu.errors import ApiError
from kefu.events.services import record_event

from .models import (
    Attachment,
    Author,
    Channel,
    ChatState,
    Message,
    Resolution,
    SatisfactionRating,
    Status,
    Ticket,
)

MAX_CLIENT_ID = 64


def open_chat(
    customer: Customer | None,
    language: str,
    conversation: Any = None,
    channel: str = Channel.CHAT,
) -> Ticket:
    with transaction.atomic():
        ticket = Ticket.objects.create(
            customer=customer,
            channel=channel,
            status=Status.NEW,
            chat_state=ChatState.ASSISTANT,
            language=language,
            conversation=conversation,
        )
        record_event(
            "ticket.opened",
            ticket,
            data={"channel": channel, "customer": customer.exchange_uid if customer else None},
        )
    return ticket


def validate_text(text: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(text, str):
        raise ApiError("text_empty", "Send a message with some text.")
    text = text.strip()
    if not text and not allow_empty:
        raise ApiError("text_empty", "Send a message with some text.")
    if len(text) > settings.KEFU_CHAT_MAX_MESSAGE:
        raise ApiError(
            "text_too_long", f"Messages are limited to {settings.KEFU_CHAT_MAX_MESSAGE} characters."
        )
    return text


def post_message(
    ticket: Ticket,
    *,
    author: str,
    text: str,
    client_id: str = "",
    agent: Agent | None = None,
    internal: bool = False,
    attachment: Attachment | None = None,
    kind: str = "",
    channel: str = "",
    guard: Callable[[Ticket], None] | None = None,
) -> tuple[Message, bool]:
    """Store a message with the ticket's next number. A ``client_id`` already stored on this
    ticket returns that message and ``False``: retries after a lost acknowledgement are safe.

    ``guard`` sees the ticket as locked for the write and raises to refuse the message (the chat
    has ended, the agent is no longer assigned); checking there rather than on a copy read
    earlier saves a round trip per message and cannot race. Afterwards ``ticket`` carries the
    locked row's state.
    """
    if len(client_id) > MAX_CLIENT_ID:
        raise ApiError("invalid_client_id", f"client_id is limited to {MAX_CLIENT_ID} characters.")
    try:
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if guard is not None:
                try:
                    guard(locked)
                except ApiError:
                    stored = _stored(ticket, client_id)
                    if stored is None:
                        raise
                    return stored, False
            seq = locked.last_seq + 1
            # A retried client id fails the unique constraint here (no lookup first: retries
            # are rare, messages are not).
            message = Message.objects.create(
                ticket=locked,
                seq=seq,
                author=author,
                agent=agent,
                text=text,
                internal=internal,
                kind=kind,
                client_id=client_id,
                attachment=attachment,
                channel=channel or locked.channel,
            )
            updates: dict[str, Any] = {"last_seq": seq, "updated_at": timezone.now()}
            if author == Author.CUSTOMER and locked.status == Status.PENDING:
                updates["status"] = Status.OPEN
            Ticket.objects.filter(pk=locked.pk).update(**updates)
    except IntegrityError:
        existing = _stored(ticket, client_id)
        if existing is None:
            raise
        return existing, False
    ticket.last_seq = seq
    ticket.status = updates.get("status", locked.status)
    ticket.chat_state = locked.chat_state
    ticket.assignee_id = locked.assignee_id
    return message, True


def _stored(ticket: Ticket, client_id: str) -> Message | None:
    if not client_id:
        return None
    return Message.objects.filter(ticket=ticket, client_id=client_id).first()


def record_receipt(
    ticket: Ticket, reader: str, *, delivered: int | None = None, read: int | None = None
) -> tuple[int, int]:
    """Advance how far ``reader`` (customer or agent) has received and read; never backwards,
    never past the last message. One conditional UPDATE (no lock: it only moves forward) and
    one read of the result. Returns (delivered, read) after the update."""
    prefix = "customer" if reader == Author.CUSTOMER else "agent"
    delivered_field, read_field = f"{prefix}_delivered_seq", f"{prefix}_read_seq"
    if delivered is not None or read is not None:
        new_read = Greatest(F(read_field), Least(Value(read or 0), F("last_seq")))
        new_delivered = Greatest(
            F(delivered_field), Least(Value(delivered or 0), F("last_seq")), new_read
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            **{delivered_field: new_delivered, read_field: new_read}
        )
    row = Ticket.objects.filter(pk=ticket.pk).values_list(delivered_field, read_field).get()
    return int(row[0]), int(row[1])


def mark_queued(ticket: Ticket, *, priority: str, team: Any, reason: str) -> Ticket:
    ticket.chat_state = ChatState.QUEUED
    ticket.status = Status.OPEN
    ticket.priority = priority
    ticket.team = team
    ticket.queued_at = ticket.queued_at or timezone.now()
    ticket.customer_seen_at = timezone.now()
    ticket.assignee = None
    ticket.save(
        update_fields=[
            "chat_state",
            "status",
            "priority",
            "team",
            "queued_at",
            "customer_seen_at",
            "assignee",
        ]
    )
    record_event(
        "ticket.queued",
        ticket,
        data={"priority": priority, "team": team.slug if team else None, "reason": reason},
    )
    return ticket


def assign(ticket: Ticket, agent: Agent, *, waited: float, estimate: float | None) -> Ticket:
    ticket.chat_state = ChatState.ASSIGNED
    ticket.assignee = agent
    ticket.assigned_at = timezone.now()
    ticket.save(update_fields=["chat_state", "assignee", "assigned_at", "updated_at"])
    if ticket.conversation is not None:
        ticket.conversation.human_active = True
        ticket.conversation.save(update_fields=["human_active", "updated_at"])
    record_event(
        "ticket.assigned",
        ticket,
        actor=agent,
        data={"agent": agent.pk, "wait_seconds": round(waited, 3), "estimate_seconds": estimate},
    )
    return ticket


def end_chat(
    ticket: Ticket, *, by: str, resolution: str, agent: Agent | None = None, keep_open: bool = False
) -> Ticket:
    """End the live part of the case. ``keep_open`` continues it as a ticket (still open)."""
    if resolution not in Resolution.values:
        raise ApiError("invalid_resolution", "Unknown resolution code.")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.chat_state == ChatState.ENDED:
            return locked
        locked.chat_state = ChatState.ENDED
        locked.ended_at = timezone.now()
        locked.resolution = resolution
        locked.status = Status.OPEN if keep_open else Status.SOLVED
        locked.save(update_fields=["chat_state", "ended_at", "resolution", "status", "updated_at"])
        record_event(
            "ticket.chat_ended",
            locked,
            actor=agent,
            data={"by": by, "resolution": resolution, "kept_open": keep_open},
        )
    return locked


def rate(ticket: Ticket, score: Any, comment: Any) -> SatisfactionRating:
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ApiError("invalid_rating", "The score is a whole number from 1 to 5.")
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > settings.KEFU_CHAT_MAX_MESSAGE:
        raise ApiError("invalid_rating", "The comment is text of at most 2000 characters.")
    if ticket.channel == Channel.CHAT and ticket.chat_state != ChatState.ENDED:
        raise ApiError("chat_not_ended", "The survey opens when the chat has ended.")
    if ticket.channel != Channel.CHAT and ticket.status not in (Status.SOLVED, Status.CLOSED):
        raise ApiError("ticket_not_solved", "The survey opens when the ticket is resolved.")
    with transaction.atomic():
        rating, created = SatisfactionRating.objects.get_or_create(
            ticket=ticket, defaults={"score": score, "comment": comment.strip()}
        )
        if not created:
            raise ApiError("already_rated", "This chat has already been rated.", 409)
        record_event("ticket.rated", ticket, data={"score": score})
    return rating


def transfer(
    ticket: Ticket, *, by: Agent, team: Any = None, to_agent: Agent | None = None, note: str = ""
) -> Ticket:
    """Record a transfer; routing then re-queues (team) or assigns (agent)."""
    record_event(
        "ticket.transferred",
        ticket,
        actor=by,
        data={
            "team": team.slug if team else None,
            "agent": to_agent.pk if to_agent else None,
            "note": note,
        },
    )
    return ticket
