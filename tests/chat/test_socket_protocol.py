"""The live chat wire protocol (docs/chat-protocol.md) over real sockets: identity, malformed
frames, resume and dedupe, receipts, ending and the survey, transfers, attachments and
transcripts."""

from __future__ import annotations

import io
import json
import time
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from kefu.accounts.models import Agent
from kefu.asgi import application
from kefu.routing.models import QueueEntry
from kefu.tickets.models import Attachment, Message, SatisfactionRating, Ticket

from .conftest import Socket, client_id, console_socket, customer_socket, identity

ALICE = "100003"  # en, VIP 1
NGUYEN = "100005"  # en


def run(scenario: Any) -> None:
    async_to_sync(scenario)()


def is_error(code: str):  # type: ignore[no-untyped-def]
    return lambda f: f["type"] == "error" and f["code"] == code


async def error_of(socket: Socket) -> dict[str, Any]:
    return await socket.until(lambda f: f["type"] == "error")


async def still_works(socket: Socket) -> None:
    await socket.send({"type": "ping"})
    assert (await socket.until(lambda f: f["type"] in ("pong", "error")))["type"] == "pong"


async def raw_customer() -> Socket:
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
    )
    connected, _ = await communicator.connect()
    assert connected
    return Socket(communicator)


async def agent(username: str = "agent.sam") -> Agent:
    return await Agent.objects.aget(username=username)


async def ticket_of(conversation: str) -> Ticket:
    return await Ticket.objects.aget(public_id=conversation)


async def queued_chat(hello: dict[str, Any] | None = None) -> tuple[Socket, dict[str, Any]]:
    """A customer who asked for a person while nobody is online: waiting in general-en."""
    customer, welcome = await customer_socket(hello)
    assert welcome["type"] == "welcome", welcome
    await customer.send({"type": "handoff"})
    await customer.until(lambda f: f["type"] == "state" and f["state"] == "queued")
    return customer, welcome


async def assigned_chat(
    hello: dict[str, Any] | None = None, username: str = "agent.sam"
) -> tuple[Socket, Socket, dict[str, Any], dict[str, Any]]:
    """A customer talking to ``username``, whose console has opened the chat.
    Returns (customer, console, customer's welcome, console's chat frame)."""
    console, _welcome = await console_socket(await agent(username))
    await console.send({"type": "presence", "status": "online"})
    await console.until(lambda f: f["type"] == "presence")
    customer, welcome = await customer_socket(hello)
    assert welcome["type"] == "welcome", welcome
    await customer.send({"type": "handoff"})
    await customer.until(lambda f: f["type"] == "state" and f["state"] == "assigned")
    assigned = await console.until(lambda f: f["type"] == "assigned")
    assert assigned["chat"]["conversation"] == welcome["conversation"]
    await console.send({"type": "open", "conversation": welcome["conversation"], "last_seq": 0})
    chat = await console.until(lambda f: f["type"] == "chat")
    return customer, console, welcome, chat


async def agent_says(
    console: Socket, conversation: str, text: str, *, internal: bool = False
) -> dict[str, Any]:
    cid = client_id()
    await console.send(
        {
            "type": "message",
            "conversation": conversation,
            "client_id": cid,
            "text": text,
            "internal": internal,
        }
    )
    return await console.until(lambda f: f["type"] == "ack" and f["client_id"] == cid)


async def customer_says(customer: Socket, text: str, cid: str | None = None) -> dict[str, Any]:
    cid = cid or client_id()
    await customer.send({"type": "message", "client_id": cid, "text": text})
    return await customer.until(
        lambda f: f["type"] in ("ack", "error") and f.get("client_id") == cid
    )


# -- identity ---------------------------------------------------------------------------------


def test_signed_customer_is_identified(desk):
    async def scenario() -> None:
        customer, welcome = await customer_socket(identity(ALICE))
        assert welcome["type"] == "welcome"
        assert welcome["identified"] is True
        assert welcome["customer_name"] == "Alice Morgan"
        await still_works(customer)
        await customer.close()

    run(scenario)


@pytest.mark.parametrize("tamper", ["signature", "customer_id"])
def test_tampered_signature_is_refused_and_closed(desk, tamper):
    async def scenario() -> None:
        hello = identity(ALICE)
        if tamper == "signature":
            last = hello["signature"][-1]
            hello["signature"] = hello["signature"][:-1] + ("0" if last != "0" else "1")
        else:
            hello["customer_id"] = NGUYEN  # signed for Alice
        customer, frame = await customer_socket(hello)
        assert frame["type"] == "error" and frame["code"] == "bad_signature"
        closed = await customer.communicator.receive_output(timeout=3)
        assert closed == {"type": "websocket.close", "code": 4403}

    run(scenario)


