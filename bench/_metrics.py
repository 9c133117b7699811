"""How long the support metrics take over a month of history (called from ``bench/insights.py``).

Writes a synthetic 28-day history into the current database with the demo generator
(``kefu.insights.demo_tickets``, scaled to ``tickets`` contacts: about five events and five
messages each, so 20,000 tickets make about 135,000 events), then times, best of ``repeat``:
``compute()`` over the whole window in total and by channel, agent, day and hour, with a
filter, ``timeseries()`` of one metric by hour, ``compute_many()`` by day and channel (the
dashboard's page), and ``to_csv()`` of the report by day.
Run it in a throwaway database (``bench._database.bench_database``): it adds rows for good.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.events.models import Event
from kefu.insights.demo_tickets import DAYS, plan_history, write_history
from kefu.insights.metrics import Filters, compute, compute_many, timeseries, to_csv
from kefu.routing.demo_data import load_demo_routing
from kefu.tickets.models import Message
from kefu.tickets.sla.policy import ensure_default_policies


def run_metrics_bench(out: Any, tickets: int = 20000, repeat: int = 3) -> dict[str, Any]:
    """Build the history, time the reports; prints through ``out`` (a stream with ``write``,
    or a function taking a line) and returns the numbers (seconds)."""
    say = _printer(out)
    load_demo_accounts()
    ensure_default_policies()
    load_demo_routing()
    now = clock.now()
    started = time.perf_counter()
    planned = plan_history(now, seed=11, daily=max(1, round(tickets / DAYS)))
    written = write_history(planned)
    results: dict[str, Any] = {
        "database": connection.vendor,
        "tickets": written,
        "events": Event.objects.count(),
        "messages": Message.objects.count(),
        "write_seconds": round(time.perf_counter() - started, 2),
    }
    say(
        f"metrics: {written} tickets, {results['events']} events, {results['messages']} messages "
        f"over {DAYS} days on {connection.vendor} (written in {results['write_seconds']} s)"
    )
    window = Filters(now - timedelta(days=DAYS), now)
    cases: dict[str, Callable[[], Any]] = {
        "compute_total": lambda: compute(window),
        "compute_by_channel": lambda: compute(window, by="channel"),
        "compute_by_agent": lambda: compute(window, by="agent"),
        "compute_by_day": lambda: compute(window, by="day"),
        "compute_by_hour": lambda: compute(window, by="hour"),
        "compute_email_by_team": lambda: compute(
            Filters(window.start, window.end, channel="email"), by="team"
        ),
        "timeseries_hour": lambda: timeseries(window, "queue_wait_p90", "hour"),
        "compute_many_day_channel": lambda: compute_many(window, ["day", "channel"]),
    }
    for name, work in cases.items():
        results[f"{name}_seconds"] = _best(work, repeat)
        say(f"  {name:24} {results[f'{name}_seconds']:.3f} s")
    report = compute(window, by="day")
    results["csv_seconds"] = _best(lambda: to_csv(report), repeat)
    results["csv_bytes"] = len(to_csv(report).encode())
    say(f"  {'to_csv (by day)':24} {results['csv_seconds']:.4f} s, {results['csv_bytes']} bytes")
    total = report.total
    say(
        f"  opened {total.opened}, solved {total.solved}, conversations {total.conversations}, "
        f"queued {total.queued}, ratings {total.csat_responses}"
    )
    return results


def _best(work: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _run in range(max(1, repeat)):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return round(best, 4)


def _printer(out: Any) -> Callable[[str], None]:
    if hasattr(out, "write"):
        return lambda line: out.write(line + "\n")
    return out  # type: ignore[no-any-return]
