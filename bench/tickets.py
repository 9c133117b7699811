"""Tickets: how fast the API opens them, how fast SLA clocks are evaluated, how fast email is
ingested — the three numbers of ``kefu bench tickets``.

Ticket creation goes through the real HTTP API (``POST /api/v1/tickets``) of uvicorn serving
``kefu.asgi`` with ``--workers`` processes against a throwaway PostgreSQL database: every
request is signed, validated, checked for duplicates against the customer's open tickets,
given a priority and SLA clocks, and written with its first message and events. The client is
asyncio with keep-alive connections on the same 2 cores, so the number is what one machine
does with client and server on it. The SLA and email parts are bench/sla.py and bench/mail.py,
run here with their defaults when present.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._database import bench_database
from bench._servers import BenchError, uvicorn_server

Out = Callable[[str], None]
CATEGORIES = ["kyc", "api", "other", "withdrawal", "deposit"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=3000, help="tickets to open (3000)")
    parser.add_argument("--customers", type=int, default=1000, help="distinct customers (1000)")
    parser.add_argument("--connections", type=int, default=32, help="client connections (32)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument("--only", default="api,sla,mail", help="parts to run: api,sla,mail (all)")


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    parts = {p.strip() for p in options.only.split(",") if p.strip()}
    results: dict[str, Any] = {}
    if "api" in parts:
        results["api"] = run_api(options, out)
    for name in ("sla", "mail"):
        if name in parts and (Path(__file__).parent / f"{name}.py").exists():
            from kefu.management.commands.bench import load_benchmark

            module = load_benchmark(name)
            parser = argparse.ArgumentParser()
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)
            out(f"\n== {name} ==")
            results[name] = module.run(parser.parse_args([]), out)
    return results


def run_api(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        raise BenchError("ticket creation is measured on PostgreSQL: set KEFU_DATABASE_URL")
    out(
        f"== api: {options.tickets} tickets, {options.customers} customers, "
        f"{options.connections} connections, {options.workers} server processes =="
    )
    with bench_database(), tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        signed = _seed(options.customers, settings.KEFU_WIDGET_SECRET)
        db = connections["default"].settings_dict
        env = {
            **os.environ,
            "KEFU_DATABASE_URL": (
                f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            "KEFU_ROUTING_TICK_SECONDS": "0",
            "KEFU_JOBS_SCHEDULER": "0",
            "KEFU_DATA_DIR": tmp,
            "KEFU_WIDGET_SECRET": settings.KEFU_WIDGET_SECRET,
        }
        with uvicorn_server(env, Path(tmp), "api", workers=options.workers) as (_proc, port):
            requests = _requests(options.tickets, signed)
            started = time.perf_counter()
            latencies, statuses = asyncio.run(_drive(port, requests, options.connections))
            elapsed = time.perf_counter() - started
        from kefu.tickets.models import Ticket

        stored = Ticket.objects.count()
    created = statuses.get(201, 0)
    results = {
        "tickets": options.tickets,
        "created": created,
        "stored": stored,
        "errors": {str(k): v for k, v in statuses.items() if k != 201},
        "seconds": round(elapsed, 2),
        "tickets_per_second": round(created / elapsed, 1),
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "latency_p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
    }
    out(
        f"created {created}/{options.tickets} (stored {stored}) in {elapsed:.2f} s: "
        f"{results['tickets_per_second']} tickets/s, p50 {results['latency_p50_ms']} ms, "
        f"p99 {results['latency_p99_ms']} ms, errors {results['errors']}"
    )
    return results


def _seed(count: int, secret: str) -> list[tuple[str, int, str]]:
    from kefu.accounts.demo_data import load_demo_accounts
    from kefu.accounts.identity import sign_customer
    from kefu.accounts.models import Customer
    from kefu.tickets.sla.policy import ensure_default_policies

    load_demo_accounts()
    ensure_default_policies()
    Customer.objects.bulk_create(
        [Customer(exchange_uid=f"bench-{i:06d}", vip_tier=i % 6) for i in range(count)]
    )
    expires = int(time.time()) + 86400
    return [
        (f"bench-{i:06d}", expires, sign_customer(f"bench-{i:06d}", expires)) for i in range(count)
    ]


def _requests(count: int, signed: list[tuple[str, int, str]]) -> list[bytes]:
    rng = random.Random(5)
    bodies = []
    for n in range(count):
        uid, expires, signature = signed[n % len(signed)]
        category = CATEGORIES[(n // len(signed)) % len(CATEGORIES)]
        payload: dict[str, Any] = {
            "customer_id": uid,
            "customer_expires": expires,
            "customer_signature": signature,
            "category": category,
            "subject": f"Question {n} about {category}",
            "text": f"Request {n}: {rng.choice(['充值', 'withdrawal', '验证', 'API key'])} "
            f"problem number {rng.randrange(10**9)} since yesterday",
            "client_id": f"bench-{n}",
        }
        if category == "deposit":
            payload["fields"] = {
                "coin": "USDT",
                "network": "TRC20",
                "tx_hash": f"{rng.getrandbits(256):064x}",
                "amount": "250",
            }
        elif category == "withdrawal":
            payload["fields"] = {"coin": "BTC", "network": "BTC", "amount": "0.01"}
        bodies.append(json.dumps(payload).encode())
    return bodies


async def _drive(
    port: int, bodies: list[bytes], connections: int
) -> tuple[list[float], dict[int, int]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                writer.write(
                    b"POST /api/v1/tickets/ HTTP/1.1\r\nHost: bench\r\n"
                    b"Content-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                status = await _response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return latencies, statuses


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    await reader.readexactly(length)
    return status


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
