"""Rate limits per address and per customer on chat, ticket opening, search and the assistant:
429 with a stable code and Retry-After, nothing stored over the limit, others unaffected."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import channels.db
import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Customer
from kefu.asgi import application
from kefu.assistant.models import Conversation
from kefu.tickets.models import Message, Ticket
from kefu.trust.ratelimit import RateLimited, ahit, client_address, hit, parse_rate
from tests.chat.conftest import Socket, client_id, identity


@pytest.fixture(autouse=True)
def stopped_clock() -> Iterator[None]:
    """Windows are counted on the desk's clock: stopped, no test straddles two windows."""
    with clock.frozen(datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)):
        yield


@pytest.fixture
def limits(settings):  # type: ignore[no-untyped-def]
    """Set some limits for a test; every other limit is off."""

    def set_limits(**rates: str) -> None:
        settings.KEFU_RATE_LIMITS = {name.replace("__", "."): rate for name, rate in rates.items()}

    return set_limits


@pytest.fixture
def customers(db: None) -> None:
    load_demo_accounts()


def signed(uid: str) -> dict[str, Any]:
    expires = int(time.time()) + 600
    return {
        "customer_id": uid,
        "customer_expires": expires,
        "customer_signature": sign_customer(uid, expires),
    }


def assert_limited(response: Any) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == "rate_limited" and body["message"]
    assert body["retry_after"] == int(response["Retry-After"])


# ---------------------------------------------------------------- the counter itself


def test_rates_parse_and_addresses_group_ipv6_by_64() -> None:
    assert parse_rate("20/10s") == parse_rate("20/10") != parse_rate("20/m")
    assert parse_rate("5/m").seconds == 60 and parse_rate("100/1h").seconds == 3600
    assert parse_rate("off") is None
    with pytest.raises(ValueError):
        parse_rate("lots")
    assert (
        client_address("2001:db8:1:2:3:4:5:6")
        == client_address("2001:db8:1:2::9")
        == ("2001:db8:1:2::/64")
    )
    assert client_address("::ffff:10.1.2.3") == "10.1.2.3"
    assert client_address("10.1.2.3") == "10.1.2.3"


def test_limits_count_per_key_and_exempt_addresses(limits: Any, settings: Any) -> None:
    limits(search__ip="2/1m", search__customer="3/1m")
    hit("search", ip="10.0.0.1")
    hit("search", ip="10.0.0.1")
    with pytest.raises(RateLimited) as over:
        hit("search", ip="10.0.0.1")
    assert over.value.retry_after == 59 and over.value.status == 429  # the clock is at :01
    hit("search", ip="10.0.0.2")  # another address has its own count
    for _ in range(3):
        hit("search", customer=7)
    with pytest.raises(RateLimited):
        hit("search", customer=7)
    clock.advance(seconds=59)  # the window reopens when Retry-After said
    hit("search", ip="10.0.0.1")
    settings.KEFU_RATE_LIMIT_EXEMPT = ["10.0.0.0/24"]
    for _ in range(5):
        hit("search", ip="10.0.0.1")  # the exchange's own servers, say


def test_the_event_loop_check_counts_with_the_blocking_one(db: None, limits: Any) -> None:
    """Chat sockets check on the event loop (``ahit``: one awaited Redis round trip in scaled
    mode), web requests with ``hit``: one customer's uses count together either way.

    (``db`` only for its place in the run: pytest-django runs tests without a database last,
    after the browser tests, whose Playwright keeps an event loop running in this thread.)"""
    limits(chat_message__customer="3/1m", chat_message__ip="4/1m")

    async def on_the_loop() -> None:
        await ahit("chat_message", ip="10.0.0.9", customer=42)
        await ahit("chat_message", ip="10.0.0.9", customer=42)
        hit("chat_message", customer=42)
        with pytest.raises(RateLimited) as over:
            await ahit("chat_message", customer=42)
        assert over.value.retry_after == 59
        await ahit("chat_message", ip="10.0.0.9")  # the address's third and fourth use
        await ahit("chat_message", ip="10.0.0.9")
        with pytest.raises(RateLimited):
            await ahit("chat_message", ip="10.0.0.9", customer=43)
        clock.advance(seconds=59)
        await ahit("chat_message", ip="10.0.0.9", customer=42)  # a new window

    async_to_sync(on_the_loop)()


