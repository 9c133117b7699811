"""Permissions on every view, API and socket, proven by trying to read and write someone else's
ticket, conversation, attachment and transcript by id — and by checking that nothing was
written when refused, and that the same request works for whoever may make it.

Two teams (A and B), an agent and a supervisor in each, an administrator and a content editor;
two customers, each with a portal ticket (with an attachment) and live chats.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import channels.db
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory, override_settings
from PIL import Image

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent, Customer, Role, Team
from kefu.asgi import application
from kefu.assistant.models import Conversation
from kefu.connectors.webchat import service
from kefu.connectors.webchat.frames import conversation_token
from kefu.events.models import Event
from kefu.exchange.demo_data import load_demo_exchange
from kefu.routing import services as routing
from kefu.routing.demo_data import load_demo_routing
from kefu.routing.models import Presence, Queue, QueueEntry
from kefu.tickets import actions as ticket_actions
from kefu.tickets.attachments import store_attachment
from kefu.tickets.models import Attachment, Author, ChatState, Message, Status, Ticket
from kefu.tickets.opening import NewFile, open_ticket
from kefu.trust import access
from tests.staff import sign_in  # both sign-in steps, the one place staff sign in here

ALICE = "100003"
NGUYEN = "100005"


# -- signing in ---------------------------------------------------------------------------------


def staff(agent: Agent) -> Client:
    return sign_in(Client(), agent)


def signed(uid: str) -> dict[str, Any]:
    expires = int(time.time()) + 600
    return {
        "customer_id": uid,
        "customer_expires": expires,
        "customer_signature": sign_customer(uid, expires),
    }


def portal(uid: str) -> Client:
    client = Client()
    expires = int(time.time()) + 600
    response = client.get(
        "/en/portal/sign-in/",
        {"uid": uid, "expires": expires, "signature": sign_customer(uid, expires)},
    )
    assert response.status_code == 302
    return client


# -- the world ----------------------------------------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), (20, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class World:
    team_a: Team
    team_b: Team
    agent_a: Agent
    agent_b: Agent
    supervisor_a: Agent
    supervisor_b: Agent
    admin: Agent
    editor: Agent
    alice: Customer
    nguyen: Customer
    ticket_a: Ticket  # Alice's portal ticket, team A, with an attachment
    ticket_b: Ticket  # Nguyen's portal ticket, team B
    ticket_file: Attachment
    chat_a: Ticket  # Alice's chat with agent A (team A), with an image and an internal note
    chat_file: Attachment
    waiting_a: Ticket  # Nguyen's chat waiting in team A's queue
    waiting_b: Ticket  # Nguyen's chat waiting in team B's queue


@pytest.fixture(autouse=True)
def no_clock() -> Iterator[None]:
    with override_settings(KEFU_ROUTING_TICK_SECONDS=0):
        yield


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside the test's transaction Channels must not close the connection (see tests/chat)."""
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    load_demo_accounts()
    load_demo_exchange()
    load_demo_routing()
    team_a = Team.objects.create(slug="team-a", name="Team A")
    team_b = Team.objects.create(slug="team-b", name="Team B")
    for team in (team_a, team_b):
        Queue.objects.create(slug=f"{team.slug}-en", name=team.name, team=team, language="en")

    def person(username: str, role: str, *teams: Team) -> Agent:
        agent = Agent.objects.create_user(
            username=username, password="x" * 16, role=role, languages=["en"]
        )
        agent.teams.set(teams)
        Presence.objects.create(agent=agent)
        return agent

    agent_a = person("idor.agent.a", Role.AGENT, team_a)
    agent_b = person("idor.agent.b", Role.AGENT, team_b)
    supervisor_a = person("idor.super.a", Role.SUPERVISOR, team_a)
    supervisor_b = person("idor.super.b", Role.SUPERVISOR, team_b)
    admin_user = person("idor.admin", Role.ADMIN)
    editor = person("idor.editor", Role.CONTENT_EDITOR)
    alice = Customer.objects.get(exchange_uid=ALICE)
    nguyen = Customer.objects.get(exchange_uid=NGUYEN)

    def portal_ticket(customer: Customer, team: Team, text: str, files: list[NewFile]) -> Ticket:
        ticket = open_ticket(
            channel="portal", subject=text, text=text, customer=customer, files=files
        ).ticket
        Ticket.objects.filter(pk=ticket.pk).update(team=team)
        ticket.refresh_from_db()
        return ticket

    ticket_a = portal_ticket(
        alice, team_a, "My card payment is missing", [NewFile("receipt.png", png_bytes())]
    )
    ticket_b = portal_ticket(nguyen, team_b, "Futures position closed early", [])

    def chat(customer: Customer, team: Team) -> Ticket:
        ticket, _outbox = service.start_chat(customer, "en")
        routing.enqueue(ticket, reason="customer_request", team=team)
        return ticket

    chat_a = chat(alice, team_a)
    service.agent_accept(agent_a, chat_a)
    ticket_actions.post_message(chat_a, author=Author.CUSTOMER, text="Where is my deposit?")
    chat_file = store_attachment(chat_a, "proof.png", png_bytes(), images_only=True)
    ticket_actions.post_message(chat_a, author=Author.CUSTOMER, text="", attachment=chat_file)
    ticket_actions.post_message(
        chat_a, author=Author.AGENT, agent=agent_a, text="VIP, be quick", internal=True
    )
    chat_a.refresh_from_db()
    return World(
        team_a=team_a,
        team_b=team_b,
        agent_a=agent_a,
        agent_b=agent_b,
        supervisor_a=supervisor_a,
        supervisor_b=supervisor_b,
        admin=admin_user,
        editor=editor,
        alice=alice,
        nguyen=nguyen,
        ticket_a=ticket_a,
        ticket_b=ticket_b,
        ticket_file=Attachment.objects.get(ticket=ticket_a),
        chat_a=chat_a,
        chat_file=chat_file,
        waiting_a=chat(nguyen, team_a),
        waiting_b=chat(nguyen, team_b),
    )


