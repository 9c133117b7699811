"""Writes of the assistant: conversations, turns and hand-overs, each recorded as an event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Customer
from kefu.events.services import record_event

from .models import Conversation, Turn


def start_conversation(customer: Customer | None, language: str) -> Conversation:
    with transaction.atomic():
        conversation = Conversation.objects.create(customer=customer, language=language)
        record_event(
            "assistant.conversation_started",
            conversation,
            data={"customer": customer.exchange_uid if customer else None, "language": language},
        )
    return conversation


def record_turn(
    conversation: Conversation,
    role: str,
    text: str,
    *,
    kind: str = "",
    intent: str = "",
    confidence: float | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Turn:
    return Turn.objects.create(
        conversation=conversation,
        role=role,
        text=text,
        kind=kind,
        intent=intent,
        confidence=confidence,
        entities=entities or [],
    )


def hand_over(
    conversation: Conversation, *, reason: str, priority: str, summary: dict[str, Any]
) -> Conversation:
    """Mark the conversation for a person; routing picks it up from the event."""
    conversation.handed_over_at = timezone.now()
    conversation.handoff_reason = reason
    conversation.handoff_priority = priority
    conversation.handoff_summary = summary
    conversation.save(
        update_fields=[
            "handed_over_at",
            "handoff_reason",
            "handoff_priority",
            "handoff_summary",
            "updated_at",
        ]
    )
    record_event(
        "assistant.handed_over",
        conversation,
        data={"reason": reason, "priority": priority, "summary": summary},
    )
    return conversation


def person_took_over(conversation: Conversation, agent: Any = None) -> Conversation:
    conversation.human_active = True
    conversation.save(update_fields=["human_active", "updated_at"])
    record_event("assistant.silenced", conversation, actor=agent)
    return conversation