def test_expired_signature_is_refused_and_closed(desk):
    async def scenario() -> None:
        customer, frame = await customer_socket(identity(ALICE, expires=int(time.time()) - 60))
        assert frame["type"] == "error" and frame["code"] == "signature_expired"
        closed = await customer.communicator.receive_output(timeout=3)
        assert closed == {"type": "websocket.close", "code": 4403}

    run(scenario)


def test_anonymous_visitor_and_agent_sees_unidentified_profile(desk):
    async def scenario() -> None:
        customer, console, welcome, chat = await assigned_chat(None)
        assert welcome["identified"] is False
        assert welcome["customer_name"] is None
        assert chat["customer"] == {"identified": False}
        await customer.close()
        await console.close()

    run(scenario)


def test_signed_customer_profile_reaches_the_agent(desk):
    async def scenario() -> None:
        customer, console, _welcome, chat = await assigned_chat(identity(ALICE))
        assert chat["customer"]["identified"] is True
        assert chat["customer"]["id"] == ALICE
        await customer.close()
        await console.close()

    run(scenario)


# -- malformed frames and limits --------------------------------------------------------------


def test_malformed_frames_get_stable_codes_and_the_socket_keeps_working(desk):
    async def scenario() -> None:
        customer, welcome = await customer_socket(None)
        cases = [
            ("not json at all", "malformed_frame"),
            (json.dumps([1, 2, 3]), "malformed_frame"),
            (json.dumps("hello"), "malformed_frame"),
            (json.dumps({"text": "no type"}), "malformed_frame"),
            (json.dumps({"type": 7}), "malformed_frame"),
            (json.dumps({"type": "launch_rockets"}), "unknown_type"),
        ]
        for text, code in cases:
            await customer.send(text)
            frame = await error_of(customer)
            assert frame["code"] == code, (text, frame)
            assert frame["message"]
        await still_works(customer)
        ack = await customer_says(customer, "still here")
        assert ack["type"] == "ack" and ack["seq"] == welcome["last_seq"] + 1
        await customer.close()

    run(scenario)


def test_oversize_frame_is_refused_and_nothing_stored(desk):
    async def scenario() -> None:
        customer, welcome = await customer_socket(None)
        big = {"type": "message", "client_id": client_id(), "text": "x" * (16 * 1024)}
        await customer.send(big)
        assert (await error_of(customer))["code"] == "frame_too_large"
        await still_works(customer)
        ticket = await ticket_of(welcome["conversation"])
        assert ticket.last_seq == welcome["last_seq"]
        await customer.close()

    run(scenario)


def test_text_too_long_and_empty(desk):
    async def scenario() -> None:
        customer, welcome = await queued_chat(None)
        ticket = await ticket_of(welcome["conversation"])
        before = ticket.last_seq
        cid = client_id()
        frame = await customer_says(customer, "y" * 2001, cid)
        assert frame["type"] == "error" and frame["code"] == "text_too_long"
        assert frame["client_id"] == cid
        for empty in ("", "   \n "):
            frame = await customer_says(customer, empty)
            assert frame["type"] == "error" and frame["code"] == "text_empty"
        await ticket.arefresh_from_db()
        assert ticket.last_seq == before
        ack = await customer_says(customer, "z" * 2000)  # the limit itself is fine
        assert ack["type"] == "ack" and ack["seq"] == before + 1
        await customer.close()

    run(scenario)


def test_message_before_hello(desk):
    async def scenario() -> None:
        customer = await raw_customer()
        await customer.send({"type": "message", "client_id": client_id(), "text": "hi"})
        assert (await error_of(customer))["code"] == "hello_required"
        await customer.send({"type": "hello", "conversation": None, "lang": "en"})
        assert (await customer.until(lambda f: f["type"] == "welcome"))["identified"] is False
        await customer.close()

    run(scenario)


# -- who may resume or open what --------------------------------------------------------------


