"""Two ASGI processes sharing PostgreSQL and Redis: a customer on one and the agent on the other
talk in real time, and when a process is killed (-9) its clients resume on the survivor without
losing anything that was acknowledged.

Runs in scaled mode only (``KEFU_DATABASE_URL`` and ``KEFU_REDIS_URL`` set, as in the second
pass of ``make test``); each test run uses its own throwaway database.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.skipif(
    not (os.environ.get("KEFU_DATABASE_URL") and os.environ.get("KEFU_REDIS_URL")),
    reason="needs the scaled mode: KEFU_DATABASE_URL (PostgreSQL) and KEFU_REDIS_URL",
)

SETUP = """
import django, json, time
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.sessions.backends.db import SessionStore
from django_otp.plugins.otp_totp.models import TOTPDevice
from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent
from kefu.accounts.staff_session import mark_verified
from kefu.exchange.demo_data import load_demo_exchange
from kefu.routing.demo_data import load_demo_routing
load_demo_accounts(); load_demo_exchange(); load_demo_routing()
agent = Agent.objects.get(username="agent.sam")
session = SessionStore()  # signed in with both steps, as the sign-in pages leave it
mark_verified(session, agent, TOTPDevice.objects.create(user=agent, confirmed=True))
session.create()
expires = int(time.time()) + 3600
print(json.dumps({"session": session.session_key, "expires": expires,
                  "signature": sign_customer("100003", expires)}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, Any]]:
    import psycopg

    base_url = os.environ["KEFU_DATABASE_URL"]
    name = f"kefu_multinode_{os.getpid()}"
    admin_url = _with_database(base_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "KEFU_DATABASE_URL": _with_database(base_url, name),
        "KEFU_CHANNEL_PREFIX": f"kefu-multinode-{os.getpid()}",
        "KEFU_CACHE_PREFIX": f"kefu-multinode-{os.getpid()}",
        "KEFU_WIDGET_SECRET": "multinode-secret",
        "KEFU_ENCODER": "none",
        "KEFU_ROUTING_TICK_SECONDS": "0.5",
        "KEFU_AGENT_GRACE_SECONDS": "30",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=300
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    secrets = json.loads(setup.stdout.strip().splitlines()[-1])
    servers: dict[str, subprocess.Popen[bytes]] = {}
    ports: dict[str, int] = {}

    def start(label: str) -> None:
        ports[label] = _free_port()
        servers[label] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "kefu.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports[label]),
                "--no-access-log",
            ],
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", ports[label]), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server {label} did not start")

    start("a")
    start("b")
    try:
        yield {"ports": ports, "servers": servers, **secrets}
    finally:
        for proc in servers.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Client:
    """A protocol client that remembers frames, as the widget and console do."""

    def __init__(self, ws: Any):
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, port: int, path: str, cookie: str | None = None) -> Client:
        from websockets.asyncio.client import connect

        headers = {"Origin": f"http://127.0.0.1:{port}"}
        if cookie:
            headers["Cookie"] = cookie
        ws = await connect(f"ws://127.0.0.1:{port}{path}", additional_headers=headers)
        return cls(ws)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def until(self, predicate: Any, timeout: float = 15) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                self.frames.append(frame)
                if predicate(frame):
                    return frame

    def seqs(self, author: str | None = None) -> list[int]:
        return [
            f["seq"]
            for f in self.frames
            if f["type"] == "message" and (author is None or f["author"] == author)
        ]


async def _open_chat(cluster: dict[str, Any], customer_port: int, agent_port: int):  # type: ignore[no-untyped-def]
    agent = await Client.connect(agent_port, "/ws/console/", f"sessionid={cluster['session']}")
    await agent.until(lambda f: f["type"] == "welcome")
    await agent.send({"type": "presence", "status": "online"})
    await agent.until(lambda f: f["type"] == "presence")
    customer = await Client.connect(customer_port, "/ws/chat/")
    await customer.send(
        {
            "type": "hello",
            "conversation": None,
            "lang": "en",
            "customer_id": "100003",
            "expires": cluster["expires"],
            "signature": cluster["signature"],
        }
    )
    welcome = await customer.until(lambda f: f["type"] == "welcome")
    await customer.send({"type": "handoff"})
    await customer.until(lambda f: f["type"] == "state" and f["state"] == "assigned")
    assigned = await agent.until(lambda f: f["type"] == "assigned")
    conversation = assigned["chat"]["conversation"]
    assert conversation == welcome["conversation"]
    await agent.send({"type": "open", "conversation": conversation, "last_seq": 0})
    await agent.until(lambda f: f["type"] == "chat")
    return customer, agent, welcome


