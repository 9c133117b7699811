"""What customers (and editors) write is shown as text, never run: script and event-handler
payloads sent through chat, the ticket API, email and help center Markdown come out of every
page and API escaped or removed."""

from __future__ import annotations

import time
from email.message import EmailMessage
from typing import Any

import channels.db
import pytest
from asgiref.sync import async_to_sync
from django.test import Client, override_settings

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent
from kefu.connectors.email.ingest import ingest
from kefu.connectors.webchat.frames import conversation_token
from kefu.helpcenter.rendering import render_markdown
from kefu.tickets.models import Message, Ticket
from tests.chat.conftest import client_id, customer_socket
from tests.helpcenter.factories import make_article
from tests.staff import sign_in

from .test_headers import inline_code

SCRIPT = "<script>alert('chat')</script>"
IMAGE = '<img src=x onerror="alert(1)">'
PAYLOAD = f'hello {SCRIPT} {IMAGE} <a href="javascript:alert(2)">x</a>'


def assert_inert(html: str) -> None:
    """No script, handler or javascript: URL that came from the payload survives."""
    assert inline_code(html) == []
    assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=&", "")
    assert 'href="javascript:' not in html


@pytest.fixture
def desk(db: None) -> None:
    load_demo_accounts()


def staff() -> Client:
    return sign_in(Client(), Agent.objects.get(username="admin"))


def test_chat_text_is_escaped_on_desk_and_transcript_pages(desk: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)

    async def scenario() -> str:
        socket, welcome = await customer_socket()
        await socket.send({"type": "message", "client_id": client_id(), "text": PAYLOAD})
        await socket.until(lambda f: f["type"] == "ack")
        await socket.close()
        return str(welcome["conversation"])

    with override_settings(KEFU_ROUTING_TICK_SECONDS=0):
        conversation = async_to_sync(scenario)()
    ticket = Ticket.objects.get(public_id=conversation)
    assert Message.objects.filter(ticket=ticket, text=PAYLOAD).exists()  # kept as written
    token = conversation_token(ticket)
    transcript = Client().get(f"/chat/{conversation}/transcript.html?token={token}")
    html = transcript.content.decode()
    assert "&lt;script&gt;alert" in html
    assert_inert(html)
    assert_inert(staff().get(f"/en/console/tickets/{ticket.pk}/").content.decode())


def test_ticket_api_text_is_escaped_on_portal_and_desk(desk: None) -> None:
    expires = int(time.time()) + 600
    signature = sign_customer("100001", expires)
    body = {
        "customer_id": "100001",
        "customer_expires": expires,
        "customer_signature": signature,
        "subject": SCRIPT,
        "text": PAYLOAD,
    }
    created = Client().post("/api/v1/tickets/", body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["messages"][0]["text"] == PAYLOAD  # JSON carries text, as text
    ticket = Ticket.objects.get(public_id=created.json()["public_id"])

    portal = Client()
    portal.get(f"/en/portal/sign-in/?uid=100001&expires={expires}&signature={signature}")
    for page in (
        portal.get(f"/en/portal/tickets/{ticket.public_id}/"),
        portal.get("/en/portal/tickets/"),
        staff().get(f"/en/console/tickets/{ticket.pk}/"),
        staff().get("/en/console/tickets/"),
    ):
        html = page.content.decode()
        assert page.status_code == 200 and "&lt;script&gt;" in html
        assert_inert(html)


def test_html_mail_is_flattened_to_text_without_markup(desk: None) -> None:
    mail = EmailMessage()
    mail["From"] = "Mallory <mallory@example.com>"
    mail["To"] = "support@kefu.localhost"
    mail["Subject"] = "Withdrawal <script>alert(3)</script>"
    mail["Message-ID"] = "<xss-1@example.com>"
    mail.set_content(
        "<html><head><style>p{color:red}</style><script>alert('mail')</script></head>"
        '<body><p onclick="alert(4)">My withdrawal is stuck</p>'
        f'{IMAGE}<iframe src="https://evil.example"></iframe>'
        "<p>&lt;script&gt;quoted&lt;/script&gt;</p></body></html>",
        subtype="html",
    )
    ingest(mail.as_bytes())
    ticket = Ticket.objects.get(requester_email="mallory@example.com")
    text = ticket.messages.get().text
    assert "My withdrawal is stuck" in text
    assert "alert('mail')" not in text and "onerror" not in text and "iframe" not in text
    assert "color:red" not in text
    assert_inert(staff().get(f"/en/console/tickets/{ticket.pk}/").content.decode())


def test_article_markdown_keeps_only_the_allow_list(db: None) -> None:
    body = (
        "Deposits arrive after confirmations.\n\n"
        f"{SCRIPT}\n\n{IMAGE}\n\n"
        '[click](javascript:alert(5)) <a href="https://beacon.example" onclick="x()">ok</a>\n\n'
        '<p style="position:fixed">styled</p> <iframe src="https://evil.example"></iframe>'
    )
    html = render_markdown(body)
    assert_inert(html)
    assert "iframe" not in html and "style=" not in html
    assert 'href="https://beacon.example"' in html and "Deposits arrive" in html
    make_article("xss-article", en=("How deposits arrive", body))
    page = Client().get("/en/articles/xss-article/")
    assert page.status_code == 200
    assert_inert(page.content.decode())
    api = Client().get("/api/v1/help/articles/xss-article?lang=en").json()
    assert_inert(api["body_html"])