def test_resume_with_unknown_conversation_or_wrong_token(desk):
    async def scenario() -> None:
        owner, welcome = await customer_socket(None)
        attempts = [
            {"conversation": str(uuid.uuid4()), "token": welcome["token"]},
            {"conversation": "not-a-uuid", "token": welcome["token"]},
            {"conversation": welcome["conversation"], "token": "forged"},
            {"conversation": welcome["conversation"], "token": None},
        ]
        for attempt in attempts:
            socket, frame = await customer_socket({**attempt, "last_seq": 0})
            assert frame["type"] == "error" and frame["code"] == "conversation_not_found", attempt
            assert await socket.communicator.receive_nothing(timeout=0.2)  # no backlog leaked
            await socket.close()
        # The real token works.
        socket, frame = await customer_socket(
            {"conversation": welcome["conversation"], "token": welcome["token"], "last_seq": 0}
        )
        assert frame["type"] == "welcome" and frame["conversation"] == welcome["conversation"]
        await socket.close()
        await owner.close()

    run(scenario)


def test_another_customer_cannot_resume_with_the_real_token(desk):
    async def scenario() -> None:
        alice, welcome = await customer_socket(identity(ALICE))
        stolen = {"conversation": welcome["conversation"], "token": welcome["token"], "last_seq": 0}
        for who in (identity(NGUYEN), {}):
            socket, frame = await customer_socket({**stolen, **who})
            assert frame["type"] == "error" and frame["code"] == "conversation_not_found"
            await socket.close()
        socket, frame = await customer_socket({**stolen, **identity(ALICE)})
        assert frame["type"] == "welcome"
        await socket.close()
        await alice.close()

    run(scenario)


def test_agent_cannot_open_a_conversation_they_do_not_serve(desk):
    async def scenario() -> None:
        waiting, waiting_welcome = await queued_chat(identity(ALICE))  # general-en, nobody online
        with_assistant, assistant_welcome = await customer_socket(identity(NGUYEN))
        wang, _ = await console_socket(await agent("agent.wang"))  # zh-hans only
        await wang.send({"type": "open", "conversation": waiting_welcome["conversation"]})
        assert (await error_of(wang))["code"] == "conversation_not_found"

        sam, _ = await console_socket(await agent("agent.sam"))  # en, general
        await sam.send({"type": "open", "conversation": assistant_welcome["conversation"]})
        assert (await error_of(sam))["code"] == "conversation_not_found"
        await sam.send({"type": "open", "conversation": str(uuid.uuid4())})
        assert (await error_of(sam))["code"] == "conversation_not_found"
        # A waiting chat in a queue Sam serves opens.
        await sam.send({"type": "open", "conversation": waiting_welcome["conversation"]})
        frame = await sam.until(lambda f: f["type"] in ("chat", "error"))
        assert frame["type"] == "chat", frame
        for socket in (waiting, with_assistant, wang, sam):
            await socket.close()

    run(scenario)


def test_console_without_session_is_closed(desk):
    async def scenario() -> None:
        communicator = WebsocketCommunicator(
            application,
            "/ws/console/",
            headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
        )
        connected, code = await communicator.connect()
        assert not connected
        assert code == 4401

    run(scenario)


# -- dedupe and resume ------------------------------------------------------------------------


def test_retried_client_id_is_stored_once(desk):
    async def scenario() -> None:
        customer, welcome = await customer_socket(identity(ALICE))
        cid = client_id()
        first = await customer_says(customer, "where is my deposit", cid)
        assert first["type"] == "ack" and first["seq"] == welcome["last_seq"] + 1
        again = await customer_says(customer, "where is my deposit", cid)
        assert again == {"type": "ack", "client_id": cid, "seq": first["seq"]}
        ticket = await ticket_of(welcome["conversation"])
        assert await Message.objects.filter(ticket=ticket, client_id=cid).acount() == 1
        assert await Message.objects.filter(ticket=ticket, author="customer").acount() == 1
        await customer.close()

    run(scenario)


def test_resume_sends_exactly_the_messages_after_last_seq(desk):
    async def scenario() -> None:
        customer, welcome = await queued_chat(identity(ALICE))
        acks = [(await customer_says(customer, f"line {i}"))["seq"] for i in range(4)]
        assert acks == list(range(acks[0], acks[0] + 4))
        await customer.close()

        hello = {
            **identity(ALICE),
            "conversation": welcome["conversation"],
            "token": welcome["token"],
            "last_seq": acks[1],
        }
        resumed, again = await customer_socket(hello)
        assert again["type"] == "welcome" and again["last_seq"] == acks[-1]
        await resumed.drain(0.5)
        got = resumed.messages()
        assert [m["seq"] for m in got] == acks[2:]
        assert [m["text"] for m in got] == ["line 2", "line 3"]
        await resumed.close()

        # From scratch: every message once, in order, no gaps.
        full, _ = await customer_socket({**hello, "last_seq": 0})
        await full.drain(0.5)
        seqs = [m["seq"] for m in full.messages()]
        assert seqs == list(range(1, acks[-1] + 1))
        await full.close()

    run(scenario)


