"""JSON frames of the chat protocol (docs/chat-protocol.md), built from models."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from kefu.tickets.models import Author, Message, Ticket

TOKEN_SALT = "kefu.chat.conversation"


def conversation_token(ticket: Ticket) -> str:
    """The capability to resume a conversation, kept by the widget; bound to the ticket."""
    return signing.Signer(salt=TOKEN_SALT).sign(str(ticket.public_id)).split(":", 1)[1]


def token_matches(ticket: Ticket, token: Any) -> bool:
    if not isinstance(token, str):
        return False
    try:
        signing.Signer(salt=TOKEN_SALT).unsign(f"{ticket.public_id}:{token}")
    except signing.BadSignature:
        return False
    return True


def attachment_frame(message: Message, token: str | None = None) -> dict[str, Any] | None:
    attachment = message.attachment
    if attachment is None:
        return None
    url = reverse("chat-attachment", args=[attachment.pk])
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": f"{url}?token={token}" if token else url,
    }


def message_frame(
    message: Message, *, conversation: str, token: str | None = None
) -> dict[str, Any]:
    if message.author == Author.AGENT and message.agent is not None:
        name = str(message.agent)
    else:
        name = ""
    return {
        "type": "message",
        "conversation": conversation,
        "seq": message.seq,
        "client_id": message.client_id or None,
        "author": message.author,
        "name": name,
        "text": message.text,
        "internal": message.internal,
        "kind": message.kind,
        "attachment": attachment_frame(message, token),
        "created_at": message.created_at.isoformat(),
    }


def chat_summary(ticket: Ticket, *, queue: str | None = None) -> dict[str, Any]:
    customer = ticket.customer
    last = (
        ticket.messages.filter(author=Author.CUSTOMER)
        .order_by("-seq")
        .values_list("text", flat=True)
        .first()
    )
    since = ticket.queued_at or ticket.created_at
    return {
        "conversation": str(ticket.public_id),
        "number": ticket.number,
        "customer": {
            "id": customer.exchange_uid if customer else None,
            "name": str(customer) if customer else None,
            "vip_tier": customer.vip_tier if customer else None,
        },
        "language": ticket.language,
        "queue": queue,
        "priority": ticket.priority,
        "waiting_seconds": round((timezone.now() - since).total_seconds()),
        "state": ticket.chat_state,
        "last_text": (last or "")[:200],
    }
