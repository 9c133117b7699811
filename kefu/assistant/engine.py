"""One customer message in, one assistant reply out.

The order of the checks is the policy: a request for a person is never argued with; urgent
security matters skip every question; advice is refused before matching can "answer" it;
anger and repetition hand over; only then does the assistant continue a flow or match the
help center. Every turn is stored with secrets masked, under a per-conversation row lock so
two workers never answer the same conversation at once.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from kefu.accounts.models import Customer
from kefu.trust.masking import kinds_of, mask_secrets, without_placeholders

from . import actions, flows, guardrails, notices, replies
from .entities import extract_entities
from .language import detect_language, reply_language
from .matching.direction import asks_whereabouts, side_of
from .matching.knowledge import ArticleCard, Knowledge, knowledge
from .models import Conversation, HandoffPriority, Turn
from .normalize import normalize_message
from .smalltalk import small_talk

MAX_MESSAGE = 4000
# Unanswered messages in a row before the assistant stops guessing and hands over.
MAX_FAILURES = 2


class AssistantError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class AssistantReply:
    conversation_id: str
    reply: str
    kind: str  # answer | clarify | flow | handoff | refusal | smalltalk | unknown | silent
    language: str
    article_ids: list[int] = field(default_factory=list)
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    handoff: dict[str, Any] | None = None
    masked: list[str] = field(default_factory=list)


@dataclass
class Turnaround:
    """What the decision steps produce before it is stored and returned."""

    reply: str
    kind: str
    intent: str = ""
    confidence: float | None = None
    article_ids: list[int] = field(default_factory=list)
    handoff_reason: str = ""
    handoff_priority: str = ""


def validate_message(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise AssistantError("text_empty", "Send a message with some text.")
    if len(text) > MAX_MESSAGE:
        raise AssistantError("text_too_long", f"Messages are limited to {MAX_MESSAGE} characters.")
    return text.strip()


def respond(
    text: Any,
    *,
    conversation: Conversation | None = None,
    customer: Customer | None = None,
    language: str | None = None,
) -> AssistantReply:
    message = validate_message(text)
    masked, secrets = mask_secrets(message)
    detected = detect_language(masked)
    lang = reply_language(detected, language or (conversation.language if conversation else None))
    with transaction.atomic():
        if conversation is None:
            conversation = actions.start_conversation(customer, lang)
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        extracted = extract_entities(masked)
        found = [_entity_dict(e) for e in extracted]
        previous = _last_customer_text(conversation)
        actions.record_turn(conversation, Turn.Role.CUSTOMER, masked, entities=found)
        _remember_entities(conversation, found)
        if conversation.human_active:
            return AssistantReply(str(conversation.public_id), "", "silent", lang, entities=found)
        context = flows.Context(
            conversation=conversation,
            customer=conversation.customer,
            message=masked,
            question=_without_identifiers(masked, extracted),
            normalized=normalize_message(masked),
            language=lang,
            entities=found,
        )
        outcome = _decide(context, previous, bool(secrets))
        _prepend_notices(conversation, masked, outcome, lang)
        if secrets:
            warning = replies.secret_warning(kinds_of(secrets), lang)
            outcome.reply = f"{warning}\n\n{outcome.reply}".strip() if outcome.reply else warning
        handoff = None
        if outcome.handoff_reason:
            summary = _summary(conversation, outcome)
            actions.hand_over(
                conversation,
                reason=outcome.handoff_reason,
                priority=outcome.handoff_priority,
                summary=summary,
            )
            handoff = {
                "reason": outcome.handoff_reason,
                "priority": outcome.handoff_priority,
                "summary": summary,
            }
        if outcome.kind != "smalltalk":
            conversation.failures = conversation.failures + 1 if outcome.kind == "unknown" else 0
        conversation.language = lang
        conversation.save(update_fields=["state", "failures", "language", "updated_at"])
        actions.record_turn(
            conversation,
            Turn.Role.ASSISTANT,
            outcome.reply,
            kind=outcome.kind,
            intent=outcome.intent,
            confidence=outcome.confidence,
        )
    return AssistantReply(
        conversation_id=str(conversation.public_id),
        reply=outcome.reply,
        kind=outcome.kind,
        language=lang,
        article_ids=outcome.article_ids,
        confidence=outcome.confidence,
        entities=found,
        handoff=handoff,
        masked=kinds_of(secrets),
    )


def _decide(context: flows.Context, previous: str | None, had_secret: bool) -> Turnaround:
    message, lang = context.normalized, context.language
    state = context.conversation.state
    if guardrails.asks_for_human(message):
        return Turnaround(
            replies.handoff("request", lang),
            "handoff",
            intent="human_request",
            handoff_reason="customer_request",
            handoff_priority=HandoffPriority.NORMAL,
        )
    pending = flows.continue_pending(context)
    if pending is not None:
        return _from_step(pending)
    if guardrails.is_urgent(message):
        step = flows.start_urgent(context)
        return Turnaround(
            step.reply,
            "handoff",
            intent="account_security",
            handoff_reason="urgent_security",
            handoff_priority=HandoffPriority.URGENT,
        )
    if guardrails.asks_investment_advice(message):
        return Turnaround(replies.refusal_investment(lang), "refusal", intent="investment_advice")
    if had_secret and len(without_placeholders(message).strip()) < 4:
        return Turnaround("", "refusal", intent="secret_shared")
    # Inside a flow, "好的" or "可以" may answer its question; the flow reads it first.
    chatter = None if state.get("flow") else small_talk(message)
    if chatter is not None:
        # Greetings and thanks are neither a question to match nor a failure to count.
        return Turnaround(replies.small_talk(chatter, lang), "smalltalk", intent=str(chatter))
    repeated = previous is not None and _gist(previous) == _gist(message)
    if guardrails.is_angry(message) or repeated:
        return Turnaround(
            replies.handoff("frustration", lang),
            "handoff",
            intent="frustration" if not repeated else "repeated_question",
            handoff_reason="frustration" if not repeated else "repeated_question",
            handoff_priority=HandoffPriority.HIGH,
        )
    if state.get("flow"):
        resumed = flows.resume(context)
        if resumed is not None:
            return _from_step(resumed)
    chosen = _clarification_choice(context)
    brain = knowledge()
    if chosen is not None:
        return _answer(brain, chosen, lang, confidence=None)
    return _match(context, brain)


def _match(context: flows.Context, brain: Knowledge) -> Turnaround:
    lang, state = context.language, context.conversation.state
    if context.customer is not None and context.fact_in_message("order_id"):
        return _from_step(flows.start_named(context, "order"))
    prediction = brain.match(context.question)
    if prediction is None:
        return _unknown(context)
    card = brain.cards.get(prediction.label)
    confidence = round(prediction.confidence, 4)
    top_slugs = [brain.cards[r.label].slug for r in prediction.ranking[:2]]
    sure = prediction.confidence >= settings.KEFU_ASSISTANT_ANSWER_THRESHOLD or (
        confidence >= _clarify_threshold() and flows.settles_doubt(context, top_slugs)
    )
    if not sure:
        status = _status_card(context, brain)
        if status is not None:
            card, sure = status, True
    if card is not None and sure:
        step = flows.start_for_article(context, card.slug)
        if step is not None:
            turnaround = _from_step(step)
            turnaround.confidence = confidence
            turnaround.article_ids = [card.article_id]
            return turnaround
        return _answer(brain, str(card.article_id), lang, confidence=confidence)
    if prediction.confidence >= _clarify_threshold():
        options = [brain.cards[r.label] for r in prediction.ranking[:3] if r.label in brain.cards]
        state["clarify"] = [str(c.article_id) for c in options]
        return Turnaround(
            replies.clarify(options, lang),
            "clarify",
            intent="clarify",
            confidence=confidence,
            article_ids=[c.article_id for c in options],
        )
    return _unknown(context, confidence)


def _status_card(context: flows.Context, brain: Knowledge) -> ArticleCard | None:
    """ "我的提现到哪了", "where's my deposit": too short for the matcher to be sure, but the
    direction it names and its asking after something sent say which status check it is."""
    side = side_of(context.normalized)
    if side is None or not asks_whereabouts(context.normalized):
        return None
    slug = flows.STATUS_ARTICLES[side]
    return next((c for c in brain.cards.values() if c.slug == slug), None)


def _clarify_threshold() -> float:
    return float(settings.KEFU_ASSISTANT_CLARIFY_THRESHOLD)


def _unknown(context: flows.Context, confidence: float | None = None) -> Turnaround:
    lang = context.language
    if context.conversation.failures + 1 >= MAX_FAILURES:
        return Turnaround(
            replies.handoff("not_understood", lang),
            "handoff",
            intent="not_understood",
            confidence=confidence,
            handoff_reason="not_understood",
            handoff_priority=HandoffPriority.NORMAL,
        )
    return Turnaround(replies.unknown(lang), "unknown", confidence=confidence)


def _answer(brain: Knowledge, label: str, lang: str, confidence: float | None) -> Turnaround:
    card = brain.cards[label]
    return Turnaround(
        replies.answer(card, lang),
        "answer",
        intent=card.slug,
        confidence=confidence,
        article_ids=[card.article_id],
    )


def _clarification_choice(context: flows.Context) -> str | None:
    options = context.conversation.state.pop("clarify", None)
    if not options:
        return None
    choice = context.normalized.strip(" .。")
    if choice.isdigit() and 1 <= int(choice) <= len(options):
        return str(options[int(choice) - 1])
    return None


def _prepend_notices(conversation: Conversation, text: str, outcome: Turnaround, lang: str) -> None:
    """Status notices (an ongoing incident) before the reply, each once per conversation."""
    question = notices.Question(text, outcome.intent, lang, conversation.state.get("facts", []))
    told = conversation.state.get("notices", [])
    fresh = [n for n in notices.notices_for(question) if n.key not in told]
    if fresh:
        conversation.state["notices"] = [*told, *(n.key for n in fresh)]
        said = "\n\n".join(n.text for n in fresh)
        outcome.reply = f"{said}\n\n{outcome.reply}".strip()


def _from_step(step: flows.Step) -> Turnaround:
    return Turnaround(
        step.reply,
        "handoff" if step.handoff_reason else "flow",
        intent=step.flow,
        handoff_reason=step.handoff_reason,
        handoff_priority=step.handoff_priority,
    )


IDENTIFIER_KINDS = {"tx_hash", "address", "order_id", "uid", "ticket", "invalid_address"}


def _without_identifiers(text: str, entities: list[Any]) -> str:
    """The question without hashes, addresses and ids: their characters say nothing about the
    topic and would only add noise to the matcher's character n-grams."""
    for entity in sorted(entities, key=lambda e: e.start, reverse=True):
        if entity.kind in IDENTIFIER_KINDS:
            text = text[: entity.start] + " " + text[entity.end :]
    return text