@dataclass(frozen=True)
class Trace:
    """What a refused request must leave as it was."""

    messages: int
    events: int
    row: tuple[Any, ...]


def trace(ticket: Ticket) -> Trace:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return Trace(
        messages=Message.objects.filter(ticket=ticket).count(),
        events=Event.objects.filter(subject_type="tickets.ticket", subject_id=str(ticket.pk))
        .all()
        .count(),
        row=(
            fresh.status,
            fresh.priority,
            fresh.assignee_id,
            fresh.team_id,
            fresh.chat_state,
            fresh.tags,
            fresh.merged_into_id,
            fresh.escalation_level,
            fresh.last_seq,
            QueueEntry.objects.filter(ticket=ticket).exists(),
        ),
    )


# -- the policy itself --------------------------------------------------------------------------


def test_policy_by_role(world: World) -> None:
    w = world
    seen = {
        who.username: set(access.visible_tickets(who).values_list("pk", flat=True))
        for who in (w.agent_a, w.agent_b, w.supervisor_a, w.supervisor_b, w.admin, w.editor)
    }
    mine_a = {w.ticket_a.pk, w.chat_a.pk, w.waiting_a.pk}
    mine_b = {w.ticket_b.pk, w.waiting_b.pk}
    assert seen["idor.agent.a"] == seen["idor.super.a"] == mine_a
    assert seen["idor.agent.b"] == seen["idor.super.b"] == mine_b
    assert seen["idor.admin"] >= mine_a | mine_b
    assert seen["idor.editor"] == set()
    assert access.can_answer_chat(w.supervisor_a, w.chat_a)
    assert not access.can_answer_chat(w.supervisor_b, w.chat_a)
    assert not access.can_view_ticket(w.editor, w.chat_a)
    assert not access.can_view_ticket(w.agent_b, w.ticket_a)


def test_personally_assigned_ticket_of_another_team_is_visible(world: World) -> None:
    w = world
    client = staff(w.agent_a)
    assert client.get(f"/en/console/tickets/{w.ticket_b.pk}/").status_code == 404
    staff(w.admin).post(
        f"/en/console/tickets/{w.ticket_b.pk}/", {"action": "assign", "agent": w.agent_a.pk}
    )
    assert client.get(f"/en/console/tickets/{w.ticket_b.pk}/").status_code == 200
    assert w.ticket_b.number in client.get("/en/console/tickets/").content.decode()


