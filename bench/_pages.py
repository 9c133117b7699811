"""How long the supervisor pages take on the demo history (called from ``bench/insights.py``).

Loads what a fresh demo desk shows (``kefu.insights.demo_tickets.load_demo_ticket_history``:
four weeks of tickets, about 100 a day; and ``forecasting.demo_history``: the months of contact
history before them), then requests each page through Django's test client, signed in with
both steps (``staff_session.mark_verified``, as the real sign-in's last step leaves a session):
the dashboard for the last 7 and 30 days, the agent report and the CSV export by day for 30
days, the forecast and staffing page and the queue wall's ``queues.json``. Once as the
administrator (every team) and once as the demo supervisor with one of their teams chosen
(``team=general``). Each page: one request to check it answers 200 and count its queries, then
the best of ``repeat``. The whole request is timed: middleware, sign-in checks, the metrics, the
charts and the template.

Run it in a throwaway database (``bench._database.bench_database``): it adds rows for good.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent
from kefu.accounts.staff_session import mark_verified
from kefu.accounts.two_factor import DEVICE_NAME
from kefu.insights.demo_tickets import load_demo_ticket_history
from kefu.insights.forecasting.demo_history import load_demo_contact_history
from kefu.insights.models import ContactInterval
from kefu.routing.demo_data import load_demo_routing
from kefu.tickets.models import Ticket
from kefu.tickets.sla.policy import ensure_default_policies

# (result key, url name, query)
PAGES = (
    ("dashboard_7d", "insights:dashboard", "period=7d"),
    ("dashboard_30d", "insights:dashboard", "period=30d"),
    ("agent_report_30d", "insights:agents", "period=30d"),
    ("csv_by_day_30d", "insights:export", "period=30d&by=day"),
    ("forecast", "insights:forecast", ""),
    ("queues_json", "insights:queue-wall", ""),
)
# (who, extra query): a supervisor's report covers one of their teams when they pick it.
VIEWERS = (("admin", ""), ("supervisor", "team=general"))
SCOPED = frozenset({"insights:dashboard", "insights:agents", "insights:export"})


def run_pages_bench(out: Callable[[str], None], repeat: int = 3) -> dict[str, Any]:
    """Load the demo history, time every page for both viewers; returns the numbers (s)."""
    load_demo_accounts()
    ensure_default_policies()
    load_demo_routing()
    started = time.perf_counter()
    load_demo_ticket_history()
    load_demo_contact_history()
    results: dict[str, Any] = {
        "database": connection.vendor,
        "tickets": Ticket.objects.count(),
        "contact_intervals": ContactInterval.objects.count(),
        "load_seconds": round(time.perf_counter() - started, 2),
    }
    out(
        f"supervisor pages: demo history of {results['tickets']} tickets and "
        f"{results['contact_intervals']} contact intervals on {connection.vendor} (loaded in "
        f"{results['load_seconds']} s); test client, signed in, best of {repeat}"
    )
    with translation.override("en"):
        urls = {name: reverse(name) for _key, name, _query in PAGES}
    for who, scope in VIEWERS:
        client = _signed_in(Agent.objects.get(username=who))
        label = f"{who} ({scope})" if scope else who
        for key, name, query in PAGES:
            parts = [query, scope] if name in SCOPED else [query]
            url = urls[name] + ("?" + "&".join(p for p in parts if p) if any(parts) else "")
            page = _time_page(client, url, repeat)
            results[f"{who}.{key}"] = page
            out(
                f"  {label:30} {key:18} {page['status']} {page['seconds']:7.3f} s  "
                f"{page['queries']:4} queries  {page['bytes'] // 1024:4} KiB"
            )
            if page["status"] != 200:
                out(f"    ! {url} answered {page['status']}")
    return results


def _signed_in(agent: Agent) -> Client:
    """A browser of the agent after both sign-in steps (password and authenticator)."""
    device = TOTPDevice.objects.filter(user=agent, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=agent, name=DEVICE_NAME, confirmed=True)
    client = Client()
    session = client.session
    mark_verified(session, agent, device)
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key or ""
    return client


def _time_page(client: Client, url: str, repeat: int) -> dict[str, Any]:
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    times = []
    for _run in range(max(1, repeat)):
        began = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - began)
    return {
        "url": url,
        "status": response.status_code,
        "seconds": round(min(times), 4),
        "queries": queries,
        "bytes": len(response.content),
    }
