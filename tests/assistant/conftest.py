"""Conversations against the demo help center and the demo back office."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.test import Client

from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Customer
from kefu.assistant.engine import AssistantReply, respond
from kefu.assistant.matching import knowledge
from kefu.assistant.models import Conversation
from kefu.exchange.demo_data import load_demo_exchange

Say = Callable[..., AssistantReply]


@pytest.fixture(autouse=True)
def fresh_knowledge():
    knowledge.reset()
    yield
    knowledge.reset()


@pytest.fixture
def exchange(db):
    load_demo_exchange()


@pytest.fixture
def chat(db) -> Callable[[str | None], Say]:
    """``chat(uid)`` opens a conversation as that customer (``None``: anonymous)."""

    def open_chat(uid: str | None) -> Say:
        customer = Customer.objects.get_or_create(exchange_uid=uid)[0] if uid else None
        state: dict[str, Conversation | None] = {"conversation": None}

        def say(text: str, **kwargs: object) -> AssistantReply:
            reply = respond(text, conversation=state["conversation"], customer=customer, **kwargs)
            state["conversation"] = Conversation.objects.get(public_id=reply.conversation_id)
            return reply

        return say

    return open_chat


def signed(uid: str) -> dict[str, str]:
    expires = int(time.time()) + 3600
    return {
        "customer_id": uid,
        "customer_expires": expires,
        "customer_signature": sign_customer(uid, expires),
    }


@pytest.fixture
def api(db) -> Callable[..., tuple[int, dict]]:
    client = Client()

    def post(payload: object) -> tuple[int, dict]:
        response = client.post("/api/v1/assistant/reply", payload, content_type="application/json")
        return response.status_code, response.json()

    return post
