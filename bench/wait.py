"""Queue wait estimates against the waits that follow: a discrete-event simulation on a virtual
clock, driving the real routing code in a throwaway database.

Per scenario, N agents with capacity c are online for one queue; chats arrive as a Poisson process
at the rate that gives the chosen occupancy (λ = ρ·N·c / H) and are handled for exponential
times with mean H. Every arrival is a real ticket put in line with ``routing.enqueue`` (which
stores its first estimate on the queue entry); ``routing.dispatch(now=t)`` runs after every
arrival and every end, and a chat ends with ``tickets.end_chat`` + ``routing.finished`` at its
sampled time. Time is frozen at the virtual clock at each step (``django.utils.timezone.now`` and
the model defaults that point to it are patched), so ``queued_at``, ``assigned_at`` and the
handle times the estimator learns from are all virtual.

The actual wait is read back from each ``ticket.assigned`` event (``data.wait_seconds``, beside
the stored ``estimate_seconds``). Handle time: ``KEFU_DEFAULT_HANDLE_SECONDS`` is set to H for
the first chats, after which the estimator learns the mean of the team's recent handle times
(≥ 5 ended chats, last 50), as in production. The baseline is the Erlang C average speed of
answer for the same λ, H and N·c chat slots, the same number quoted to everyone.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from bench._database import bench_database

Out = Callable[[str], None]

DEFAULT_SCENARIOS = "3x2:0.9,10x3:0.9,20x3:0.95"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenarios",
        default=DEFAULT_SCENARIOS,
        help="AGENTSxCAPACITY:OCCUPANCY, comma-separated (default 3x2:0.9,10x3:0.9,20x3:0.95)",
    )
    parser.add_argument("--handle", type=float, default=300, help="mean handle time H, s (300)")
    parser.add_argument("--arrivals", type=int, default=2000, help="chats per scenario (2000)")
    parser.add_argument(
        "--default-handle",
        type=float,
        help="KEFU_DEFAULT_HANDLE_SECONDS until 5 chats ended (default: H)",
    )
    parser.add_argument("--seed", type=int, default=7)


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    from django.conf import settings

    scenarios = [_parse(s) for s in options.scenarios.split(",") if s.strip()]
    default_handle = options.default_handle or options.handle
    results: dict[str, Any] = {
        "handle_seconds": options.handle,
        "default_handle_seconds": default_handle,
        "handle_time": "learned from ended chats (>= 5, last 50); default until then",
        "arrivals_per_scenario": options.arrivals,
        "scenarios": [],
    }
    with bench_database() as vendor:
        out(f"database: {vendor}")
        results["database"] = vendor
        old = settings.KEFU_DEFAULT_HANDLE_SECONDS
        settings.KEFU_DEFAULT_HANDLE_SECONDS = default_handle
        try:
            for number, (agents, capacity, occupancy) in enumerate(scenarios):
                rng = random.Random(options.seed * 100 + number)
                t = time.perf_counter()
                sim = _simulate(
                    number, agents, capacity, occupancy, options.handle, options.arrivals, rng
                )
                result = _evaluate(sim)
                result["run_s"] = round(time.perf_counter() - t, 1)
                results["scenarios"].append(result)
                _report(result, out)
        finally:
            settings.KEFU_DEFAULT_HANDLE_SECONDS = old
    _table(results["scenarios"], out)
    return results


def _parse(text: str) -> tuple[int, int, float]:
    staff, _, occupancy = text.strip().partition(":")
    agents, _, capacity = staff.partition("x")
    return int(agents), int(capacity or 1), float(occupancy or 0.9)


# -- the virtual clock ---------------------------------------------------------------------------


class VirtualClock:
    def __init__(self, start: datetime):
        self.start = start
        self.seconds = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)


@contextlib.contextmanager
def frozen_time(clock: VirtualClock) -> Iterator[None]:
    """``timezone.now()`` and model fields defaulting to it read the virtual clock."""
    from django.apps import apps
    from django.utils import timezone

    real = timezone.now
    patched = []
    for model in apps.get_models():
        for f in model._meta.fields:
            if f.default is real:
                patched.append(f)
                f.default = clock.now
    try:
        with mock.patch("django.utils.timezone.now", clock.now):
            yield
    finally:
        for f in patched:
            f.default = real


# -- the simulation ------------------------------------------------------------------------------


def _simulate(
    number: int,
    agents: int,
    capacity: int,
    occupancy: float,
    handle: float,
    arrivals: int,
    rng: random.Random,
) -> dict[str, Any]:
    from django.utils import timezone

    from kefu.accounts.models import Agent, Team
    from kefu.events.models import Event
    from kefu.routing import services as routing
    from kefu.routing.models import Presence, Queue
    from kefu.tickets import actions as tickets
    from kefu.tickets.models import Ticket

    slots = agents * capacity
    rate = occupancy * slots / handle
    clock = VirtualClock(timezone.now().replace(microsecond=0))
    with frozen_time(clock):
        team = Team.objects.create(slug=f"wait-{number}", name=f"Wait scenario {number}")
        Queue.objects.create(
            slug=f"wait-{number}-en", name=f"Wait {number}", team=team, language="en"
        )
        staff = []
        for i in range(agents):
            agent = Agent.objects.create(
                username=f"wait.{number}.{i}", display_name=f"Agent {number}.{i}", languages=["en"]
            )
            agent.teams.add(team)
            Presence.objects.update_or_create(
                agent=agent,
                defaults={"status": "online", "capacity": capacity, "idle_since": clock.now()},
            )
            staff.append(agent)

        # (time, order, kind, payload): kind 0 = a chat ends (before an arrival at the same time)
        events: list[tuple[float, int, int, Any]] = []
        order = 0
        t = 0.0
        for _ in range(arrivals):
            t += rng.expovariate(rate)
            events.append((t, order, 1, None))
            order += 1
        heapq.heapify(events)
        ticket_ids: list[str] = []
        handled = []
        max_waiting = 0

        def start_chats(assignments: list[Any]) -> None:
            nonlocal order
            for a in assignments:
                duration = rng.expovariate(1 / handle)
                handled.append(duration)
                heapq.heappush(events, (clock.seconds + duration, order, 0, a))
                order += 1

        while events:
            t, _, kind, payload = heapq.heappop(events)
            clock.seconds = t
            if kind == 1:
                ticket = tickets.open_chat(None, "en")
                ticket_ids.append(str(ticket.pk))
                routing.enqueue(ticket, reason="customer_request", team=team)
                start_chats(routing.dispatch(now=clock.now()))
            else:
                ticket = Ticket.objects.get(pk=payload.ticket_id)
                tickets.end_chat(ticket, by="agent", resolution="solved")
                routing.finished(payload.agent_id)
                start_chats(routing.dispatch(now=clock.now()))
            max_waiting = max(max_waiting, _waiting(team))
        Presence.objects.filter(agent__in=staff).update(status="offline")

    assigned = Event.objects.filter(
        kind="ticket.assigned", subject_type="tickets.ticket", subject_id__in=ticket_ids
    ).values_list("data", flat=True)
    rows = [(float(d["wait_seconds"]), d.get("estimate_seconds")) for d in assigned]
    return {
        "agents": agents,
        "capacity": capacity,
        "occupancy": occupancy,
        "handle": handle,
        "rate": rate,
        "rows": rows,
        "handled_mean": statistics.fmean(handled) if handled else 0.0,
        "max_waiting": max_waiting,
        "simulated_hours": clock.seconds / 3600,
    }


def _waiting(team: Any) -> int:
    from kefu.routing.models import QueueEntry

    return QueueEntry.objects.filter(queue__team=team).count()


# -- the measures ----------------------------------------------------------------------------------


def _errors(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    """Error measures of (actual, estimate) pairs."""
    if not pairs:
        return {"count": 0}
    diffs = [e - a for a, e in pairs]
    absolute = [abs(d) for d in diffs]
    close = sum(1 for (a, e), d in zip(pairs, absolute, strict=True) if d <= max(30, 0.25 * a))
    return {
        "count": len(pairs),
        "mean_actual_s": round(statistics.fmean(a for a, _ in pairs), 1),
        "mean_estimate_s": round(statistics.fmean(e for _, e in pairs), 1),
        "mae_s": round(statistics.fmean(absolute), 1),
        "median_ae_s": round(statistics.median(absolute), 1),
        "bias_s": round(statistics.fmean(diffs), 1),
        "within_30s_or_25pct": round(close / len(pairs), 3),
    }


def _evaluate(sim: dict[str, Any]) -> dict[str, Any]:
    from kefu.routing.erlang import average_speed_of_answer, erlang_c, offered_load

    slots = sim["agents"] * sim["capacity"]
    asa = average_speed_of_answer(sim["rate"], sim["handle"], slots)
    rows = [(a, e) for a, e in sim["rows"] if e is not None]
    waited = [(a, e) for a, e in rows if a > 0 or e > 0]
    result = {
        "scenario": f"{sim['agents']}x{sim['capacity']}@{sim['occupancy']}",
        "agents": sim["agents"],
        "capacity": sim["capacity"],
        "occupancy": sim["occupancy"],
        "arrival_rate_per_h": round(sim["rate"] * 3600, 1),
        "handle_s": sim["handle"],
        "handled_mean_s": round(sim["handled_mean"], 1),
        "simulated_hours": round(sim["simulated_hours"], 1),
        "max_waiting": sim["max_waiting"],
        "assigned": len(sim["rows"]),
        "without_estimate": len(sim["rows"]) - len(rows),
        "share_waited": round(sum(1 for a, _ in rows if a > 0) / max(1, len(rows)), 3),
        "erlang_c": {
            "p_wait": round(erlang_c(offered_load(sim["rate"], sim["handle"]), slots), 3),
            "asa_s": round(asa, 1),
        },
        "estimate": _errors(rows),
        "estimate_queued": _errors(waited),
        "erlang_asa": _errors([(a, asa) for a, _ in rows]),
        "erlang_asa_queued": _errors([(a, asa) for a, _ in waited]),
    }
    return result


def _report(r: dict[str, Any], out: Out) -> None:
    out(
        f"[{r['scenario']}] {r['assigned']} chats over {r['simulated_hours']} virtual hours, "
        f"{r['arrival_rate_per_h']}/h, handle mean {r['handled_mean_s']} s; waited "
        f"{r['share_waited']:.0%}, longest line {r['max_waiting']}; Erlang C P(wait) "
        f"{r['erlang_c']['p_wait']}, ASA {r['erlang_c']['asa_s']} s ({r['run_s']} s to run)"
    )
    for label, key in (
        ("estimate, all", "estimate"),
        ("estimate, queued", "estimate_queued"),
        ("Erlang ASA, all", "erlang_asa"),
        ("Erlang ASA, queued", "erlang_asa_queued"),
    ):
        e = r[key]
        if not e["count"]:
            out(f"[{r['scenario']}]   {label:19} no chats")
            continue
        out(
            f"[{r['scenario']}]   {label:19} n {e['count']:5}  actual {e['mean_actual_s']:7.1f} s"
            f"  estimate {e['mean_estimate_s']:7.1f} s  MAE {e['mae_s']:6.1f} s  median AE "
            f"{e['median_ae_s']:6.1f} s  bias {e['bias_s']:+7.1f} s  within ±30 s/±25 % "
            f"{e['within_30s_or_25pct']:.0%}"
        )


def _table(rows: list[dict[str, Any]], out: Out) -> None:
    out("")
    head = (
        f"{'scenario':14} {'n':>5} {'waited':>6} {'actual s':>8} {'est s':>7} {'MAE':>6} "
        f"{'medAE':>6} {'bias':>7} {'ok %':>5} | {'ASA s':>7} {'MAE':>6} {'medAE':>6} "
        f"{'bias':>7} {'ok %':>5}"
    )
    out(head)
    out("-" * len(head))
    for r in rows:
        e, b = r["estimate"], r["erlang_asa"]
        if not e["count"]:
            continue
        out(
            f"{r['scenario']:14} {e['count']:>5} {r['share_waited']:>6.0%} "
            f"{e['mean_actual_s']:>8.1f} {e['mean_estimate_s']:>7.1f} {e['mae_s']:>6.1f} "
            f"{e['median_ae_s']:>6.1f} {e['bias_s']:>+7.1f} {e['within_30s_or_25pct']:>5.0%} | "
            f"{b['mean_estimate_s']:>7.1f} {b['mae_s']:>6.1f} {b['median_ae_s']:>6.1f} "
            f"{b['bias_s']:>+7.1f} {b['within_30s_or_25pct']:>5.0%}"
        )
    out("(ok %: estimates within ±30 s or ±25 % of the actual wait; left: Kefu's estimate,")
    out(" right: the Erlang C average speed of answer quoted to everyone)")


if __name__ == "__main__":  # pragma: no cover - run through ``kefu bench wait``
    raise SystemExit("run with: kefu bench wait")
