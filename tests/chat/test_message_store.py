"""Chat messages keep their promises on the fast path: stored in one statement on PostgreSQL
(``kefu.connectors.webchat.store``), through ``post_message`` otherwise; and the chats a console
remembers never let it write where it may no longer."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from kefu.accounts.models import Agent, Customer
from kefu.connectors.webchat import store
from kefu.tickets import actions as tickets
from kefu.tickets.models import Author, ChatState, Message, Status, Ticket

from .conftest import client_id, identity
from .test_socket_protocol import ALICE, agent_says, assigned_chat, customer_says, ticket_of


def test_console_that_still_remembers_a_chat_cannot_write_once_it_is_someone_elses(desk):
    """The assignment changes without the console hearing of it (no ``unassigned`` frame yet):
    the store checks the row it writes, so nothing is stored."""
    async_to_sync(console_refused_once_the_chat_is_someone_elses)()


async def console_refused_once_the_chat_is_someone_elses() -> None:
    customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
    conv = welcome["conversation"]
    assert (await agent_says(console, conv, "Hello"))["type"] == "ack"
    chen = await Agent.objects.aget(username="agent.chen")
    await Ticket.objects.filter(public_id=conv).aupdate(assignee=chen)
    before = await ticket_of(conv)

    cid = client_id()
    await console.send({"type": "message", "conversation": conv, "client_id": cid, "text": "x"})
    error = await console.until(lambda f: f["type"] in ("ack", "error"))
    assert error["type"] == "error" and error["code"] == "not_assigned", error
    assert not await Message.objects.filter(client_id=cid).aexists()
    assert (await ticket_of(conv)).last_seq == before.last_seq
    for socket in (customer, console):
        await socket.close()


def test_after_the_end_nothing_new_is_stored_but_a_retry_is_acknowledged(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        cid = client_id()
        first = await customer_says(customer, "thanks", cid)
        assert first["type"] == "ack"
        await console.send({"type": "end", "conversation": conv, "resolution": "solved"})
        await customer.until(lambda f: f["type"] == "ended")
        await console.until(lambda f: f["type"] == "ended")
        last_seq = (await ticket_of(conv)).last_seq

        assert await customer_says(customer, "thanks", cid) == first  # the ack was lost: retried
        late = await customer_says(customer, "one more thing")
        assert late["type"] == "error" and late["code"] == "chat_ended"
        await console.send(
            {"type": "message", "conversation": conv, "client_id": client_id(), "text": "bye"}
        )
        refused = await console.until(lambda f: f["type"] in ("ack", "error"))
        assert refused["type"] == "error" and refused["code"] == "chat_ended", refused
        assert (await ticket_of(conv)).last_seq == last_seq
        for socket in (customer, console):
            await socket.close()

    async_to_sync(scenario)()


def test_both_sides_writing_at_once_get_one_gapless_sequence(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        # Both sides send ten messages without waiting for acknowledgements.
        for i in range(10):
            await customer.send({"type": "message", "client_id": client_id(), "text": f"c{i}"})
            await console.send(
                {"type": "message", "conversation": conv, "client_id": client_id(), "text": f"a{i}"}
            )
        results = []
        for socket in (customer, console):
            for _ in range(10):
                results.append(await socket.until(lambda f: f["type"] in ("ack", "error")))
        assert all(r["type"] == "ack" for r in results), results
        seqs = sorted(r["seq"] for r in results)
        assert len(set(seqs)) == 20 and seqs == list(range(seqs[0], seqs[0] + 20))
        stored = [
            seq
            async for seq in Message.objects.filter(ticket__public_id=conv)
            .order_by("seq")
            .values_list("seq", flat=True)
        ]
        assert stored == list(range(1, stored[-1] + 1))
        for socket in (customer, console):
            await socket.close()

    async_to_sync(scenario)()


# -- the store itself -------------------------------------------------------------------------


@pytest.fixture
def chat(desk) -> Ticket:  # type: ignore[no-untyped-def]
    customer = Customer.objects.get(exchange_uid=ALICE)
    ticket = tickets.open_chat(customer, "en")
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.PENDING)
    ticket.refresh_from_db()
    return ticket


def test_store_writes_what_post_message_would(chat):
    sam = Agent.objects.get(username="agent.sam")
    chen = Agent.objects.get(username="agent.chen")

    stored = store.store(chat, author=Author.CUSTOMER, text="hi", client_id="c1")
    assert stored is not None
    message, created = stored
    assert created and message.seq == 1 and chat.last_seq == 1
    assert chat.status == Status.OPEN  # a customer's message reopens a pending case
    row = Message.objects.get(pk=message.pk)
    assert (row.seq, row.author, row.text, row.client_id, row.channel, row.internal) == (
        1,
        Author.CUSTOMER,
        "hi",
        "c1",
        "chat",
        False,
    )
    assert row.created_at == message.created_at
    assert Ticket.objects.get(pk=chat.pk).last_seq == 1

    retried = store.store(chat, author=Author.CUSTOMER, text="hi", client_id="c1")
    assert retried is not None and retried[0].pk == message.pk and retried[1] is False
    assert Ticket.objects.get(pk=chat.pk).last_seq == 1  # the failed statement took no number

    # An agent writes only to a chat assigned to them.
    assert store.store(chat, author=Author.AGENT, text="x", client_id="a0", agent=sam) is None
    Ticket.objects.filter(pk=chat.pk).update(assignee=sam, chat_state=ChatState.ASSIGNED)
    assert store.store(chat, author=Author.AGENT, text="x", client_id="a0", agent=chen) is None
    answer = store.store(chat, author=Author.AGENT, text="hello", client_id="a1", agent=sam)
    assert answer is not None and answer[0].seq == 2 and answer[0].agent_id == sam.pk
    assert chat.assignee_id == sam.pk and chat.chat_state == ChatState.ASSIGNED

    # What the one statement does not decide goes to post_message, which explains the refusal.
    assert store.store(chat, author=Author.CUSTOMER, text="x", client_id="c" * 65) is None
    Ticket.objects.filter(pk=chat.pk).update(chat_state=ChatState.ENDED)
    assert store.store(chat, author=Author.CUSTOMER, text="late", client_id="c2") is None
    assert list(Message.objects.filter(ticket=chat).values_list("seq", flat=True)) == [1, 2]


def test_a_receipt_in_one_statement_moves_as_record_receipt_does(chat, desk):
    """Never backwards, never past the last message, and read implies delivered; the same
    answers as the ORM path for the same receipts."""
    twin = tickets.open_chat(Customer.objects.create(exchange_uid="twin-1"), "en")
    assert twin.pk != chat.pk
    Ticket.objects.filter(pk__in=[chat.pk, twin.pk]).update(last_seq=5)
    steps = [(2, None), (None, 1), (1, None), (None, 4), (9, None), (None, 3), (None, 9)]
    for delivered, read in steps:
        got = store.receipt(chat, Author.CUSTOMER, delivered=delivered, read=read)
        want = tickets.record_receipt(twin, Author.CUSTOMER, delivered=delivered, read=read)
        assert got == want
    assert got == (5, 5)
    assert store.receipt(chat, Author.AGENT, delivered=None, read=None) is None


def test_the_receipt_that_skips_the_disk_wait_is_the_same_statement(chat):
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's; SQLite's receipt has no disk wait to skip")
    Ticket.objects.filter(pk=chat.pk).update(last_seq=3)
    with connection.cursor() as cursor:
        params = {"ticket_id": chat.pk, "read": 2, "delivered": 0}
        cursor.execute(store.receipt_sql("agent", quiet=True), params)
        assert cursor.fetchone() == (2, 2)
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("off",)  # for this transaction only