# ---------------------------------------------------------------- ticket API and portal


def test_ticket_api_limits_each_customer(customers: None, limits: Any) -> None:
    limits(ticket_create__customer="2/10m", ticket_create__ip="100/10m")
    client = Client()

    def open_as(uid: str, n: int) -> Any:
        body = {**signed(uid), "text": f"question {n} from {uid}", "subject": f"q{n}"}
        return client.post("/api/v1/tickets/", body, content_type="application/json")

    assert open_as("100001", 1).status_code == 201
    assert open_as("100001", 2).status_code == 201
    assert_limited(open_as("100001", 3))
    assert Ticket.objects.filter(customer__exchange_uid="100001").count() == 2
    assert open_as("100003", 1).status_code == 201  # another customer is unaffected


def test_ticket_api_limits_each_address(customers: None, limits: Any) -> None:
    limits(ticket_create__customer="100/10m", ticket_create__ip="2/10m")
    one, other = Client(REMOTE_ADDR="203.0.113.5"), Client(REMOTE_ADDR="203.0.113.6")

    def open_from(client: Client, uid: str) -> Any:
        body = {**signed(uid), "text": f"question from {uid}"}
        return client.post("/api/v1/tickets/", body, content_type="application/json")

    assert open_from(one, "100001").status_code == 201
    assert open_from(one, "100003").status_code == 201
    assert_limited(open_from(one, "100004"))
    assert not Ticket.objects.filter(customer__exchange_uid="100004").exists()
    assert open_from(other, "100004").status_code == 201


def portal_client(uid: str) -> Client:
    client = Client()
    expires = int(time.time()) + 600
    signature = sign_customer(uid, expires)
    response = client.get(f"/en/portal/sign-in/?uid={uid}&expires={expires}&signature={signature}")
    assert response.status_code == 302
    return client


def test_portal_form_comes_back_with_429_and_stores_nothing(customers: None, limits: Any) -> None:
    limits(ticket_create__customer="1/10m", ticket_create__ip="100/10m")
    li, other = portal_client("100001"), portal_client("100003")

    def submit(client: Client, text: str) -> Any:
        return client.post(
            "/en/portal/tickets/new/other/", {"subject": text, "text": f"{text}, please help"}
        )

    assert submit(li, "Cannot log in").status_code == 302
    refused = submit(li, "Forgot my email")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    page = refused.content.decode()
    assert "Too many requests" in page and "Forgot my email, please help" in page  # kept
    assert Ticket.objects.filter(customer__exchange_uid="100001").count() == 1
    assert submit(other, "Cannot log in").status_code == 302


# ---------------------------------------------------------------- help center search


def test_search_api_and_page_limit_each_address(db: None, limits: Any) -> None:
    limits(search__ip="2/1m", suggest__ip="1/1m")
    client, other = Client(), Client(REMOTE_ADDR="198.51.100.7")
    assert client.get("/api/v1/help/search?q=deposit").status_code == 200
    assert client.get("/en/search/?q=deposit").status_code == 200
    assert_limited(client.get("/api/v1/help/search?q=deposit"))
    page = client.get("/en/search/?q=withdrawal")
    assert page.status_code == 429 and int(page["Retry-After"]) >= 1
    assert "Too many requests" in page.content.decode()
    assert "text/html" in page["Content-Type"]
    assert other.get("/api/v1/help/search?q=deposit").status_code == 200
    # Suggestions count on their own (as-you-type sends many).
    assert client.get("/api/v1/help/suggest?q=dep").status_code == 200
    assert_limited(client.get("/api/v1/help/suggest?q=depo"))


# ---------------------------------------------------------------- assistant API


