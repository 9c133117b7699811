"""A person takes over a Telegram conversation: the agent works in the real console (its
WebSocket consumer), sees the Telegram customer's messages live, and what the agent says
arrives in the customer's Telegram chat; ending the chat offers a rating there."""

from __future__ import annotations

import uuid
from typing import Any

import channels.db
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import override_settings

from kefu.accounts.models import Agent
from kefu.assistant.matching import knowledge
from kefu.connectors.telegram import outbound
from kefu.connectors.webchat import service
from kefu.tickets.models import ChatState, Ticket

from ..chat.conftest import console_socket
from .bot_api import FakeBotApi
from .conftest import USER, Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def console_in_tests(monkeypatch: Any) -> Any:
    """As in tests/chat: no routing clock (the test drives routing), and the test's database
    connection kept open across Channels' database calls."""
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)
    with override_settings(KEFU_ROUTING_TICK_SECONDS=0):
        yield


def test_an_agent_takes_over_and_answers_in_telegram(
    desk: None,
    webhook: Webhook,
    telegram: FakeBotApi,
    django_capture_on_commit_callbacks: Any,
) -> None:
    knowledge.knowledge()  # trained before sockets open, as `kefu serve` does
    post = sync_to_async(webhook.post)

    async def scenario() -> str:
        agent = await Agent.objects.aget(username="agent.sam")
        console, _welcome = await console_socket(agent)
        await console.send({"type": "presence", "status": "online"})
        await console.until(lambda f: f["type"] == "presence")

        await post(webhook.private("My futures position was liquidated, I don't understand why"))
        await post(webhook.private("/human"))
        assigned = await console.until(lambda f: f["type"] == "assigned")
        conversation = assigned["chat"]["conversation"]
        await console.send({"type": "open", "conversation": conversation, "last_seq": 0})
        chat = await console.until(lambda f: f["type"] == "chat")
        assert chat["customer"]["identified"] is False
        assert any("not linked" in note for note in chat["notes"])
        await console.until(
            lambda f: f["type"] == "message" and f["text"].startswith("My futures position")
        )

        await console.send(
            {
                "type": "message",
                "conversation": conversation,
                "client_id": str(uuid.uuid4()),
                "text": "Hi, Sam here. Which position was it?",
            }
        )
        await console.until(lambda f: f["type"] == "ack")
        # The customer answers in Telegram: the console sees it at once.
        await post(webhook.private("BTCUSDT perpetual, yesterday"))
        await console.until(
            lambda f: (
                f["type"] == "message"
                and f["author"] == "customer"
                and f["text"] == "BTCUSDT perpetual, yesterday"
            )
        )
        await console.close()
        return conversation

    conversation = async_to_sync(scenario)()
    # The console's own writes ran inside the test's transaction, whose commit (and the send
    # job it starts) never comes: the periodic retry sends what the outbox holds.
    outbound.send_due()

    ticket = Ticket.objects.get(public_id=conversation)
    assert ticket.chat_state == ChatState.ASSIGNED
    said = telegram.texts(USER)
    assert "Connecting you with a person. You can keep writing while you wait." in said
    assert "Sam Carter has joined the chat." in said
    assert said[-1] == "Sam Carter:\nHi, Sam here. Which position was it?"
    assert said.index("Sam Carter has joined the chat.") < len(said) - 1

    agent = Agent.objects.get(username="agent.sam")
    with django_capture_on_commit_callbacks(execute=True):
        service.agent_end(agent, ticket, "solved")
    ended = telegram.sent()[-1]
    assert ended.params["text"].startswith("This conversation has ended.")
    assert "inline_keyboard" in ended.params["reply_markup"]
    # Internal notes never leave the desk.
    assert not any("user id" in text for text in telegram.texts(USER))
