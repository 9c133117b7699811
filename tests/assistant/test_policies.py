"""Guardrails and hand-over triggers: advice refused, people reached, secrets never kept."""

from __future__ import annotations

import pytest
from mnemonic import Mnemonic

from kefu.assistant import actions
from kefu.assistant.models import Conversation, Turn
from kefu.events.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text", ["转人工", "我要人工客服", "I want to talk to a human", "agent please"]
)
def test_asking_for_a_person_hands_over_at_once(chat, text):
    reply = chat(None)(text)
    assert reply.kind == "handoff"
    assert reply.handoff["reason"] == "customer_request"
    assert Event.objects.filter(kind="assistant.handed_over").count() == 1


def test_the_assistant_is_silent_once_a_person_took_over(chat):
    say = chat(None)
    first = say("how do I set up 2FA?")
    actions.person_took_over(Conversation.objects.get(public_id=first.conversation_id))
    later = say("hello? anyone?")
    assert (later.kind, later.reply) == ("silent", "")
    assert Turn.objects.filter(text="hello? anyone?").exists()  # still recorded for the agent


@pytest.mark.parametrize(
    ("text", "language"),
    [("现在能抄底吗", "zh-hans"), ("should I long BTC now?", "en"), ("ETH会涨吗", "zh-hans")],
)
def test_investment_advice_gets_the_same_polite_refusal(chat, text, language):
    first, second = chat(None)(text), chat(None)(text + "?")
    assert first.kind == second.kind == "refusal"
    assert first.reply == second.reply
    assert first.language == language


def test_a_seed_phrase_is_masked_and_warned_about(chat):
    phrase = Mnemonic("english").generate(128)
    reply = chat(None)(f"my wallet words are {phrase} is my money safe?")
    assert reply.masked == ["seed_phrase"]
    assert "seed phrase" in reply.reply
    stored = Turn.objects.get(role=Turn.Role.CUSTOMER)
    # The whole text: a seed word can also be part of the message's own ("wall" in "wallet").
    assert stored.text == "my wallet words are [masked: seed phrase] is my money safe?"


def test_a_password_in_chinese_is_masked(chat):
    reply = chat(None)("我的密码是Beacon2024abc，帮我看看")
    assert reply.masked == ["password"]
    assert "Beacon2024abc" not in Turn.objects.get(role=Turn.Role.CUSTOMER).text


def test_anger_raises_priority_and_hands_over(chat):
    reply = chat(None)("你们在干什么！！！钱到底什么时候到")
    assert reply.kind == "handoff"
    assert reply.handoff["priority"] == "high"


def test_the_same_question_twice_hands_over(chat):
    say = chat(None)
    say("how long does a withdrawal take")
    again = say("How long does a withdrawal take?")
    assert again.kind == "handoff"
    assert again.handoff["reason"] == "repeated_question"


def test_urgent_takeover_skips_questions_and_hands_over_with_priority(chat, exchange):
    reply = chat(None)("someone logged into my account and withdrew my USDT!")
    assert reply.kind == "handoff"
    assert reply.handoff["priority"] == "urgent"