def test_assistant_limits_customers_and_addresses(customers: None, limits: Any) -> None:
    limits(assistant__customer="2/1m", assistant__ip="5/1m")
    client = Client()

    def ask(who: dict[str, Any], text: str = "how do I reset my password") -> Any:
        return client.post(
            "/api/v1/assistant/reply", {"text": text, **who}, content_type="application/json"
        )

    li = signed("100001")
    assert ask(li).status_code == 200
    assert ask(li).status_code == 200
    before = Conversation.objects.count()
    assert_limited(ask(li))
    assert Conversation.objects.count() == before
    assert ask(signed("100003")).status_code == 200  # another customer, same address
    # Every attempt counts against the address, refused ones too: this is its 5th.
    assert ask({}).status_code == 200  # an anonymous visitor, same address
    assert_limited(ask({}))  # the address is used up now
    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    response = elsewhere.post(
        "/api/v1/assistant/reply", {"text": "hello"}, content_type="application/json"
    )
    assert response.status_code == 200


# ---------------------------------------------------------------- chat socket


@pytest.fixture
def chat_desk(customers: None, monkeypatch: Any):  # type: ignore[no-untyped-def]
    from kefu.exchange.demo_data import load_demo_exchange
    from kefu.routing.demo_data import load_demo_routing

    # Inside the test's transaction, Channels must not close the connection (see tests/chat).
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)
    load_demo_exchange()
    load_demo_routing()
    with override_settings(KEFU_ROUTING_TICK_SECONDS=0):
        yield


async def chat_from(address: str, hello: dict[str, Any] | None = None) -> Socket:
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
    )
    communicator.scope["client"] = (address, 40000)
    connected, _ = await communicator.connect()
    assert connected
    socket = Socket(communicator)
    await socket.send({"type": "hello", "conversation": None, "lang": "en", **(hello or {})})
    await socket.until(lambda f: f["type"] == "welcome")
    return socket


async def say(socket: Socket, text: str) -> dict[str, Any]:
    cid = client_id()
    await socket.send({"type": "message", "client_id": cid, "text": text})
    return await socket.until(lambda f: f.get("client_id") == cid and f["type"] in ("ack", "error"))


def test_chat_messages_over_the_limit_get_an_error_frame_and_are_not_stored(
    chat_desk: None, limits: Any
) -> None:
    limits(chat_message__customer="2/1m", chat_message__ip="100/1m")

    async def scenario() -> None:
        li = await chat_from("203.0.113.9", identity("100001"))
        assert (await say(li, "first question"))["type"] == "ack"
        assert (await say(li, "second question"))["type"] == "ack"
        refused = await say(li, "third question")
        assert refused["type"] == "error" and refused["code"] == "rate_limited"
        assert 1 <= refused["retry_after"] <= 60
        # The socket stays open and answers.
        await li.send({"type": "ping"})
        await li.until(lambda f: f["type"] == "pong")
        other = await chat_from("203.0.113.9", identity("100003"))
        assert (await say(other, "my own question"))["type"] == "ack"
        await li.close()
        await other.close()

    async_to_sync(scenario)()
    texts = set(Message.objects.filter(author="customer").values_list("text", flat=True))
    assert "third question" not in texts
    assert {"first question", "second question", "my own question"} <= texts


def test_chat_messages_are_limited_per_address_across_anonymous_chats(
    chat_desk: None, limits: Any
) -> None:
    limits(chat_message__customer="100/1m", chat_message__ip="2/1m")

    async def scenario() -> None:
        first = await chat_from("198.51.100.20")
        second = await chat_from("198.51.100.20")
        assert (await say(first, "hello"))["type"] == "ack"
        assert (await say(second, "hello too"))["type"] == "ack"
        refused = await say(first, "and again")
        assert refused["code"] == "rate_limited"
        elsewhere = await chat_from("198.51.100.21")
        assert (await say(elsewhere, "from another network"))["type"] == "ack"
        for socket in (first, second, elsewhere):
            await socket.close()

    async_to_sync(scenario)()
    assert not Message.objects.filter(text="and again").exists()
    assert Customer.objects.filter(exchange_uid="100001").exists()