# -- the desk over HTTP -------------------------------------------------------------------------


def test_desk_refuses_another_teams_ticket_by_id_and_writes_nothing(world: World) -> None:
    w = world
    ticket = w.ticket_a
    page = f"/en/console/tickets/{ticket.pk}/"
    before = trace(ticket)
    for who in (w.agent_b, w.supervisor_b):
        client = staff(who)
        listing = client.get("/en/console/tickets/").content.decode()
        assert ticket.number not in listing and w.ticket_b.number in listing
        searched = client.get("/en/console/tickets/", {"q": ticket.number}).content.decode()
        assert f'href="{page}"' not in searched
        assert client.get(page).status_code == 404
        assert client.get(f"{page}export").status_code == 404
        for form in (
            {"action": "reply", "text": "Hello from the wrong team", "status_after": "solved"},
            {"action": "note", "text": "peeking"},
            {"action": "status", "status": "solved"},
            {"action": "priority", "priority": "urgent"},
            {"action": "assign", "agent": who.pk},
            {"action": "tags", "tags": "stolen"},
            {"action": "escalate", "note": "x"},
            {"action": "merge", "into": w.ticket_b.number},
        ):
            assert client.post(page, form).status_code == 404, form
    assert trace(ticket) == before


def test_desk_allows_the_team_its_supervisor_and_admins(world: World) -> None:
    w = world
    page = f"/en/console/tickets/{w.ticket_a.pk}/"
    for who in (w.agent_a, w.supervisor_a, w.admin):
        client = staff(who)
        assert client.get(page).status_code == 200
        searched = client.get("/en/console/tickets/", {"q": w.ticket_a.number}).content.decode()
        assert f'href="{page}"' in searched
        exported = client.get(f"{page}export")
        assert (
            exported.status_code == 200 and exported.json()["ticket"]["number"] == w.ticket_a.number
        )
    client = staff(w.agent_a)
    client.post(page, {"action": "reply", "text": "We are on it.", "status_after": "pending"})
    assert Message.objects.filter(ticket=w.ticket_a, text="We are on it.").exists()


def test_bulk_actions_skip_tickets_the_agent_may_not_see(world: World) -> None:
    w = world
    before = trace(w.ticket_a)
    client = staff(w.agent_b)
    response = client.post(
        "/en/console/tickets/bulk/",
        {"ticket": [w.ticket_a.pk, w.ticket_b.pk], "action": "status:on_hold"},
        follow=True,
    )
    assert f"{w.ticket_a.number}: no such ticket." in response.content.decode()
    client.post("/en/console/tickets/bulk/", {"ticket": [w.ticket_a.pk], "action": "assign_me"})
    client.post(
        "/en/console/tickets/bulk/", {"ticket": [w.ticket_a.pk], "action": "tag", "tag": "x"}
    )
    assert trace(w.ticket_a) == before
    assert Ticket.objects.get(pk=w.ticket_b.pk).status == Status.ON_HOLD


def test_merge_and_assign_cannot_reach_outside_the_policy(world: World) -> None:
    w = world
    page = f"/en/console/tickets/{w.ticket_a.pk}/"
    client = staff(w.agent_a)
    before_a, before_b = trace(w.ticket_a), trace(w.ticket_b)
    merged = client.post(page, {"action": "merge", "into": w.ticket_b.number}, follow=True)
    assert "No ticket with that number." in merged.content.decode()
    client.post(page, {"action": "assign", "agent": w.editor.pk})  # sees no customer data
    assert (trace(w.ticket_a), trace(w.ticket_b)) == (before_a, before_b)
    client.post(page, {"action": "assign", "agent": w.agent_a.pk})
    assert Ticket.objects.get(pk=w.ticket_a.pk).assignee_id == w.agent_a.pk


