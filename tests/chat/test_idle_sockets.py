"""A chat left quiet must stay open: sockets wait for their next frame in the channel layer's
blocking read, and a client library's read timeout shorter than that wait closed every chat
that went quiet for five seconds in scaled mode."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .test_socket_protocol import agent_says, assigned_chat, customer_says


def longer_than_one_blocking_read() -> float:
    """Seconds of silence that span one whole blocking read of the layer (Redis: its pop
    timeout; the in-memory layer has none, so a short pause suffices)."""
    return float(getattr(get_channel_layer(), "brpop_timeout", 0)) + 1.5


def test_a_quiet_chat_still_carries_messages_both_ways(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat()
        conversation = welcome["conversation"]
        await customer.drain()
        await console.drain()

        await asyncio.sleep(longer_than_one_blocking_read())

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
