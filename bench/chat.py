"""Live chat under load: K concurrent customer chats against real server processes.

For each K, fresh servers are started (uvicorn serving ``kefu.asgi:application``):

- embedded: one process, SQLite in a temporary ``KEFU_DATA_DIR``, in-memory channel layer;
- scaled: two processes on two ports sharing a throwaway PostgreSQL database and Redis (with a
  prefix of its own); customers connect to process A and agents to process B, so every message
  crosses Redis.

The database is migrated and seeded (``bench/_chat_seed.py``) with ceil(K / capacity) agents
(capacity 5 by default, so K chats fill every slot), their console sessions, and K customers
signed with the server's ``KEFU_WIDGET_SECRET``. The assistant is switched off
(``KEFU_ENCODER=none``) and customers ask for a person right after ``hello``.

Phases, driven from client processes (``bench/_chat_client.py``: asyncio and ``websockets``)
that share the machine's monotonic clock:

1. agents open ``/ws/console/`` (ten at a time) and go online;
2. customers connect at up to ``--ramp`` per second, with at most ``--inflight`` of them between
   connecting and being assigned (so the ramp slows to what the server sustains): socket,
   ``hello`` → ``welcome`` (the connection setup time), then ``handoff``; each agent opens every
   chat routed to it. Time to all assigned runs from the first connection to the last chat
   assigned and opened by its agent;
3. steady chat for ``--duration`` seconds: every customer sends a message every K / rate seconds
   (±50 % jitter; the first at a random offset), each carrying its send time, and the agent
   answers each one at once. Latency is measured by the receiver: customer → agent and agent →
   customer. Every acknowledged message must arrive at the other side exactly once: missing and
   duplicated ones are counted once everything acknowledged has arrived, or ``--drain``
   seconds after the last message at most (how long that took is reported).

Client CPU use and event-loop lag are reported, so a client that could not keep up is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench._chat_client import TARGET_P99_MS
from bench._chat_seed import customer_uid
from bench._servers import (
    BenchError,
    add_scaled_arguments,
    log_tail,
    scaled_env,
    uvicorn_server,
)

Out = Callable[[str], None]
LOOP_STALL_MS = 30  # servers log event-loop stalls longer than this (kefu/loop_watch.py)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sessions", default="100,1000", help="concurrent chats K, comma-separated (100,1000)"
    )
    parser.add_argument("--mode", choices=["embedded", "scaled", "both"], default="both")
    parser.add_argument("--duration", type=float, default=30, help="steady chat seconds (30)")
    parser.add_argument(
        "--rate",
        type=float,
        help="customer messages per second over all chats (default K/10: one per chat every "
        "10 s); every one is answered, so twice as many messages are stored",
    )
    parser.add_argument(
        "--capacity", type=int, default=5, help="chats per agent; ceil(K/capacity) agents (5)"
    )
    parser.add_argument(
        "--ramp", type=float, default=10, help="new customer connections per second (10)"
    )
    parser.add_argument(
        "--inflight",
        type=int,
        default=10,
        help="customers between connecting and being assigned at once, at most (10): the ramp "
        "slows to what the server sustains instead of burying it",
    )
    parser.add_argument(
        "--setup-timeout",
        type=float,
        default=1800,
        help="give up setting up after this long, or after 120 s without progress",
    )
    parser.add_argument(
        "--clients", type=int, default=0, help="client processes (default: 1, 2 from K > 500)"
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=60,
        help="longest wait after the last message for what was acknowledged to arrive (60 s)",
    )
    parser.add_argument(
        "--receipts", action="store_true", help="also send a read receipt for every message"
    )
    parser.add_argument("--tick", type=float, help="KEFU_ROUTING_TICK_SECONDS (server default 2)")
    add_scaled_arguments(parser)
    parser.add_argument(
        "--profile",
        type=Path,
        help="folder: record the servers with py-spy (raw collapsed stacks, every thread) during "
        "the setup and the steady phase; py-spy on PATH or beside python",
    )
    parser.add_argument(
        "--server-settings",
        default="kefu.settings",
        help="Django settings module of the servers, to measure a variant (kefu.settings)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (server and client logs)"
    )
    parser.add_argument("--seed", type=int, default=7)


# -- the benchmark process ---------------------------------------------------------------------


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    sizes = [int(s) for s in options.sessions.split(",") if s.strip()]
    modes = ["embedded", "scaled"] if options.mode == "both" else [options.mode]
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_avg_at_start": list(os.getloadavg())},
        "settings": {
            "duration_s": options.duration,
            "capacity": options.capacity,
            "ramp_per_s": options.ramp,
            "drain_s": options.drain,
            "receipts": options.receipts,
            "target_p99_ms": TARGET_P99_MS,
        },
        "runs": [],
    }
    for mode in modes:
        for k in sizes:
            out(f"== {mode}, {k} chats ==")
            try:
                result = _run_one(mode, k, options, out)
            except BenchError as exc:
                out(f"[{mode} {k}] failed: {exc}")
                result = {"mode": mode, "sessions": k, "error": str(exc)}
            results["runs"].append(result)
    _table(results["runs"], out)
    return results


def _run_one(mode: str, k: int, options: argparse.Namespace, out: Out) -> dict[str, Any]:
    capacity = max(1, options.capacity)
    agents = math.ceil(k / capacity)
    rate = options.rate or k / 10
    interval = k / rate
    clients = options.clients or (1 if k <= 500 else 2)
    tag = f"{os.getpid()}_{k}_{mode[0]}"
    with contextlib.ExitStack() as stack:
        if options.keep:
            tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-chat-"))
            out(f"[{mode} {k}] logs and data kept in {tmp}")
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kefu-bench-chat-")))
        env = _server_env(tmp, options)
        if mode == "scaled":
            env.update(scaled_env(f"kefu_bench_chat_{tag}", options, stack))
        started = time.perf_counter()
        seeded = _seed(env, agents, capacity, k, tmp)
        out(
            f"[{mode} {k}] migrated in {seeded['migrate_s']:.1f} s; seeded {agents} agents × "
            f"capacity {capacity} and {k} customers in {seeded['seed_s']:.1f} s"
        )
        labels = ["a", "b"] if mode == "scaled" else ["a"]
        servers = {label: stack.enter_context(uvicorn_server(env, tmp, label)) for label in labels}
        out(
            f"[{mode} {k}] servers up: "
            + ", ".join(f"{label} on :{port} (pid {p.pid})" for label, (p, port) in servers.items())
            + f" ({time.perf_counter() - started:.1f} s since start)"
        )
        customer_port = servers["a"][1]
        agent_port = servers["b" if mode == "scaled" else "a"][1]
        customers = _signed_customers(env["KEFU_WIDGET_SECRET"], k)
        plan = {
            "customer_url": f"ws://127.0.0.1:{customer_port}/ws/chat/",
            "agent_url": f"ws://127.0.0.1:{agent_port}/ws/console/",
            "interval": interval,
            "receipts": options.receipts,
            "seed": options.seed,
        }
        measured = asyncio.run(
            _orchestrate(
                plan,
                customers,
                seeded["agents"],
                clients,
                options,
                {label: p for label, (p, _port) in servers.items()},
                tmp,
                out,
                f"[{mode} {k}]",
            )
        )
        for label, (proc, _port) in servers.items():
            if proc.poll() is not None:
                raise BenchError(
                    f"server {label} exited with {proc.returncode}: {log_tail(tmp, label)}"
                )
        result = {
            "mode": mode,
            "sessions": k,
            "agents": agents,
            "capacity": capacity,
            "client_processes": clients,
            "rate_per_s": round(rate, 2),
            "interval_s": round(interval, 2),
            **measured,
        }
        _report(result, out, f"[{mode} {k}]")
        return result


def _server_env(tmp: Path, options: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": options.server_settings,
            "KEFU_DATA_DIR": str(tmp / "data"),
            "KEFU_SECRET_KEY": secrets.token_urlsafe(40),
            "KEFU_WIDGET_SECRET": secrets.token_hex(32),
            "KEFU_ENCODER": "none",
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_ALLOWED_HOSTS": "*",
            # Each customer counts against their own message limit, as in production; the
            # per-address limit is off since every simulated customer comes from 127.0.0.1.
            "KEFU_RATE_LIMITS": "chat_message.ip=off",
            "KEFU_LOOP_STALL_MS": str(LOOP_STALL_MS),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if options.tick is not None:
        env["KEFU_ROUTING_TICK_SECONDS"] = str(options.tick)
    return env


def _seed(env: dict[str, str], agents: int, capacity: int, customers: int, tmp: Path) -> dict:
    spec = json.dumps({"agents": agents, "capacity": capacity, "customers": customers})
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("_chat_seed.py")), spec],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise BenchError(f"seeding failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _signed_customers(secret: str, count: int) -> list[list[Any]]:
    """[uid, expires, signature] for every customer, signed as the exchange would."""
    from django.test import override_settings

    from kefu.accounts.identity import sign_customer

    expires = int(time.time()) + 86400
    with override_settings(KEFU_WIDGET_SECRET=secret):
        uids = [customer_uid(i) for i in range(count)]
        return [[uid, expires, sign_customer(uid, expires)] for uid in uids]


async def _orchestrate(
    plan: dict[str, Any],
    customers: list[list[Any]],
    agents: list[list[Any]],
    clients: int,
    options: argparse.Namespace,
    servers: dict[str, subprocess.Popen[bytes]],
    tmp: Path,
    out: Out,
    label: str,
) -> dict[str, Any]:
    k = len(customers)
    workers: list[_Worker] = []
    events: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
    try:
        for n in range(clients):
            spec = {
                **plan,
                "worker": n,
                "customers": [[i, *c] for i, c in enumerate(customers) if i % clients == n],
                "agents": agents[n::clients],
            }
            workers.append(await _Worker.start(n, spec, events, tmp))

        async def expect(name: str, timeout: float) -> list[dict[str, Any]]:
            got: dict[int, dict[str, Any]] = {}
            deadline = time.monotonic() + timeout
            while len(got) < len(workers):
                _check_servers(servers, tmp)
                try:
                    n, event = await asyncio.wait_for(
                        events.get(), max(0.1, min(1.0, deadline - time.monotonic()))
                    )
                except TimeoutError:
                    if time.monotonic() > deadline:
                        raise BenchError(
                            f"no {name!r} from the clients in {timeout:.0f} s"
                        ) from None
                    continue
                if event.get("event") == "fatal":
                    raise BenchError(f"client {n}: {event.get('error')}")
                if event.get("event") == name:
                    got[n] = event
            return [got[n] for n in sorted(got)]

        # 1. agents online
        t = time.monotonic()
        for w in workers:
            await w.command({"cmd": "agents"})
        ready = await expect("agents_ready", 120 + len(agents) / 10)
        agent_connect = [ms for r in ready for ms in r["connect_ms"]]
        out(
            f"{label} {len(agents)} agents online in {time.monotonic() - t:.1f} s "
            f"(console connect + welcome p50 {_pct(agent_connect, 50):.0f} ms)"
        )

        # 2. customers connect at the ramp rate, ask for a person, get assigned
        t0 = time.monotonic() + 0.5
        profilers = _start_profilers(options.profile, servers, "setup", label, out)
        setup_cpu0 = _cpu_snapshot(servers, workers)
        for w in workers:
            await w.command(
                {
                    "cmd": "customers",
                    "t0": t0,
                    "ramp": options.ramp,
                    "inflight": max(1, options.inflight // len(workers)),
                }
            )
        deadline = t0 + options.setup_timeout
        stalled_since, last_done = t0, (-1, -1)
        progress: dict[int, dict[str, Any]] = {}
        last_print = 0.0
        while True:
            _check_servers(servers, tmp)
            try:
                n, event = await asyncio.wait_for(events.get(), 1.0)
            except TimeoutError:
                n, event = -1, {}
            if event.get("event") == "fatal":
                raise BenchError(f"client {n}: {event.get('error')}")
            if event.get("event") == "progress":
                progress[n] = event
            totals: Counter[str] = Counter()
            for p in progress.values():
                totals.update(
                    {
                        key: p[key]
                        for key in ("welcomed", "assigned", "opened", "failed", "assigned_frames")
                    }
                )
                totals.update({f"closed {key}": n for key, n in p["closed"].items()})
                totals.update({f"error {key}": n for key, n in p["errors"].items()})
            now = time.monotonic()
            if now - last_print > 5:
                last_print = now
                out(
                    f"{label}   t+{now - t0:.0f} s: welcomed {totals['welcomed']}, assigned "
                    f"{totals['assigned']}, opened by agents {totals['opened']}/{k}"
                    + (f", failed {totals['failed']}" if totals["failed"] else "")
                    + "".join(
                        f", {key} {n}"
                        for key, n in sorted(totals.items())
                        if key.startswith(("closed", "error"))
                    )
                    + f" (assigned frames at consoles: {totals['assigned_frames']})"
                )
            if totals["assigned"] >= k and totals["opened"] >= k:
                break
            if totals["failed"] and totals["welcomed"] + totals["failed"] >= k:
                raise BenchError(f"{totals['failed']} customers failed to connect")
            if (totals["assigned"], totals["opened"]) != last_done:
                stalled_since, last_done = now, (totals["assigned"], totals["opened"])
            if now > deadline or now - stalled_since > 120:
                raise BenchError(
                    f"setup timed out: {totals['welcomed']} welcomed, {totals['assigned']} "
                    f"assigned, {totals['opened']} opened of {k}"
                )
        setup_done = time.monotonic()
        setup_cpu = _cpu_use(setup_cpu0, _cpu_snapshot(servers, workers))
        _stop_profilers(profilers)
        out(f"{label} all {k} chats assigned and opened {setup_done - t0:.1f} s after the first")

        # 3. steady chat, then quiet until everything acknowledged has arrived (or --drain)
        start = time.monotonic() + 1.0
        end = start + options.duration
        window = {"cmd": "steady", "start": start, "end": end, "reply_until": end + 1.0}
        for w in workers:
            await w.command(window)
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        steady_wall = time.time()
        out(f"{label} steady chat from {time.strftime('%H:%M:%S')} (wall clock, for server logs)")
        cpu0 = _cpu_snapshot(servers, workers)
        profilers = _start_profilers(options.profile, servers, "steady", label, out)
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        cpu1 = _cpu_snapshot(servers, workers)
        _stop_profilers(profilers)
        await asyncio.sleep(max(0.0, end + 1.5 - time.monotonic()))
        while True:
            for w in workers:
                await w.command({"cmd": "status"})
            status: Counter[str] = Counter()
            for s in await expect("status", 60):
                status.update({key: value for key, value in s.items() if key != "event"})
            settled = (
                status["pending"] == 0
                and status["got_customer"] >= status["customer_acked"]
                and status["got_agent"] >= status["agent_acked"]
            )
            if settled or time.monotonic() > end + options.drain:
                break
            await asyncio.sleep(0.5)
        drained = time.monotonic() - end
        for w in workers:
            await w.command({"cmd": "report"})
        reports = await expect("result", 120)
        result = _aggregate(k, t0, start, options.duration, reports, _cpu_use(cpu0, cpu1))
        result["setup"]["cpu"] = setup_cpu
        result["messages"]["drained_s"] = round(drained, 1)
        result["loop_stalls"] = _loop_stalls(
            tmp, list(servers), steady_wall, steady_wall + options.duration + 1.5
        )
        return result
    finally:
        for w in workers:
            await w.close()


def _check_servers(servers: dict[str, subprocess.Popen[bytes]], tmp: Path) -> None:
    for label, proc in servers.items():
        if proc.poll() is not None:
            raise BenchError(
                f"server {label} exited with {proc.returncode}: {log_tail(tmp, label)}"
            )


class _Worker:
    """A client process: commands as JSON lines on its stdin, events as JSON lines back."""

    def __init__(self, n: int, proc: asyncio.subprocess.Process, reader: asyncio.Task[None]):
        self.n, self.proc, self.reader = n, proc, reader

    @classmethod
    async def start(
        cls,
        n: int,
        spec: dict[str, Any],
        events: asyncio.Queue[tuple[int, dict[str, Any]]],
        tmp: Path,
    ) -> _Worker:
        stderr = open(tmp / f"client-{n}.log", "wb")  # noqa: SIM115 - the process owns it
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).with_name("_chat_client.py")),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            limit=1 << 28,
            cwd=tmp,
        )
        stderr.close()

        async def read() -> None:
            assert proc.stdout is not None
            while line := await proc.stdout.readline():
                with contextlib.suppress(ValueError):
                    await events.put((n, json.loads(line)))
            code = await proc.wait()
            if code:
                log = (tmp / f"client-{n}.log").read_text(errors="replace")[-2000:]
                await events.put((n, {"event": "fatal", "error": f"exited {code}: {log}"}))

        worker = cls(n, proc, asyncio.create_task(read()))
        await worker.command(spec)
        return worker

    async def command(self, frame: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(frame).encode() + b"\n")
        await self.proc.stdin.drain()

    async def close(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(Exception):
                await self.command({"cmd": "close"})
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.reader.cancel()


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> tuple[float, float]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _cpu_snapshot(servers: dict[str, subprocess.Popen[bytes]], workers: list[_Worker]) -> dict:
    return {
        "time": time.monotonic(),
        "servers": {label: _proc_cpu(p.pid) for label, p in servers.items()},
        "clients": [_proc_cpu(w.proc.pid) for w in workers],
        "machine": _machine_cpu(),
    }


def _cpu_use(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    wall = after["time"] - before["time"]
    busy0, total0 = before["machine"]
    busy1, total1 = after["machine"]
    return {
        "servers_pct": {
            label: round(100 * (after["servers"][label] - cpu) / wall, 1)
            for label, cpu in before["servers"].items()
        },
        "clients_pct": [
            round(100 * (b - a) / wall, 1)
            for a, b in zip(before["clients"], after["clients"], strict=True)
        ],
        "machine_busy_pct": round(100 * (busy1 - busy0) / max(1, total1 - total0), 1),
    }


def _start_profilers(
    folder: Path | None,
    servers: dict[str, subprocess.Popen[bytes]],
    phase: str,
    label: str,
    out: Out,
) -> list[subprocess.Popen[bytes]]:
    """py-spy on every server until :func:`_stop_profilers` (collapsed stacks, all threads)."""
    if folder is None:
        return []
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        out(f"{label} py-spy not found (on PATH or beside python): no profile")
        return []
    folder.mkdir(parents=True, exist_ok=True)
    procs = []
    name = label.strip("[]").replace(" ", "-")
    for server, proc in servers.items():
        path = folder / f"chat-{name}-{phase}-{server}.txt"
        procs.append(
            subprocess.Popen(
                [
                    *(spy, "record", "--pid", str(proc.pid), "--rate", "100"),
                    *("--format", "raw", "--threads", "--idle", "--nonblocking"),
                    *("--output", str(path)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        out(f"{label} profiling server {server} ({phase}) into {path}")
    return procs


def _stop_profilers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _aggregate(
    k: int,
    t0: float,
    steady_start: float,
    duration: float,
    reports: list[dict[str, Any]],
    cpu: dict[str, Any],
) -> dict[str, Any]:
    def merged(key: str) -> list[float]:
        return [v for r in reports for v in r[key]]

    sent_customer = {cid for r in reports for cid in r["customer_acked"]}
    sent_agent = {cid for r in reports for cid in r["agent_acked"]}
    got_customer: Counter[str] = Counter()
    got_agent: Counter[str] = Counter()
    for r in reports:
        got_customer.update(r["got_customer_messages"])
        got_agent.update(r["got_agent_messages"])

    def loss(sent: set[str], got: Counter[str]) -> dict[str, int]:
        return {
            "acked": len(sent),
            "missing": sum(1 for cid in sent if got[cid] == 0),
            "duplicated": sum(got[cid] - 1 for cid in sent if got[cid] > 1),
        }

    setup = merged("setup_ms")
    c2a, a2c = merged("c2a_ms"), merged("a2c_ms")
    errors: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for r in reports:
        errors.update(r["errors"])
        closed.update(r["closed"])
    lag = merged("loop_lag_ms")
    stored = len(sent_customer) + len(sent_agent)
    result: dict[str, Any] = {
        "setup": {
            "connect_p50_ms": _pct(merged("connect_ms"), 50),
            "connect_p99_ms": _pct(merged("connect_ms"), 99),
            "hello_p50_ms": _pct(merged("hello_ms"), 50),
            "hello_p99_ms": _pct(merged("hello_ms"), 99),
            "p50_ms": _pct(setup, 50),
            "p99_ms": _pct(setup, 99),
            "max_ms": round(max(setup), 1) if setup else 0.0,
            "handoff_to_assigned_p50_ms": _pct(merged("assign_ms"), 50),
            "handoff_to_assigned_p99_ms": _pct(merged("assign_ms"), 99),
            "all_assigned_s": round(max(merged("assigned_at")) - t0, 2),
            "all_opened_s": round(max(merged("opened_at") or [t0]) - t0, 2),
        },
        "customer_to_agent": _latency(c2a),
        "slow": _slow_seconds(merged("slow_sent"), steady_start),
        "agent_to_customer": _latency(a2c),
        "ack": {
            "customer_p50_ms": _pct(merged("customer_ack_ms"), 50),
            "customer_p99_ms": _pct(merged("customer_ack_ms"), 99),
            "agent_p50_ms": _pct(merged("agent_ack_ms"), 50),
            "agent_p99_ms": _pct(merged("agent_ack_ms"), 99),
        },
        "messages": {
            "customer": loss(sent_customer, got_customer),
            "agent": loss(sent_agent, got_agent),
            "unacked": sum(r["unacked"] for r in reports),
            "stored_per_s": round(stored / duration, 1),
            "delivered_per_s": round((len(c2a) + len(a2c)) / duration, 1),
        },
        "order": {
            "seq_gaps": sum(r["seq_gaps"] for r in reports),
            "seq_repeats": sum(r["seq_repeats"] for r in reports),
        },
        "errors": dict(errors),
        "sockets_closed_early": dict(closed),
        "cpu": {
            **cpu,
            "client_loop_lag_p99_ms": _pct(lag, 99),
            "client_loop_lag_max_ms": round(max(lag), 1) if lag else 0.0,
        },
    }
    worst = max(result["customer_to_agent"]["p99_ms"], result["agent_to_customer"]["p99_ms"])
    lost = sum(result["messages"][side]["missing"] for side in ("customer", "agent"))
    result["target_met"] = bool(c2a and a2c and worst < TARGET_P99_MS and lost == 0)
    return result


def _loop_stalls(tmp: Path, labels: list[str], since: float, until: float) -> dict[str, Any]:
    """Each server's event-loop stalls during the steady phase, from the warnings its
    ``KEFU_LOOP_STALL_MS`` watch logged (kefu/loop_watch.py)."""
    stalls: dict[str, Any] = {}
    for label in labels:
        found = []
        log = tmp / f"server-{label}.log"
        for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
            if " kefu.loop event loop stalled " not in line:
                continue
            at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            if since <= at <= until:
                ms = float(line.split(" stalled ")[1].split(" ms")[0])
                found.append((ms, "garbage collection" in line))
        stalls[label] = {
            "count": len(found),
            "max_ms": max((ms for ms, _ in found), default=0.0),
            "in_collection": sum(1 for _, collecting in found if collecting),
        }
    return stalls


def _slow_seconds(sent: list[float], start: float) -> dict[str, Any]:
    """When the messages slower than the target were sent: all in a few seconds (a stall of
    the machine or a server) or spread over the run (queueing). ``by_second``: seconds into
    the steady phase, worst first, to match against a server's or the machine's log."""
    seconds = Counter(int(t - start) for t in sent)
    return {
        "messages": len(sent),
        "seconds": len(seconds),
        "worst_second": max(seconds.values(), default=0),
        "by_second": dict(seconds.most_common(8)),
    }


def _latency(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50_ms": _pct(values, 50),
        "p90_ms": _pct(values, 90),
        "p99_ms": _pct(values, 99),
        "max_ms": round(max(values), 1) if values else 0.0,
    }


def _pct(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return round(values[0], 1) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 1)


def _report(r: dict[str, Any], out: Out, label: str) -> None:
    s, m, cpu = r["setup"], r["messages"], r["cpu"]
    out(
        f"{label} setup (connect + hello→welcome) p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
        f"max {s['max_ms']} ms; handoff→assigned p50 {s['handoff_to_assigned_p50_ms']} ms, "
        f"p99 {s['handoff_to_assigned_p99_ms']} ms; all assigned {s['all_assigned_s']} s, "
        f"all opened {s['all_opened_s']} s; CPU during setup: servers "
        f"{s['cpu']['servers_pct']} %, clients {s['cpu']['clients_pct']} %, machine busy "
        f"{s['cpu']['machine_busy_pct']} %"
    )
    for name, key in (
        ("customer→agent", "customer_to_agent"),
        ("agent→customer", "agent_to_customer"),
    ):
        d = r[key]
        out(
            f"{label} {name}: {d['count']} messages, p50 {d['p50_ms']} ms, p90 {d['p90_ms']} ms, "
            f"p99 {d['p99_ms']} ms, max {d['max_ms']} ms"
        )
    slow = r["slow"]
    out(
        f"{label} slower than {TARGET_P99_MS:.0f} ms: {slow['messages']} messages, sent within "
        f"{slow['seconds']} distinct seconds (at most {slow['worst_second']} in one)"
        + "".join(f"; t+{second} s: {n}" for second, n in slow["by_second"].items())
    )
    out(
        f"{label} server event-loop stalls over {LOOP_STALL_MS} ms while chatting: "
        + ", ".join(
            f"{server} {st['count']} (max {st['max_ms']:.0f} ms, {st['in_collection']} during "
            "garbage collection)"
            for server, st in r["loop_stalls"].items()
        )
    )
    out(
        f"{label} stored {m['stored_per_s']}/s, delivered {m['delivered_per_s']}/s; "
        f"customer messages acked {m['customer']['acked']}, missing {m['customer']['missing']}, "
        f"duplicated {m['customer']['duplicated']}; agent messages acked {m['agent']['acked']}, "
        f"missing {m['agent']['missing']}, duplicated {m['agent']['duplicated']}; "
        f"unacked {m['unacked']}; settled {m['drained_s']} s after the last; "
        f"seq gaps {r['order']['seq_gaps']}, "
        f"repeats {r['order']['seq_repeats']}; errors {r['errors'] or 'none'}"
    )
    out(
        f"{label} CPU: servers {cpu['servers_pct']} %, clients {cpu['clients_pct']} %, machine "
        f"busy {cpu['machine_busy_pct']} %; client loop lag p99 {cpu['client_loop_lag_p99_ms']} "
        f"ms (max {cpu['client_loop_lag_max_ms']} ms)"
    )
    out(
        f"{label} target (p99 < {TARGET_P99_MS:.0f} ms, nothing lost): "
        + ("met" if r["target_met"] else "NOT met")
    )


def _table(runs: list[dict[str, Any]], out: Out) -> None:
    out("")
    head = (
        f"{'mode':9} {'K':>5} {'agents':>9} {'setup p50/p99 ms':>17} {'assigned s':>10} "
        f"{'msg/s':>6} {'c→a p50/p99 ms':>15} {'a→c p50/p99 ms':>15} {'lost':>5} {'dup':>4} "
        f"{'srv CPU %':>10} {'cli CPU %':>10} {'target':>6}"
    )
    out(head)
    out("-" * len(head))
    for r in runs:
        if "error" in r:
            out(f"{r['mode']:9} {r['sessions']:>5}  error: {r['error'][:120]}")
            continue
        s, m = r["setup"], r["messages"]
        c2a, a2c = r["customer_to_agent"], r["agent_to_customer"]
        lost = m["customer"]["missing"] + m["agent"]["missing"]
        dup = m["customer"]["duplicated"] + m["agent"]["duplicated"]
        srv = "+".join(f"{v:.0f}" for v in r["cpu"]["servers_pct"].values())
        cli = "+".join(f"{v:.0f}" for v in r["cpu"]["clients_pct"])
        staff = f"{r['agents']}×{r['capacity']}"
        setup = f"{s['p50_ms']:.0f}/{s['p99_ms']:.0f}"
        there = f"{c2a['p50_ms']:.0f}/{c2a['p99_ms']:.0f}"
        back = f"{a2c['p50_ms']:.0f}/{a2c['p99_ms']:.0f}"
        out(
            f"{r['mode']:9} {r['sessions']:>5} {staff:>9} {setup:>17} {s['all_opened_s']:>10} "
            f"{m['stored_per_s']:>6} {there:>15} {back:>15} {lost:>5} {dup:>4} "
            f"{srv:>10} {cli:>10} {'met' if r['target_met'] else 'no':>6}"
        )
