"""A chat left quiet must stay open. In scaled mode a socket's frames come through Redis, and a
Redis client that gave up on a read after 5 s (redis-py 8's default) while the channel layer
waited for the next frame in a 5 s blocking read closed every chat that went quiet that long."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from django.conf import settings

from .test_socket_protocol import agent_says, assigned_chat, customer_says

# Longer than redis-py's default read timeout and the list-based layer's blocking read (5 s).
QUIET_SECONDS = 6.5


def quiet_for() -> float:
    """The in-memory layer of embedded mode has no reads to time out: a short pause will do."""
    return QUIET_SECONDS if settings.REDIS_URL else 1.5


def test_a_quiet_chat_still_carries_messages_both_ways(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat()
        conversation = welcome["conversation"]
        await customer.drain()
        await console.drain()

        await asyncio.sleep(quiet_for())

        ack = await customer_says(customer, "still there?")
        assert ack["type"] == "ack", ack
        heard = await console.until(lambda f: f["type"] == "message" and f["author"] == "customer")
        assert heard["text"] == "still there?"
        await agent_says(console, conversation, "Yes, still here")
        got = await customer.until(lambda f: f["type"] == "message" and f["author"] == "agent")
        assert got["text"] == "Yes, still here"
        await customer.close()
        await console.close()

    async_to_sync(scenario)()