def _gist(text: str) -> str:
    """The words of a message without punctuation, to notice a question asked again."""
    return re.sub(r"[\W_]+", "", normalize_message(text))


def _entity_dict(entity: Any) -> dict[str, Any]:
    data = dataclasses.asdict(entity)
    return {k: v for k, v in data.items() if k in ("kind", "value", "text", "attrs")}


def _remember_entities(conversation: Conversation, found: list[dict[str, Any]]) -> None:
    facts = conversation.state.setdefault("facts", [])
    for entity in found:
        fact = {"kind": entity["kind"], "value": entity["value"]}
        if fact not in facts:
            facts.append(fact)


def _last_customer_text(conversation: Conversation) -> str | None:
    turn = (
        conversation.turns.filter(role=Turn.Role.CUSTOMER)
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)
        .first()
    )
    return turn


def _summary(conversation: Conversation, outcome: Turnaround) -> dict[str, Any]:
    return summarize(conversation, outcome.intent)


def summarize(conversation: Conversation, intent: str = "") -> dict[str, Any]:
    """What the agent who takes over reads first."""
    state = conversation.state
    return {
        "intent": intent,
        "language": conversation.language,
        "customer": conversation.customer.exchange_uid if conversation.customer else None,
        "entities": state.get("facts", []),
        "steps": state.get("steps", []),
        "results": state.get("results", []),
        "last_messages": list(
            conversation.turns.filter(role=Turn.Role.CUSTOMER)
            .order_by("-created_at", "-id")
            .values_list("text", flat=True)[:5]
        )[::-1],
    }