def test_content_editor_sees_no_customer_data(world: World) -> None:
    w = world
    client = staff(w.editor)
    for url in (
        "/en/console/",
        "/en/console/supervisor/",
        "/en/console/tickets/",
        f"/en/console/tickets/{w.ticket_a.pk}/",
        f"/en/console/tickets/{w.ticket_a.pk}/export",
        "/admin/accounts/customer/",
        "/admin/tickets/ticket/",
    ):
        assert client.get(url).status_code == 403, url
    before = trace(w.ticket_a)
    client.post(f"/en/console/tickets/{w.ticket_a.pk}/", {"action": "status", "status": "solved"})
    client.post("/en/console/tickets/bulk/", {"ticket": [w.ticket_a.pk], "action": "assign_me"})
    assert trace(w.ticket_a) == before
    for url in (
        f"/chat/attachments/{w.chat_file.pk}",
        f"/chat/attachments/{w.ticket_file.pk}",
        f"/chat/{w.chat_a.public_id}/transcript.txt",
        f"/chat/{w.chat_a.public_id}/transcript.html",
    ):
        assert client.get(url).status_code == 404, url


def test_supervisor_wall_page_is_for_supervisors(world: World) -> None:
    w = world
    assert staff(w.agent_a).get("/en/console/supervisor/").status_code == 403
    assert staff(w.supervisor_b).get("/en/console/supervisor/").status_code == 200
    assert staff(w.agent_a).get("/en/console/").status_code == 200


# -- attachments and transcripts over HTTP ------------------------------------------------------


def test_staff_downloads_follow_the_policy(world: World) -> None:
    w = world
    files = [f"/chat/attachments/{w.chat_file.pk}", f"/chat/attachments/{w.ticket_file.pk}"]
    transcripts = [f"/chat/{w.chat_a.public_id}/transcript.{fmt}" for fmt in ("txt", "html")]
    for who in (w.agent_b, w.supervisor_b):
        client = staff(who)
        for url in files + transcripts:
            assert client.get(url).status_code == 404, (who, url)
    for url in files + transcripts:
        assert Client().get(url).status_code == 404, url
    for who in (w.agent_a, w.supervisor_a, w.admin):
        client = staff(who)
        for url in files:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
        for url in transcripts:
            text = client.get(url).content.decode()
            assert "Where is my deposit?" in text and "VIP, be quick" in text


def test_customer_downloads_need_their_own_token(world: World) -> None:
    w = world
    own = conversation_token(w.chat_a)
    others = conversation_token(w.waiting_a)  # Nguyen's
    for token in (others, "forged", ""):
        assert (
            Client().get(f"/chat/attachments/{w.chat_file.pk}", {"token": token}).status_code == 404
        )
        for fmt in ("txt", "html"):
            url = f"/chat/{w.chat_a.public_id}/transcript.{fmt}"
            assert Client().get(url, {"token": token}).status_code == 404
    # Alice's own token opens her own chat's files, never another ticket's.
    assert Client().get(f"/chat/attachments/{w.chat_file.pk}", {"token": own}).status_code == 200
    assert Client().get(f"/chat/attachments/{w.ticket_file.pk}", {"token": own}).status_code == 404
    text = Client().get(f"/chat/{w.chat_a.public_id}/transcript.txt", {"token": own})
    body = text.content.decode()
    assert "Where is my deposit?" in body and "VIP, be quick" not in body
    # Staff of another team holding a customer's token get the customer's copy, not notes.
    html = staff(w.agent_b).get(f"/chat/{w.chat_a.public_id}/transcript.html", {"token": own})
    assert html.status_code == 200 and "VIP, be quick" not in html.content.decode()


# -- the portal and the customer APIs ----------------------------------------------------------


def test_portal_refuses_another_customers_ticket_and_attachment(world: World) -> None:
    w = world
    nguyen = portal(NGUYEN)
    ticket, base = w.ticket_a, f"/en/portal/tickets/{w.ticket_a.public_id}"
    before = trace(ticket)
    assert ticket.number not in nguyen.get("/en/portal/tickets/").content.decode()
    assert nguyen.get(f"{base}/").status_code == 404
    assert nguyen.get(f"{base}/state").status_code == 404
    assert nguyen.get(f"{base}/attachments/{w.ticket_file.pk}").status_code == 404
    own = f"/en/portal/tickets/{w.ticket_b.public_id}"
    assert nguyen.get(f"{own}/attachments/{w.ticket_file.pk}").status_code == 404
    assert nguyen.get(f"{own}/attachments/{w.chat_file.pk}").status_code == 404
    assert nguyen.post(f"{base}/", {"text": "me too"}).status_code == 404
    assert nguyen.post(f"{base}/escalate", {"reason": "now"}).status_code == 404
    assert nguyen.post(f"{base}/rate", {"score": 1}).status_code == 404
    assert trace(ticket) == before

    alice = portal(ALICE)
    assert alice.get(f"{base}/").status_code == 200
    response = alice.get(f"{base}/attachments/{w.ticket_file.pk}")
    assert response.status_code == 200


