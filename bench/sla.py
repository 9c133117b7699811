"""SLA evaluation over 100,000 open tickets on PostgreSQL: how long one full scan takes.

Loads N open tickets (bulk inserts; clocks started by the real code: policy choice with the
default policies, business hours for complaints) opened over the last ``--spread-hours``, with
a mix of priorities, VIP tiers, complaints, answered, waiting and paused tickets. Then times
three scans of all of them (``kefu.tickets.sla.scan.scan``):

- **first**: everything that came due while the tickets were opened (a backlog: warnings,
  breaches and escalations, each with its events);
- **steady**: one scan interval later, as the periodic job runs in normal operation;
- **all due**: every ticket's first-response clock moved into the past at once, so that every
  one of the N tickets is breached, escalated and gets two events in the one scan.

PostgreSQL is what the target is about: without ``KEFU_DATABASE_URL`` the benchmark re-runs
itself against ``--database`` (default the local server), in a throwaway database that is
dropped afterwards. ``--database configured`` uses whatever the settings select (SQLite too).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

Out = Callable[[str], None]
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/kefu_sla"
ROOT = Path(__file__).resolve().parents[1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=100_000, help="open tickets (100000)")
    parser.add_argument(
        "--spread-hours", type=float, default=72, help="tickets opened over this many hours (72)"
    )
    parser.add_argument("--interval", type=float, default=60, help="steady scan after, s (60)")
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help=f"PostgreSQL URL when KEFU_DATABASE_URL is unset ({DEFAULT_DATABASE}); "
        "'configured' for the configured database",
    )
    parser.add_argument("--seed", type=int, default=5)


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    from django.conf import settings

    if not settings.DATABASE_URL and options.database != "configured":
        return _rerun_on(options, out)
    from bench._database import bench_database

    with bench_database() as vendor:
        out(f"database: {vendor}")
        results = measure_sla(
            options.tickets,
            spread_hours=options.spread_hours,
            interval=options.interval,
            seed=options.seed,
            out=out,
        )
        results["database"] = vendor
    return results


def measure_sla(
    tickets: int = 100_000,
    *,
    spread_hours: float = 72,
    interval: float = 60,
    seed: int = 5,
    out: Out = print,
) -> dict[str, Any]:
    """Load ``tickets`` open tickets into the current (throwaway) database and time the scans;
    returns the numbers. For ``bench/tickets.py`` and ``kefu bench sla``."""
    from django.db import connection
    from django.utils import timezone

    from kefu.tickets.models import Ticket
    from kefu.tickets.sla.scan import scan

    now = timezone.now()
    started = time.perf_counter()
    _load(tickets, now, spread_hours, random.Random(seed))
    load_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
    rate = tickets / load_seconds
    out(f"loaded {tickets:,} open tickets in {load_seconds:.1f} s ({rate:,.0f}/s)")
    results: dict[str, Any] = {
        "tickets": tickets,
        "spread_hours": spread_hours,
        "load_seconds": round(load_seconds, 2),
        "load_tickets_per_s": round(tickets / load_seconds),
    }
    for label, at in (("first", now), ("steady", now + timedelta(seconds=interval))):
        results[f"{label}_scan"] = _timed(label, scan, at, tickets, out)
    _make_all_due(now + timedelta(seconds=interval))
    later = now + timedelta(seconds=2 * interval)
    results["all_due_scan"] = _timed("all due", scan, later, tickets, out)
    results["all_due_scan"]["exactly_once"] = _exactly_once(later, tickets)
    out(
        f"all due: each ticket breached and escalated exactly once: "
        f"{results['all_due_scan']['exactly_once']}"
    )
    return results


def _exactly_once(at: datetime, tickets: int) -> bool:
    """Every ticket one breach event, one escalation event and escalation level 1 (the scan's
    parallel workers never processed a ticket twice)."""
    from kefu.events.models import Event
    from kefu.tickets.models import Ticket

    events = Event.objects.filter(created_at=at)
    return (
        events.filter(kind="sla.breached").count() == tickets
        and events.filter(kind="ticket.escalated").values("subject_id").distinct().count()
        == tickets
        and events.filter(kind="ticket.escalated").count() == tickets
        and Ticket.objects.filter(escalation_level=1).count() == tickets
    )


def _timed(label: str, scan: Any, at: datetime, tickets: int, out: Out) -> dict[str, Any]:
    result = scan(at)
    numbers = {
        "seconds": round(result.seconds, 3),
        "tickets_per_s": round(tickets / result.seconds) if result.seconds else None,
        "candidates": result.candidates,
        "warnings": result.warnings,
        "breaches": result.breaches,
        "escalations": result.escalations,
    }
    out(
        f"{label} scan of {tickets:,} open tickets: {result.seconds:.3f} s "
        f"({numbers['tickets_per_s']:,} tickets/s); {result.candidates:,} due, "
        f"{result.warnings:,} warnings, {result.breaches:,} breaches, "
        f"{result.escalations:,} escalations"
    )
    return numbers


def _load(count: int, now: datetime, spread_hours: float, rng: random.Random) -> None:
    from django.db import transaction

    from kefu.accounts.models import Customer
    from kefu.tickets.models import Channel, Kind, Priority, Status, Ticket
    from kefu.tickets.sla.clocks import start_clocks, track
    from kefu.tickets.sla.policy import all_policies, choose_policy, ensure_default_policies

    ensure_default_policies()
    policies = all_policies()
    customers = Customer.objects.bulk_create(
        Customer(exchange_uid=f"bench-sla-{i}", vip_tier=rng.choice((0, 0, 0, 0, 1, 2, 5)))
        for i in range(1000)
    )
    priorities = [Priority.LOW, Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
    channels = [Channel.EMAIL, Channel.PORTAL, Channel.CHAT, Channel.API]
    batch: list[Ticket] = []
    for _ in range(count):
        opened = now - timedelta(hours=rng.uniform(0, spread_hours))
        ticket = Ticket(
            customer=rng.choice(customers),
            channel=rng.choice(channels),
            status=Status.OPEN,
            priority=rng.choice(priorities),
            kind=Kind.COMPLAINT if rng.random() < 0.03 else Kind.REQUEST,
            created_at=opened,
            awaiting_agent_since=opened,
        )
        start_clocks(ticket, choose_policy(ticket, policies), opened)
        fate = rng.random()
        if fate < 0.5:  # answered; half of those wrote back since
            replied = opened + (now - opened) * rng.random() * 0.5
            track(ticket, "agent_replied", replied)
            if rng.random() < 0.5:
                track(ticket, "customer_replied", replied + (now - replied) * rng.random())
            elif rng.random() < 0.5:
                ticket.status = Status.PENDING
                track(ticket, "paused", replied)
        batch.append(ticket)
        if len(batch) == 5000:
            with transaction.atomic():
                Ticket.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Ticket.objects.bulk_create(batch)


def _make_all_due(at: datetime) -> None:
    """Every open ticket's first response overdue and not yet warned or breached (and nothing
    else due), so the scan breaches and escalates each one exactly once."""
    from kefu.tickets.models import Ticket

    overdue = at - timedelta(minutes=1)
    Ticket.objects.update(
        first_response_due=overdue,
        next_response_due=None,
        resolution_due=at + timedelta(days=1),
        next_breach_at=overdue,
        sla_next_check_at=overdue,
        sla_paused_at=None,
        sla_warned=[],
        sla_breached=[],
        escalation_level=0,
    )


def _rerun_on(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    """Run again in a child process whose settings select PostgreSQL."""
    env = {**os.environ, "KEFU_DATABASE_URL": options.database}
    env.pop("KEFU_REDIS_URL", None)  # jobs are not part of this measure
    command = [
        sys.executable,
        "-m",
        "kefu.cli",
        "bench",
        "sla",
        "--tickets",
        str(options.tickets),
        "--spread-hours",
        str(options.spread_hours),
        "--interval",
        str(options.interval),
        "--seed",
        str(options.seed),
        "--json",
    ]
    out(f"(running on {options.database})")
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    last = ""
    for line in child.stdout:
        if last:
            out(last)
        last = line.rstrip("\n")
    if child.wait() != 0:
        raise SystemExit(f"bench sla failed on {options.database}")
    return dict(json.loads(last))
