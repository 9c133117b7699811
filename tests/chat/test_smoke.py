from __future__ import annotations

from asgiref.sync import async_to_sync

from kefu.accounts.models import Agent
from kefu.assistant.matching import knowledge

from .conftest import client_id, console_socket, customer_socket, identity


def test_customer_reaches_agent(desk):
    # Train before any socket is open, as `kefu serve` does at start: training holds the
    # interpreter for seconds, long enough for a channel layer read to time out.
    knowledge.knowledge()

    async def scenario() -> None:
        agent = await Agent.objects.aget(username="agent.sam")
        console, _welcome = await console_socket(agent)
        await console.send({"type": "presence", "status": "online"})
        await console.until(lambda f: f["type"] == "presence")
        customer, hello = await customer_socket(identity("100003"))
        assert hello["type"] == "welcome", hello
        await customer.until(lambda f: f["type"] == "message" and f["author"] == "assistant")
        await customer.send({"type": "message", "client_id": client_id(), "text": "hello there"})
        ack = await customer.until(lambda f: f["type"] == "ack")
        assert ack["seq"] == 2
        await customer.send({"type": "handoff"})
        state = await customer.until(lambda f: f["type"] == "state" and f["state"] == "assigned")
        assert state["agent"] == "Sam Carter"
        assigned = await console.until(lambda f: f["type"] == "assigned")
        conv = assigned["chat"]["conversation"]
        await console.send({"type": "open", "conversation": conv, "last_seq": 0})
        chat = await console.until(lambda f: f["type"] == "chat")
        assert chat["customer"]["identified"] is True
        await console.send(
            {
                "type": "message",
                "conversation": conv,
                "client_id": client_id(),
                "text": "Hi, Sam here",
            }
        )
        got = await customer.until(lambda f: f["type"] == "message" and f["author"] == "agent")
        assert got["text"] == "Hi, Sam here"
        await customer.close()
        await console.close()

    async_to_sync(scenario)()