def test_demo_exchange_signs_customers_only_beside_the_demo_back_office(
    world: World, settings: Any
) -> None:
    page = Client().get("/en/demo/exchange/", {"as": ALICE})
    assert page.status_code == 200 and ALICE in page.content.decode()
    settings.KEFU_EXCHANGE_BACKEND = "exchange_adapter.BackOffice"  # a real exchange's
    assert Client().get("/en/demo/exchange/", {"as": ALICE}).status_code == 404


def test_ticket_api_refuses_another_customers_ticket(world: World) -> None:
    w = world
    before = trace(w.ticket_a)
    url = f"/api/v1/tickets/{w.ticket_a.public_id}"
    client = Client()
    for path, extra in (("read", {}), ("replies", {"text": "mine now"}), ("escalation", {})):
        response = client.post(
            f"{url}/{path}", {**signed(NGUYEN), **extra}, content_type="application/json"
        )
        assert response.status_code == 404 and response.json()["code"] == "ticket_not_found"
    assert trace(w.ticket_a) == before
    mine = client.post(f"{url}/read", signed(ALICE), content_type="application/json")
    assert mine.status_code == 200 and mine.json()["number"] == w.ticket_a.number


def test_assistant_api_refuses_another_customers_conversation(world: World) -> None:
    w = world
    conversation = w.chat_a.conversation
    assert conversation is not None
    turns = conversation.turns.count()
    for who in (signed(NGUYEN), {}):
        response = Client().post(
            "/api/v1/assistant/reply",
            {"conversation_id": str(conversation.public_id), "text": "what did I ask?", **who},
            content_type="application/json",
        )
        assert response.status_code == 404
        assert response.json()["code"] == "conversation_not_found"
    assert Conversation.objects.get(pk=conversation.pk).turns.count() == turns


def test_chat_upload_needs_the_conversations_own_token(world: World) -> None:
    w = world
    before = Attachment.objects.count()
    for token in (conversation_token(w.waiting_a), "forged"):
        response = Client().post(
            "/api/v1/chat/attachments",
            {
                "conversation": str(w.chat_a.public_id),
                "token": token,
                "file": SimpleUploadedFile("x.png", png_bytes(), content_type="image/png"),
            },
        )
        assert response.status_code == 404
        assert response.json()["code"] == "conversation_not_found"
    assert Attachment.objects.count() == before


# -- the back office ----------------------------------------------------------------------------


def test_back_office_keeps_customer_data_for_admins(world: World) -> None:
    w = world
    urls = [
        "/admin/accounts/customer/",
        f"/admin/accounts/customer/{w.alice.pk}/change/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{w.ticket_a.pk}/change/",
        "/admin/tickets/attachment/",
        "/admin/tickets/message/",
    ]
    for who in (w.agent_a, w.supervisor_a, w.editor):
        client = staff(who)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (who, url)
    client = staff(w.admin)
    for url in urls:
        assert client.get(url).status_code in (200, 404), url  # 404: a model without an admin
    assert client.get("/admin/accounts/customer/").status_code == 200


def test_audit_trail_in_the_back_office_is_scoped_to_the_supervisors_teams(world: World) -> None:
    w = world
    event_admin = admin.site._registry[Event]

    def tickets_in_trail(who: Agent) -> set[str]:
        request = RequestFactory().get("/admin/events/event/")
        request.user = who
        events = event_admin.get_queryset(request).filter(subject_type="tickets.ticket")
        return set(events.values_list("subject_id", flat=True))

    seen_b = tickets_in_trail(w.supervisor_b)
    assert str(w.ticket_b.pk) in seen_b and str(w.ticket_a.pk) not in seen_b
    assert str(w.chat_a.pk) not in seen_b
    assert {str(w.ticket_a.pk), str(w.ticket_b.pk)} <= tickets_in_trail(w.admin)
    assert staff(w.supervisor_b).get("/admin/events/event/").status_code == 200