def test_customer_and_agent_on_different_processes_talk_in_real_time(cluster):
    async def scenario() -> None:
        ports = cluster["ports"]
        customer, agent, welcome = await _open_chat(cluster, ports["a"], ports["b"])
        conversation = welcome["conversation"]
        for n in range(3):
            await customer.send({"type": "message", "client_id": f"c{n}", "text": f"customer {n}"})
            ack = await customer.until(lambda f: f["type"] == "ack")
            got = await agent.until(
                lambda f, seq=ack["seq"]: f["type"] == "message" and f["seq"] == seq, timeout=5
            )
            assert got["text"] == f"customer {n}"
            await agent.send(
                {
                    "type": "message",
                    "conversation": conversation,
                    "client_id": f"a{n}",
                    "text": f"agent {n}",
                }
            )
            reply = await customer.until(
                lambda f: f["type"] == "message" and f["author"] == "agent", timeout=5
            )
            assert reply["text"] == f"agent {n}"
        await customer.ws.close()
        await agent.send({"type": "end", "conversation": conversation, "resolution": "solved"})
        await agent.until(lambda f: f["type"] == "ended")
        await agent.ws.close()

    asyncio.run(scenario())


def test_killed_process_loses_nothing_acknowledged(cluster):
    async def scenario() -> None:
        ports, servers = cluster["ports"], cluster["servers"]
        customer, agent, welcome = await _open_chat(cluster, ports["a"], ports["b"])
        conversation, token = welcome["conversation"], welcome["token"]
        acked: dict[str, int] = {}
        for n in range(5):
            await customer.send({"type": "message", "client_id": f"k{n}", "text": f"before {n}"})
            ack = await customer.until(lambda f: f["type"] == "ack")
            acked[ack["client_id"]] = ack["seq"]
        # One more message goes out as the process dies: the customer never sees its ack.
        await customer.send({"type": "message", "client_id": "in-flight", "text": "in flight"})
        servers["a"].send_signal(signal.SIGKILL)
        servers["a"].wait(10)
        # While the customer is away the agent keeps writing.
        await agent.send(
            {
                "type": "message",
                "conversation": conversation,
                "client_id": "while-away",
                "text": "are you still there?",
            }
        )
        await agent.until(lambda f: f["type"] == "ack" and f["client_id"] == "while-away")
        last_seen = max(customer.seqs(), default=0)

        survivor = await Client.connect(ports["b"], "/ws/chat/")
        await survivor.send(
            {
                "type": "hello",
                "conversation": conversation,
                "token": token,
                "last_seq": last_seen,
                "lang": "en",
                "customer_id": "100003",
                "expires": cluster["expires"],
                "signature": cluster["signature"],
            }
        )
        resumed = await survivor.until(lambda f: f["type"] == "welcome")
        assert resumed["conversation"] == conversation
        # The widget re-sends what it never saw acknowledged, with the same client id.
        await survivor.send({"type": "message", "client_id": "in-flight", "text": "in flight"})
        await survivor.until(lambda f: f["type"] == "ack" and f["client_id"] == "in-flight")
        await survivor.send({"type": "message", "client_id": "after", "text": "back again"})
        await survivor.until(lambda f: f["type"] == "ack" and f["client_id"] == "after")
        away = [
            f
            for f in survivor.frames
            if f["type"] == "message" and f["text"] == "are you still there?"
        ]
        assert len(away) == 1
        resumed_seqs = survivor.seqs()
        assert resumed_seqs == sorted(set(resumed_seqs)) and min(resumed_seqs) == last_seen + 1

        # The agent, on the survivor all along, has every acknowledged message exactly once.
        await agent.until(
            lambda f: f["type"] == "message" and f.get("client_id") == "after", timeout=10
        )
        by_client = [f.get("client_id") for f in agent.frames if f["type"] == "message"]
        for client_id in [*acked, "in-flight", "after"]:
            assert by_client.count(client_id) == 1, client_id
        agent_seqs = agent.seqs()
        assert agent_seqs == sorted(set(agent_seqs))
        assert agent_seqs == list(range(1, max(agent_seqs) + 1))
        await survivor.ws.close()
        await agent.ws.close()

    asyncio.run(scenario())