def test_internal_notes_never_reach_the_customer(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        note = await agent_says(console, conv, "NOTE: check the deposit ledger", internal=True)
        seen = await console.until(lambda f: f["type"] == "message" and f["seq"] == note["seq"])
        assert seen["internal"] is True
        reply = await agent_says(console, conv, "Looking into it")
        got = await customer.until(lambda f: f["type"] == "message" and f["author"] == "agent")
        assert got["seq"] == reply["seq"] and got["text"] == "Looking into it"
        await customer.drain(0.3)
        assert not [m for m in customer.messages() if m["internal"] or "NOTE" in m["text"]]
        assert note["seq"] not in [m["seq"] for m in customer.messages()]

        resumed, _ = await customer_socket(
            {**identity(ALICE), "conversation": conv, "token": welcome["token"], "last_seq": 0}
        )
        await resumed.drain(0.5)
        assert [m["seq"] for m in resumed.messages()][-1] == reply["seq"]
        assert not [m for m in resumed.messages() if m["internal"] or "NOTE" in m["text"]]
        for socket in (customer, console, resumed):
            await socket.close()

    run(scenario)


# -- receipts, end and survey -----------------------------------------------------------------


def test_read_receipt_reaches_the_agent_and_never_goes_back(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        await agent_says(console, conv, "First")
        last = (await agent_says(console, conv, "Second"))["seq"]
        await customer.send({"type": "read", "seq": last})
        receipt = await console.until(lambda f: f["type"] == "receipt")
        assert receipt["reader"] == "customer" and receipt["read_seq"] == last
        assert receipt["conversation"] == conv
        await customer.send({"type": "read", "seq": last - 2})
        receipt = await console.until(lambda f: f["type"] == "receipt")
        assert receipt["read_seq"] == last
        ticket = await ticket_of(conv)
        assert ticket.customer_read_seq == last
        for socket in (customer, console):
            await socket.close()

    run(scenario)


def test_end_then_rate_once(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        await customer.send({"type": "rate", "score": 5})
        assert (await error_of(customer))["code"] == "chat_not_ended"

        await console.send({"type": "end", "conversation": conv, "resolution": "solved"})
        ended = await customer.until(lambda f: f["type"] == "ended")
        assert ended["by"] == "agent" and ended["resolution"] == "solved"
        assert ended["survey"] is True

        await customer.send({"type": "rate", "score": 6})
        assert (await error_of(customer))["code"] == "invalid_rating"
        await customer.send({"type": "rate", "score": 4, "comment": "quick"})
        rated = await customer.until(lambda f: f["type"] in ("rated", "error"))
        assert rated == {"type": "rated", "score": 4}
        await customer.send({"type": "rate", "score": 1})
        assert (await error_of(customer))["code"] == "already_rated"
        rating = await SatisfactionRating.objects.aget(ticket__public_id=conv)
        assert (rating.score, rating.comment) == (4, "quick")
        for socket in (customer, console):
            await socket.close()

    run(scenario)


def test_transfer_to_team_requeues_and_unassigns(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        await console.send(
            {"type": "transfer", "conversation": conv, "team": "security", "note": "2FA reset"}
        )
        gone = await console.until(lambda f: f["type"] == "unassigned")
        assert gone["conversation"] == conv and gone["reason"] == "transferred"
        await customer.until(lambda f: f["type"] == "state" and f["state"] == "queued")

        ticket = await ticket_of(conv)
        assert ticket.chat_state == "queued" and ticket.assignee_id is None
        entry = await QueueEntry.objects.select_related("queue__team").aget(ticket=ticket)
        assert entry.queue.team.slug == "security" and entry.queue.language == "en"
        for socket in (customer, console):
            await socket.close()

    run(scenario)


# -- attachments over HTTP --------------------------------------------------------------------


def png_bytes(width: int = 7, height: int = 5) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(conversation: str, token: str, name: str, data: bytes, content_type: str) -> Any:
    return Client().post(
        "/api/v1/chat/attachments",
        {
            "conversation": conversation,
            "token": token,
            "file": SimpleUploadedFile(name, data, content_type=content_type),
        },
    )


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(root) -> list:  # type: ignore[no-untyped-def]
    return [p for p in root.rglob("*") if p.is_file()]


def test_png_attachment_is_accepted_and_sent_in_a_message(desk, media):
    async def scenario() -> None:
        customer, welcome = await customer_socket(identity(ALICE))
        data = png_bytes(7, 5)
        response = await sync_to_async(upload)(
            welcome["conversation"], welcome["token"], "screen shot.png", data, "image/png"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["width"], body["height"]) == (7, 5)
        assert body["content_type"] == "image/png" and body["size"] == len(data)
        assert len(stored_files(media)) == 1

        cid = client_id()
        await customer.send(
            {"type": "message", "client_id": cid, "text": "", "attachment": body["id"]}
        )
        ack = await customer.until(lambda f: f["type"] in ("ack", "error"))
        assert ack["type"] == "ack", ack
        message = await customer.until(lambda f: f["type"] == "message" and f["seq"] == ack["seq"])
        assert message["attachment"]["id"] == body["id"]
        assert (message["attachment"]["width"], message["attachment"]["height"]) == (7, 5)

        image = await sync_to_async(Client().get)(message["attachment"]["url"])
        assert image.status_code == 200
        assert image["Content-Type"] == "image/png"
        assert b"".join(image.streaming_content) == data  # type: ignore[attr-defined]
        await customer.close()

    run(scenario)


def test_text_file_named_png_is_refused(desk, media):
    async def scenario() -> None:
        customer, welcome = await customer_socket(None)
        response = await sync_to_async(upload)(
            welcome["conversation"], welcome["token"], "notes.png", b"just text\n" * 20, "image/png"
        )
        assert response.status_code == 415
        assert response.json()["code"] == "attachment_type"
        assert await Attachment.objects.acount() == 0
        assert stored_files(media) == []
        await customer.close()

    run(scenario)


def test_too_large_attachment_is_refused_and_nothing_kept(desk, media, settings):
    settings.KEFU_ATTACHMENT_MAX_BYTES = 64
    data = png_bytes(40, 40)
    assert len(data) > 64

    async def scenario() -> None:
        customer, welcome = await customer_socket(None)
        before = await Attachment.objects.acount()
        response = await sync_to_async(upload)(
            welcome["conversation"], welcome["token"], "big.png", data, "image/png"
        )
        assert response.status_code == 413
        assert response.json()["code"] == "attachment_too_large"
        assert await Attachment.objects.acount() == before
        assert stored_files(media) == []
        await customer.close()

    run(scenario)


def test_attachment_with_wrong_token_is_not_found(desk, media):
    async def scenario() -> None:
        customer, welcome = await customer_socket(None)
        other, other_welcome = await customer_socket(None)
        for conversation, token in [
            (welcome["conversation"], "forged"),
            (welcome["conversation"], other_welcome["token"]),
            (str(uuid.uuid4()), welcome["token"]),
        ]:
            response = await sync_to_async(upload)(
                conversation, token, "pic.png", png_bytes(), "image/png"
            )
            assert response.status_code == 404
            assert response.json()["code"] == "conversation_not_found"
        assert await Attachment.objects.acount() == 0
        assert stored_files(media) == []
        await customer.close()
        await other.close()

    run(scenario)


# -- transcript -------------------------------------------------------------------------------


def test_transcript_has_both_sides_but_no_internal_notes(desk):
    async def scenario() -> None:
        customer, console, welcome, _chat = await assigned_chat(identity(ALICE))
        conv = welcome["conversation"]
        assert (await customer_says(customer, "My USDT deposit is late"))["type"] == "ack"
        await agent_says(console, conv, "Private: customer seems legit", internal=True)
        await agent_says(console, conv, "It is confirming on chain now")

        def fetch(token: str) -> Any:
            return Client().get(f"/chat/{conv}/transcript.txt", {"token": token})

        response = await sync_to_async(fetch)(welcome["token"])
        assert response.status_code == 200
        text = response.content.decode()
        assert "My USDT deposit is late" in text
        assert "It is confirming on chain now" in text
        assert "Private: customer seems legit" not in text
        assert (await sync_to_async(fetch)("forged")).status_code == 404
        for socket in (customer, console):
            await socket.close()

    run(scenario)