# -- sockets ------------------------------------------------------------------------------------


def run(scenario: Any) -> None:
    async_to_sync(scenario)()


class Socket:
    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator

    async def send(self, frame: dict[str, Any]) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def until(self, *types: str, timeout: float = 10) -> dict[str, Any]:
        while True:
            frame = await self.receive(timeout)
            if frame["type"] in types:
                return frame

    async def quiet(self) -> list[dict[str, Any]]:
        got = []
        while not await self.communicator.receive_nothing(timeout=0.3):
            got.append(await self.receive())
        return got

    async def close(self) -> None:
        await self.communicator.disconnect()


HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


async def console(agent: Agent) -> tuple[bool, Any, Socket]:
    def cookie() -> str:
        return staff(agent).cookies["sessionid"].value

    session = await database_sync_to_async(cookie)()
    communicator = WebsocketCommunicator(
        application,
        "/ws/console/",
        headers=[*HEADERS, (b"cookie", f"sessionid={session}".encode())],
    )
    connected, code = await communicator.connect()
    return connected, code, Socket(communicator)


async def open_console(agent: Agent) -> Socket:
    connected, code, socket = await console(agent)
    assert connected, code
    await socket.until("welcome")
    return socket


async def customer(hello: dict[str, Any]) -> tuple[Socket, dict[str, Any]]:
    communicator = WebsocketCommunicator(application, "/ws/chat/", headers=HEADERS)
    connected, _code = await communicator.connect()
    assert connected
    socket = Socket(communicator)
    await socket.send({"type": "hello", "lang": "en", **hello})
    return socket, await socket.until("welcome", "error")


def identity(uid: str) -> dict[str, Any]:
    expires = int(time.time()) + 600
    return {"customer_id": uid, "expires": expires, "signature": sign_customer(uid, expires)}


def attempts(conversation: str, team: str) -> list[dict[str, Any]]:
    """Every console frame that names a conversation."""
    return [
        {"type": "open", "conversation": conversation, "last_seq": 0},
        {"type": "message", "conversation": conversation, "client_id": "c1", "text": "hi"},
        {
            "type": "message",
            "conversation": conversation,
            "client_id": "c2",
            "text": "note",
            "internal": True,
        },
        {"type": "canned", "conversation": conversation, "client_id": "c3", "reply": 1},
        {"type": "typing", "conversation": conversation, "active": True},
        {"type": "read", "conversation": conversation, "seq": 1},
        {"type": "delivered", "conversation": conversation, "seq": 1},
        {"type": "accept", "conversation": conversation},
        {"type": "transfer", "conversation": conversation, "team": team, "note": "mine"},
        {"type": "ticket", "conversation": conversation},
        {"type": "end", "conversation": conversation, "resolution": "solved"},
    ]


def test_console_of_another_team_cannot_touch_a_chat(world: World) -> None:
    w = world
    targets = [w.chat_a, w.waiting_a]
    before = [trace(t) for t in targets]

    async def scenario() -> None:
        for who in (w.agent_b, w.supervisor_b):
            socket = await open_console(who)
            for target in targets:
                for frame in attempts(str(target.public_id), w.team_b.slug):
                    await socket.send(frame)
                    error = await socket.until("error")
                    assert error["code"] == "conversation_not_found", (who, frame, error)
            assert not [f for f in await socket.quiet() if f["type"] in ("chat", "message")]
            await socket.close()

    run(scenario)
    assert [trace(t) for t in targets] == before


