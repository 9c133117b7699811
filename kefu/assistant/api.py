"""``POST /api/v1/assistant/reply``: one message to the assistant, one reply back."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from kefu.accounts.identity import identify
from kefu.errors import ApiError
from kefu.trust import ratelimit

from .engine import AssistantError, respond
from .models import Conversation

router = Router(tags=["assistant"])


class ReplyIn(Schema):
    conversation_id: uuid.UUID | None = None
    text: str
    lang: Literal["zh-hans", "en"] | None = None
    customer_id: str | None = None
    customer_signature: str | None = None
    customer_expires: int | None = None


class HandoffOut(Schema):
    reason: str
    priority: str
    summary: dict[str, Any]


class EntityOut(Schema):
    kind: str
    value: str
    text: str
    attrs: dict[str, Any]


class ReplyOut(Schema):
    conversation_id: str
    reply: str
    kind: str
    language: str
    article_ids: list[int]
    confidence: float | None
    entities: list[EntityOut]
    handoff: HandoffOut | None
    masked: list[str]


@router.post("reply", response=ReplyOut, summary="Send a message to the assistant")
def reply(request: HttpRequest, payload: ReplyIn) -> dict[str, Any]:
    """``kind`` is answer, clarify, flow, handoff, refusal, smalltalk (greetings, thanks),
    unknown or silent (a person has taken over). Account checks need ``customer_id`` signed
    with the widget secret."""
    customer = identify(payload.customer_id, payload.customer_signature, payload.customer_expires)
    # Anonymous visitors are counted by conversation as well as by address.
    who = customer.pk if customer else payload.conversation_id
    ratelimit.hit_request(request, "assistant", customer=who)
    conversation = None
    if payload.conversation_id is not None:
        conversation = Conversation.objects.filter(public_id=payload.conversation_id).first()
        if conversation is None or conversation.customer_id != (customer.pk if customer else None):
            raise ApiError("conversation_not_found", "No such conversation.", 404)
    try:
        answer = respond(
            payload.text, conversation=conversation, customer=customer, language=payload.lang
        )
    except AssistantError as exc:
        raise ApiError(exc.code, exc.message) from exc
    return {
        "conversation_id": answer.conversation_id,
        "reply": answer.reply,
        "kind": answer.kind,
        "language": answer.language,
        "article_ids": answer.article_ids,
        "confidence": answer.confidence,
        "entities": answer.entities,
        "handoff": answer.handoff,
        "masked": answer.masked,
    }
