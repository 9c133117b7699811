"""Scaled mode stores chat messages and receipts from the event loop (``on_loop``): the same
answers as the database thread's path, and that path takes over whatever the loop cannot settle.

These tests commit (the loop's connection cannot see a test's open transaction), so they need
PostgreSQL, where scaled mode runs; embedded mode has no such path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from kefu.accounts.demo_data import load_demo_accounts
from kefu.connectors.webchat import on_loop, service
from kefu.exchange.demo_data import load_demo_exchange
from kefu.routing.demo_data import load_demo_routing
from kefu.tickets.models import Author, Message
from kefu.trust.notices import NOTICE_KIND

from .conftest import client_id, identity
from .test_message_store import console_refused_once_the_chat_is_someone_elses
from .test_socket_protocol import ALICE, agent_says, assigned_chat, customer_says, ticket_of

pytestmark = [
    pytest.mark.skipif(
        not on_loop.enabled(),
        reason="scaled mode (PostgreSQL) only: embedded mode has no loop path",
    ),
    pytest.mark.django_db(transaction=True),
]

SEED_PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
THREAD_PATH = ("customer_message", "agent_message", "customer_receipt", "agent_receipt")


@pytest.fixture
def committed_desk(transactional_db: None) -> None:
    load_demo_accounts()
    load_demo_exchange()
    load_demo_routing()


@pytest.fixture
def thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the database thread's message and receipt services, as they are called."""
    calls: list[str] = []

    def counted(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return original(*args, **kwargs)

        return call

    for name in THREAD_PATH:
        monkeypatch.setattr(service, name, counted(name, getattr(service, name)))
    return calls


def test_a_conversation_with_receipts_never_waits_for_the_database_thread(
    committed_desk: None, thread_calls: list[str]
) -> None:
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        first = await customer_says(customer, "my deposit is missing")
        heard = await console.until(lambda f: f["type"] == "message" and f["seq"] == first["seq"])
        assert heard["text"] == "my deposit is missing" and heard["author"] == "customer"
        reply = await agent_says(console, conv, "Let me check")
        assert reply["seq"] == first["seq"] + 1
        got = await customer.until(lambda f: f["type"] == "message" and f["seq"] == reply["seq"])
        assert got["text"] == "Let me check" and got["name"]

        await customer.send({"type": "read", "seq": reply["seq"]})
        receipt = await console.until(lambda f: f["type"] == "receipt")
        assert (receipt["reader"], receipt["read_seq"]) == ("customer", reply["seq"])
        await console.send({"type": "read", "conversation": conv, "seq": first["seq"]})
        receipt = await customer.until(lambda f: f["type"] == "receipt")
        assert (receipt["reader"], receipt["read_seq"]) == ("agent", first["seq"])

        ticket = await ticket_of(conv)
        assert ticket.last_seq == reply["seq"]
        assert (ticket.customer_read_seq, ticket.agent_read_seq) == (reply["seq"], first["seq"])
        texts = [m.text async for m in Message.objects.filter(ticket=ticket).order_by("seq")]
        assert texts[-2:] == ["my deposit is missing", "Let me check"]
        for socket in (customer, console):
            await socket.close()

    async_to_sync(scenario)()
    assert thread_calls == []


def test_a_retried_client_id_is_acknowledged_with_the_first_number(
    committed_desk: None, thread_calls: list[str]
) -> None:
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        cid = client_id()
        first = await customer_says(customer, "hello?", cid)
        again = await customer_says(customer, "hello?", cid)
        assert again == first
        ticket = await ticket_of(welcome["conversation"])
        assert await Message.objects.filter(ticket=ticket, client_id=cid).acount() == 1
        assert ticket.last_seq == first["seq"]
        for socket in (customer, console):
            await socket.close()

    async_to_sync(scenario)()
    assert thread_calls == ["customer_message"]  # the retry: the thread finds the stored one


def test_a_chat_taken_over_by_another_agent_refuses_the_first_agent(
    committed_desk: None, thread_calls: list[str]
) -> None:
    async_to_sync(console_refused_once_the_chat_is_someone_elses)()
    assert thread_calls == ["agent_message"]  # "Hello" on the loop; the refusal's code: thread


def test_a_secret_is_stored_masked_and_warned_about(
    committed_desk: None, thread_calls: list[str]
) -> None:
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        sent = await customer_says(customer, f"my words: {SEED_PHRASE}")
        notice = await customer.until(lambda f: f["type"] == "message" and f["author"] == "system")
        assert notice["seq"] == sent["seq"] + 1 and "seed phrase" in notice["text"]
        ticket = await ticket_of(welcome["conversation"])
        stored = await Message.objects.aget(ticket=ticket, seq=sent["seq"])
        assert "sausage" not in stored.text and "[masked: seed phrase]" in stored.text
        assert await Message.objects.filter(ticket=ticket, kind=NOTICE_KIND).acount() == 1
        for socket in (customer, console):
            await socket.close()

    async_to_sync(scenario)()
    assert thread_calls == ["customer_message"]


def test_a_lost_connection_hands_the_message_to_the_thread_then_reconnects(
    committed_desk: None, thread_calls: list[str]
) -> None:
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        one = await customer_says(customer, "one")
        for loop_connection in on_loop._lanes[asyncio.get_running_loop()].idle:
            await terminate(loop_connection.info.backend_pid)  # one: the messages took turns

        two = await customer_says(customer, "two")
        three = await customer_says(customer, "three")
        assert [one["type"], two["type"], three["type"]] == ["ack"] * 3
        assert [two["seq"], three["seq"]] == [one["seq"] + 1, one["seq"] + 2]
        ticket = await ticket_of(welcome["conversation"])
        texts = [
            m.text async for m in Message.objects.filter(ticket=ticket, author=Author.CUSTOMER)
        ]
        assert texts == ["one", "two", "three"]
        for socket in (customer, console):
            await socket.close()

    async_to_sync(scenario)()
    assert thread_calls == ["customer_message"]  # only "two"; "three" found a new connection


def test_statements_at_once_share_a_few_connections(transactional_db: None) -> None:
    """Slow commits overlap on several connections instead of queueing on one, and no more
    than ``LANES`` are ever opened."""

    async def scenario() -> list[Any]:
        rows = await asyncio.gather(
            *(on_loop._fetchone("SELECT pg_sleep(0.05), %(n)s", {"n": n}) for n in range(10))
        )
        lanes = on_loop._lanes[asyncio.get_running_loop()]
        opened = {c.info.backend_pid for c in lanes.idle}
        assert 1 < len(opened) <= on_loop.LANES
        return [row[1] for row in rows]

    assert async_to_sync(scenario)() == list(range(10))


async def terminate(backend_pid: int) -> None:
    from channels.db import database_sync_to_async

    def kill() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])

    await database_sync_to_async(kill)()
