"""Live chat over real WebSocket consumers (Channels' communicator) on the configured channel
layer: in-memory in embedded mode, Redis in scaled mode."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import channels.db
import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent
from kefu.asgi import application
from kefu.exchange.demo_data import load_demo_exchange
from kefu.routing.demo_data import load_demo_routing

from ..staff import sign_in


@pytest.fixture(autouse=True)
def no_clock():  # type: ignore[no-untyped-def]
    with override_settings(KEFU_ROUTING_TICK_SECONDS=0):
        yield


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):  # type: ignore[no-untyped-def]
    """Channels closes "old" database connections around every ``database_sync_to_async`` call.
    Inside the test's transaction that really closes the connection on PostgreSQL (SQLite's
    in-memory test database ignores ``close``), so the scaled mode would lose the test data."""
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def fresh_channel_layer():  # type: ignore[no-untyped-def]
    """Every test runs its sockets in an event loop of its own. A test that fails while a socket
    is reading can leave a layer's receive state bound to that closed loop (Redis's list-based
    layer did), which would fail every test after it; a layer per test keeps a failure to its
    own test."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def desk(db) -> None:  # type: ignore[no-untyped-def]
    load_demo_accounts()
    load_demo_exchange()
    load_demo_routing()


def identity(
    uid: str, *, expires: int | None = None, secret_uid: str | None = None
) -> dict[str, Any]:
    expires = expires if expires is not None else int(time.time()) + 3600
    return {
        "customer_id": uid,
        "expires": expires,
        "signature": sign_customer(secret_uid or uid, expires),
    }


DEBUG = bool(__import__("os").environ.get("KEFU_TEST_DEBUG"))


class Socket:
    """A WebSocket client that keeps every frame it received, for assertions."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator
        self.frames: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = 3) -> dict[str, Any]:
        frame = json.loads(await self.communicator.receive_from(timeout=timeout))
        if DEBUG:
            print("<<", frame)
        self.frames.append(frame)
        return frame

    async def until(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        while True:
            frame = await self.receive(timeout)
            if predicate(frame):
                return frame

    async def drain(self, timeout: float = 0.3) -> list[dict[str, Any]]:
        got = []
        while not await self.communicator.receive_nothing(timeout=timeout):
            got.append(await self.receive())
        return got

    def messages(self) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == "message"]

    async def close(self) -> None:
        await self.communicator.disconnect()


async def customer_socket(hello: dict[str, Any] | None = None) -> tuple[Socket, dict[str, Any]]:
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
    )
    connected, _ = await communicator.connect()
    assert connected
    socket = Socket(communicator)
    await socket.send({"type": "hello", "conversation": None, "lang": "en", **(hello or {})})
    welcome = await socket.receive()
    return socket, welcome


async def console_socket(agent: Agent) -> tuple[Socket, dict[str, Any]]:
    from channels.db import database_sync_to_async
    from django.test import Client

    def session_cookie() -> str:
        return sign_in(Client(), agent).cookies["sessionid"].value

    cookie = await database_sync_to_async(session_cookie)()
    communicator = WebsocketCommunicator(
        application,
        "/ws/console/",
        headers=[
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    socket = Socket(communicator)
    welcome = await socket.until(lambda f: f["type"] == "welcome")
    return socket, welcome


def client_id() -> str:
    return str(uuid.uuid4())
