"""The chat benchmark's client process: customers and agent consoles on WebSockets.

It takes commands as JSON lines on stdin (the plan, then ``steady``, ``status``, ``report``,
``close``) and answers with JSON lines of events on stdout; bench/chat.py drives one or more.
Latency is measured here, by the receiver, from the send time each message carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

TARGET_P99_MS = 100.0


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class _Stats:
    def __init__(self) -> None:
        self.c2a_ms: list[float] = []
        self.a2c_ms: list[float] = []
        self.slow_sent: list[float] = []  # send times of messages slower than the target
        self.customer_ack_ms: list[float] = []
        self.agent_ack_ms: list[float] = []
        self.got_customer: Counter[str] = Counter()
        self.got_agent: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.closed: Counter[str] = Counter()
        self.assigned_frames = 0
        self.seq_gaps = 0
        self.seq_repeats = 0
        self.opened_at: list[float] = []
        self.reply_until = math.inf
        self.receipts = False


def _check_seq(last: dict[str, int], conversation: str, seq: int, stats: _Stats) -> None:
    before = last.get(conversation, 0)
    if seq <= before:
        stats.seq_repeats += 1
    elif seq > before + 1:
        stats.seq_gaps += 1
    last[conversation] = max(before, seq)


def _note_slow(stats: _Stats, sent: float, now: float) -> None:
    if (now - sent) * 1000 >= TARGET_P99_MS:
        stats.slow_sent.append(sent)


def _sent_at(text: str) -> float | None:
    """The send time carried at the end of a benchmark message: ``... t=<monotonic>``."""
    _, sep, value = text.rpartition(" t=")
    try:
        return float(value) if sep else None
    except ValueError:
        return None


async def _read(ws: Any, handle: Callable[[Any], Any], stats: _Stats, who: str) -> None:
    """Hand every frame to ``handle``; a frame it fails on is counted, not fatal."""
    try:
        async for raw in ws:
            try:
                await handle(raw)
            except Exception as exc:
                stats.errors[f"{who}:client_{type(exc).__name__}"] += 1
                print(f"{who} frame {raw[:200]!r}: {exc!r}", file=sys.stderr)
    except Exception as exc:
        print(f"{who} socket: {exc!r}", file=sys.stderr)
    stats.closed[f"{who}:{ws.close_code}"] += 1


class _Customer:
    def __init__(self, index: int, uid: str, expires: int, signature: str, stats: _Stats):
        self.index, self.uid, self.expires, self.signature = index, uid, expires, signature
        self.stats = stats
        self.ws: Any = None
        self.conversation = ""
        self.welcomed = asyncio.Event()
        self.assigned = asyncio.Event()
        self.assigned_at = 0.0
        self.pending: dict[str, float] = {}
        self.acked: list[str] = []
        self.last_seq: dict[str, int] = {}
        self.sent = 0
        self.failed = False

    async def reader(self) -> None:
        await _read(self.ws, self.handle, self.stats, "customer")

    async def handle(self, raw: str | bytes) -> None:
        stats = self.stats
        now = time.monotonic()
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "message":
            _check_seq(self.last_seq, "", frame["seq"], stats)
            if frame.get("author") == "agent" and frame.get("client_id"):
                stats.got_agent[frame["client_id"]] += 1
                sent = _sent_at(frame.get("text", ""))
                if sent is not None:
                    stats.a2c_ms.append((now - sent) * 1000)
                    _note_slow(stats, sent, now)
                if stats.receipts:
                    await self.ws.send(json.dumps({"type": "read", "seq": frame["seq"]}))
        elif kind == "ack":
            sent = self.pending.pop(frame.get("client_id"), None)
            if sent is not None:
                stats.customer_ack_ms.append((now - sent) * 1000)
                self.acked.append(frame["client_id"])
        elif kind == "state":
            if frame.get("state") == "assigned" and not self.assigned.is_set():
                self.assigned_at = now
                self.assigned.set()
        elif kind == "welcome":
            self.conversation = frame["conversation"]
            self.welcomed.set()
        elif kind == "error":
            stats.errors[f"customer:{frame.get('code')}"] += 1

    async def send_message(self) -> None:
        self.sent += 1
        client_id = f"{self.uid}-{self.sent}"
        now = time.monotonic()
        self.pending[client_id] = now
        text = f"Hello, customer {self.uid} here, message {self.sent} t={now:.6f}"
        await self.ws.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))


class _AgentConsole:
    def __init__(self, agent_id: int, session: str, stats: _Stats):
        self.agent_id, self.session, self.stats = agent_id, session, stats
        self.ws: Any = None
        self.welcomed = asyncio.Event()
        self.online = asyncio.Event()
        self.opened: set[str] = set()
        self.pending: dict[str, float] = {}
        self.acked: list[str] = []
        self.last_seq: dict[str, int] = {}
        self.sent = 0

    async def reader(self) -> None:
        await _read(self.ws, self.handle, self.stats, "agent")

    async def handle(self, raw: str | bytes) -> None:
        stats = self.stats
        now = time.monotonic()
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "message":
            conversation = frame.get("conversation", "")
            _check_seq(self.last_seq, conversation, frame["seq"], stats)
            if frame.get("author") == "customer" and frame.get("client_id"):
                client_id = frame["client_id"]
                stats.got_customer[client_id] += 1
                sent = _sent_at(frame.get("text", ""))
                if sent is not None:
                    stats.c2a_ms.append((now - sent) * 1000)
                    _note_slow(stats, sent, now)
                if stats.receipts:
                    await self.ws.send(
                        json.dumps(
                            {
                                "type": "read",
                                "conversation": conversation,
                                "seq": frame["seq"],
                            }
                        )
                    )
                if now < stats.reply_until and stats.got_customer[client_id] == 1:
                    await self.reply(conversation, client_id)
        elif kind == "ack":
            sent = self.pending.pop(frame.get("client_id"), None)
            if sent is not None:
                stats.agent_ack_ms.append((now - sent) * 1000)
                self.acked.append(frame["client_id"])
        elif kind == "assigned":
            stats.assigned_frames += 1
            conversation = frame["chat"]["conversation"]
            await self.ws.send(
                json.dumps({"type": "open", "conversation": conversation, "last_seq": 0})
            )
        elif kind == "chat":
            if frame["conversation"] not in self.opened:
                self.opened.add(frame["conversation"])
                stats.opened_at.append(now)
        elif kind == "welcome":
            self.welcomed.set()
        elif kind == "presence":
            self.online.set()
        elif kind == "error":
            stats.errors[f"agent:{frame.get('code')}"] += 1

    async def reply(self, conversation: str, to: str) -> None:
        self.sent += 1
        client_id = f"r-{to}"
        now = time.monotonic()
        self.pending[client_id] = now
        text = f"Thanks, I am checking that for you ({to}) t={now:.6f}"
        await self.ws.send(
            json.dumps(
                {
                    "type": "message",
                    "conversation": conversation,
                    "client_id": client_id,
                    "text": text,
                }
            )
        )


async def _client_main() -> None:
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()

    async def next_command() -> dict[str, Any]:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return {"cmd": "close"}
        return json.loads(line)

    spec = await next_command()
    stats = _Stats()
    stats.receipts = bool(spec["receipts"])
    rng = random.Random(spec["seed"] * 1000 + spec["worker"])
    customers = [_Customer(i, uid, exp, sig, stats) for i, uid, exp, sig in spec["customers"]]
    agents = [_AgentConsole(a, s, stats) for a, s in spec["agents"]]
    tasks: list[asyncio.Task[Any]] = []
    setup: dict[str, list[float]] = {
        k: [] for k in ("connect_ms", "hello_ms", "setup_ms", "assign_ms")
    }
    lags: list[float] = []
    window = {"start": math.inf, "end": math.inf}

    def headers(url: str, cookie: str | None = None) -> dict[str, str]:
        origin = "http://" + urlsplit(url).netloc
        return {"Origin": origin, **({"Cookie": cookie} if cookie else {})}

    async def open_socket(url: str, cookie: str | None = None) -> Any:
        return await connect(
            url,
            additional_headers=headers(url, cookie),
            ping_interval=None,
            open_timeout=120,
            close_timeout=2,
            max_size=1 << 22,
            max_queue=None,
        )

    async def start_agent(agent: _AgentConsole) -> float:
        t = time.monotonic()
        agent.ws = await open_socket(spec["agent_url"], f"sessionid={agent.session}")
        tasks.append(asyncio.create_task(agent.reader()))
        await asyncio.wait_for(agent.welcomed.wait(), 120)
        elapsed = (time.monotonic() - t) * 1000
        await agent.ws.send(json.dumps({"type": "presence", "status": "online"}))
        await asyncio.wait_for(agent.online.wait(), 120)
        return elapsed

    async def start_customer(customer: _Customer, at: float, gate: asyncio.Semaphore) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        async with gate:
            await start_chat(customer)

    async def start_chat(customer: _Customer) -> None:
        try:
            t = time.monotonic()
            customer.ws = await open_socket(spec["customer_url"])
            t1 = time.monotonic()
            tasks.append(asyncio.create_task(customer.reader()))
            await customer.ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "conversation": None,
                        "lang": "en",
                        "customer_id": customer.uid,
                        "expires": customer.expires,
                        "signature": customer.signature,
                    }
                )
            )
            await asyncio.wait_for(customer.welcomed.wait(), 300)
            t2 = time.monotonic()
            setup["connect_ms"].append((t1 - t) * 1000)
            setup["hello_ms"].append((t2 - t1) * 1000)
            setup["setup_ms"].append((t2 - t) * 1000)
            await customer.ws.send(json.dumps({"type": "handoff"}))
            await asyncio.wait_for(customer.assigned.wait(), 600)
            setup["assign_ms"].append((customer.assigned_at - t2) * 1000)
        except Exception as exc:
            customer.failed = True
            print(f"customer {customer.uid}: {exc!r}", file=sys.stderr)

    async def progress() -> None:
        while True:
            _emit(
                {
                    "event": "progress",
                    "welcomed": sum(c.welcomed.is_set() for c in customers),
                    "assigned": sum(c.assigned.is_set() for c in customers),
                    "opened": sum(len(a.opened) for a in agents),
                    "failed": sum(c.failed for c in customers),
                    "assigned_frames": stats.assigned_frames,
                    "closed": dict(stats.closed),
                    "errors": dict(stats.errors),
                }
            )
            await asyncio.sleep(0.5)

    async def lag_monitor() -> None:
        step = 0.05
        while True:
            t = time.monotonic()
            await asyncio.sleep(step)
            now = time.monotonic()
            if window["start"] <= t and now <= window["end"]:
                lags.append((now - t - step) * 1000)

    async def chatter(customer: _Customer, start: float, end: float, interval: float) -> None:
        at = start + rng.uniform(0, interval)
        while at < end:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            try:
                await customer.send_message()
            except Exception as exc:
                stats.errors[f"send:{type(exc).__name__}"] += 1
                return
            at += interval * rng.uniform(0.5, 1.5)

    monitor = asyncio.create_task(lag_monitor())
    reporter: asyncio.Task[None] | None = None
    steady_task: asyncio.Task[float] | None = None
    while True:
        command = await next_command()
        cmd = command["cmd"]
        if cmd == "agents":
            # Agents sign in a few at a time, as people do (a storm of simultaneous consoles is
            # not what is measured here).
            gate = asyncio.Semaphore(10)

            async def gated(agent: _AgentConsole, gate: asyncio.Semaphore = gate) -> float:
                async with gate:
                    return await start_agent(agent)

            try:
                connect_ms = await asyncio.gather(*(gated(a) for a in agents))
            except Exception as exc:
                _emit({"event": "fatal", "error": f"agent console: {exc!r}"})
                continue
            _emit({"event": "agents_ready", "connect_ms": connect_ms})
        elif cmd == "customers":
            gate = asyncio.Semaphore(command["inflight"])
            for c in customers:
                at = command["t0"] + c.index / command["ramp"]
                tasks.append(asyncio.create_task(start_customer(c, at, gate)))
            reporter = asyncio.create_task(progress())
        elif cmd == "steady":
            if reporter is not None:
                reporter.cancel()
            window["start"], window["end"] = command["start"], command["end"]
            stats.reply_until = command["reply_until"]

            async def steady(start: float, end: float) -> float:
                await asyncio.sleep(max(0.0, start - time.monotonic()))
                usage0 = resource.getrusage(resource.RUSAGE_SELF)
                chatters = [
                    asyncio.create_task(chatter(c, start, end, spec["interval"]))
                    for c in customers
                    if c.ws is not None and not c.failed
                ]
                await asyncio.sleep(max(0.0, end - time.monotonic()))
                usage1 = resource.getrusage(resource.RUSAGE_SELF)
                await asyncio.gather(*chatters, return_exceptions=True)
                return (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)

            steady_task = asyncio.create_task(steady(command["start"], command["end"]))
        elif cmd == "status":
            _emit(
                {
                    "event": "status",
                    "customer_acked": sum(len(c.acked) for c in customers),
                    "agent_acked": sum(len(a.acked) for a in agents),
                    "got_customer": len(stats.got_customer),
                    "got_agent": len(stats.got_agent),
                    "pending": sum(len(c.pending) for c in customers)
                    + sum(len(a.pending) for a in agents),
                }
            )
        elif cmd == "report":
            assert steady_task is not None, "report before steady"
            cpu = await steady_task
            _emit(
                {
                    "event": "result",
                    **setup,
                    "assigned_at": [c.assigned_at for c in customers if c.assigned.is_set()],
                    "opened_at": stats.opened_at,
                    "c2a_ms": stats.c2a_ms,
                    "a2c_ms": stats.a2c_ms,
                    "slow_sent": stats.slow_sent,
                    "customer_ack_ms": stats.customer_ack_ms,
                    "agent_ack_ms": stats.agent_ack_ms,
                    "customer_acked": [cid for c in customers for cid in c.acked],
                    "agent_acked": [cid for a in agents for cid in a.acked],
                    "unacked": sum(len(c.pending) for c in customers)
                    + sum(len(a.pending) for a in agents),
                    "got_customer_messages": dict(stats.got_customer),
                    "got_agent_messages": dict(stats.got_agent),
                    "seq_gaps": stats.seq_gaps,
                    "seq_repeats": stats.seq_repeats,
                    "errors": dict(stats.errors),
                    "closed": dict(stats.closed),
                    "loop_lag_ms": lags,
                    "cpu_s": cpu,
                }
            )
        elif cmd == "close":
            break
    monitor.cancel()
    sockets = [c.ws for c in customers if c.ws is not None]
    sockets += [a.ws for a in agents if a.ws is not None]
    for batch in range(0, len(sockets), 50):  # leave gently, not as one storm
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(
                    *(ws.close() for ws in sockets[batch : batch + 50]), return_exceptions=True
                ),
                10,
            )
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:
        asyncio.run(_client_main())
    else:
        uvloop.run(_client_main())