def test_console_allows_the_assignee_the_queue_and_the_teams_supervisor(world: World) -> None:
    w = world

    async def scenario() -> None:
        conversation = str(w.chat_a.public_id)
        for who in (w.agent_a, w.supervisor_a, w.admin):
            socket = await open_console(who)
            await socket.send({"type": "open", "conversation": conversation, "last_seq": 0})
            chat = await socket.until("chat", "error")
            assert chat["type"] == "chat", (who, chat)
            cid = f"ok-{who.pk}"
            await socket.send(
                {"type": "message", "conversation": conversation, "client_id": cid, "text": "hi"}
            )
            ack = await socket.until("ack", "error")
            assert ack["type"] == "ack" and ack["client_id"] == cid, (who, ack)
            await socket.close()
        # Agent B serves team B's queue: its waiting chat can be taken.
        socket = await open_console(w.agent_b)
        await socket.send({"type": "accept", "conversation": str(w.waiting_b.public_id)})
        assigned = await socket.until("assigned", "error")
        assert assigned["type"] == "assigned", assigned
        await socket.close()

    run(scenario)
    assert Ticket.objects.get(pk=w.waiting_b.pk).assignee_id == w.agent_b.pk
    assert Message.objects.filter(ticket=w.chat_a, client_id__startswith="ok-").count() == 3


def test_content_editor_console_socket_is_closed(world: World) -> None:
    async def scenario() -> None:
        connected, code, _socket = await console(world.editor)
        assert not connected and code == 4403

    run(scenario)


def test_supervisor_wall_shows_only_their_teams(world: World) -> None:
    w = world

    async def scenario() -> dict[str, Any]:
        walls = {}
        for who in (w.supervisor_b, w.admin):
            socket = await open_console(who)
            walls[who.username] = await socket.until("wall")
            await socket.close()
        return walls

    walls = async_to_sync(scenario)()
    wall_b = walls["idor.super.b"]
    assert {q["team"] for q in wall_b["queues"]} == {"team-b"}
    assert {a["id"] for a in wall_b["agents"]} == {w.agent_b.pk, w.supervisor_b.pk}
    assert {"team-a", "team-b"} <= {q["team"] for q in walls["idor.admin"]["queues"]}


def test_transferred_chat_stops_reaching_the_previous_console(world: World) -> None:
    w = world
    conversation = str(w.chat_a.public_id)

    async def scenario() -> None:
        agent_console = await open_console(w.agent_a)
        await agent_console.send({"type": "open", "conversation": conversation, "last_seq": 0})
        await agent_console.until("chat")
        alice, welcome = await customer(
            {**identity(ALICE), "conversation": conversation, "token": conversation_token(w.chat_a)}
        )
        assert welcome["type"] == "welcome", welcome
        await agent_console.send(
            {"type": "transfer", "conversation": conversation, "team": w.team_b.slug}
        )
        await agent_console.until("unassigned")
        await alice.send({"type": "message", "client_id": "after", "text": "still there?"})
        assert (await alice.until("ack"))["client_id"] == "after"
        leaked = [f for f in await agent_console.quiet() if f["type"] == "message"]
        assert leaked == []
        for frame in attempts(conversation, w.team_a.slug)[1:2]:
            await agent_console.send(frame)
            assert (await agent_console.until("error"))["code"] == "conversation_not_found"
        await alice.close()
        await agent_console.close()

    run(scenario)
    ticket = Ticket.objects.get(pk=w.chat_a.pk)
    assert ticket.team_id == w.team_b.pk and ticket.chat_state == ChatState.QUEUED


def test_customer_socket_cannot_join_another_customers_conversation(world: World) -> None:
    w = world
    before = trace(w.chat_a)
    conversation = str(w.chat_a.public_id)
    stolen = {"conversation": conversation, "token": conversation_token(w.chat_a)}
    wrong_token = {"conversation": conversation, "token": conversation_token(w.waiting_a)}

    async def scenario() -> None:
        for hello in (
            {**stolen, **identity(NGUYEN)},
            stolen,
            {**wrong_token, **identity(NGUYEN)},
            {**wrong_token, **identity(ALICE)},
            {"conversation": str(uuid.uuid4()), "token": stolen["token"], **identity(ALICE)},
        ):
            socket, frame = await customer(hello)
            assert frame["type"] == "error" and frame["code"] == "conversation_not_found", frame
            for attempt in (
                {"type": "message", "client_id": "x", "text": "let me in"},
                {"type": "end"},
                {"type": "rate", "score": 1},
                {"type": "read", "seq": 1},
            ):
                await socket.send(attempt)
                assert (await socket.until("error"))["code"] == "hello_required"
            await socket.close()
        socket, frame = await customer({**stolen, **identity(ALICE)})
        assert frame["type"] == "welcome"
        await socket.close()

    run(scenario)
    assert trace(w.chat_a) == before
