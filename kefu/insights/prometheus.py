"""``/metrics``: live numbers of the desk in the Prometheus text format (version 0.0.4).

Read from the database at scrape time by a custom collector, so every web process answers the
same whichever one is scraped, and nothing has to be counted in memory: queue lengths, the
oldest wait and the estimated wait of a new arrival per queue, chats by state, agents by
presence, open tickets by status and priority, open tickets with a breached SLA clock, and two
counters that only grow (Prometheus derives rates with ``rate()``): messages by author and
channel, and SLA breaches by clock.

Labels carry queue, team and channel names, statuses and priorities, never a person.

Who may scrape: with the setting ``KEFU_METRICS_TOKEN`` (or, where settings do not define it,
the environment variable of that name) only requests with ``Authorization: Bearer <token>``;
without one, only loopback and private-network addresses (a scraper beside the server or in
the same cluster). Anything else gets 403 with a sentence saying why.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector, CollectorRegistry

from kefu.events.models import Event
from kefu.routing.erlang import position_wait
from kefu.routing.estimate import handle_seconds
from kefu.routing.models import Presence, PresenceStatus, Queue, QueueEntry
from kefu.routing.pool import eligible, load_pool
from kefu.tickets.models import ChatState, Message, Status, Ticket

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
LIVE_CHAT_STATES = (ChatState.ASSISTANT, ChatState.QUEUED, ChatState.ASSIGNED)
# Loopback and the private ranges (RFC 1918, IPv6 unique local); not Python's wider
# ``is_private``, which also takes in documentation and benchmarking ranges.
SCRAPER_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)


class DeskCollector(Collector):
    """Reads the desk's state from the database on every collection."""

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        now = timezone.now()
        yield from _queues(now)
        yield from _chats_and_agents()
        yield from _tickets()
        yield from _counters()
        yield GaugeMetricFamily(
            "kefu_metrics_collect_seconds",
            "Time taken to read these metrics from the database.",
            value=time.perf_counter() - started,
        )


def _queues(now: datetime) -> Iterator[Metric]:
    labels = ["queue", "team", "language"]
    waiting = GaugeMetricFamily("kefu_queue_waiting", "Chats waiting in the queue.", labels=labels)
    oldest = GaugeMetricFamily(
        "kefu_queue_oldest_wait_seconds",
        "How long the longest-waiting chat in the queue has waited (0 when none).",
        labels=labels,
    )
    estimate = GaugeMetricFamily(
        "kefu_queue_estimated_wait_seconds",
        "Expected wait of a chat joining the queue now, from its line, the free and busy chat "
        "slots of eligible online agents and recent handle times (absent when nobody is online).",
        labels=labels,
    )
    online = GaugeMetricFamily(
        "kefu_queue_agents_online", "Online agents eligible for the queue.", labels=labels
    )
    entries = list(QueueEntry.objects.values_list("queue_id", "enqueued_at"))
    pool = load_pool()
    for queue in Queue.objects.select_related("team").order_by("slug"):
        values = [queue.slug, queue.team.slug, queue.language]
        times = [at for queue_id, at in entries if queue_id == queue.pk]
        agents = eligible(pool, queue)
        waiting.add_metric(values, len(times))
        oldest.add_metric(values, (now - min(times)).total_seconds() if times else 0.0)
        online.add_metric(values, len(agents))
        if agents:
            expected = position_wait(
                len(times),
                sum(a.free for a in agents),
                sum(min(a.load, a.capacity) for a in agents),
                handle_seconds(queue, now),
            )
            if expected is not None:
                estimate.add_metric(values, expected)
    yield from (waiting, oldest, estimate, online)


def _chats_and_agents() -> Iterator[Metric]:
    chats = GaugeMetricFamily(
        "kefu_chats", "Live chats by state (assigned: active with a person).", labels=["state"]
    )
    counts = dict(
        Ticket.objects.filter(chat_state__in=LIVE_CHAT_STATES)
        .order_by()
        .values_list("chat_state")
        .annotate(n=Count("pk"))
    )
    for state in LIVE_CHAT_STATES:
        chats.add_metric([state], counts.get(state, 0))
    yield chats
    yield GaugeMetricFamily(
        "kefu_chats_active",
        "Chats a person is handling now.",
        value=counts.get(ChatState.ASSIGNED, 0),
    )
    agents = GaugeMetricFamily("kefu_agents", "Agents by presence.", labels=["presence"])
    presence = dict(Presence.objects.order_by().values_list("status").annotate(n=Count("agent_id")))
    for status in PresenceStatus.values:
        agents.add_metric([status], presence.get(status, 0))
    yield agents


def _tickets() -> Iterator[Metric]:
    open_tickets = GaugeMetricFamily(
        "kefu_tickets_open",
        "Unsolved tickets (live chats included) by status and priority.",
        labels=["status", "priority"],
    )
    breached = GaugeMetricFamily(
        "kefu_tickets_sla_breached",
        "Unsolved tickets with at least one breached SLA clock, by priority.",
        labels=["priority"],
    )
    rows = (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("status", "priority")
        .annotate(n=Count("pk"), late=Count("pk", filter=~Q(sla_breached=[])))
    )
    late_by_priority: dict[str, int] = {}
    for status, priority, n, late in rows:
        open_tickets.add_metric([status, priority], n)
        late_by_priority[priority] = late_by_priority.get(priority, 0) + late
    for priority, late in sorted(late_by_priority.items()):
        breached.add_metric([priority], late)
    yield open_tickets
    yield breached


def _counters() -> Iterator[Metric]:
    messages = CounterMetricFamily(
        "kefu_messages",
        "Messages stored, by author and channel (internal notes included).",
        labels=["author", "channel"],
    )
    for author, channel, n in (
        Message.objects.order_by()
        .values_list("author", "channel")
        .annotate(n=Count("pk"))
        .values_list("author", "channel", "n")
    ):
        messages.add_metric([author, channel or "none"], n)
    yield messages
    breaches = CounterMetricFamily(
        "kefu_sla_breaches",
        "SLA clocks breached (sla.breached events), by clock.",
        labels=["clock"],
    )
    for clock, n in (
        Event.objects.filter(kind="sla.breached")
        .order_by()
        .values_list("data__clock")
        .annotate(n=Count("pk"))
    ):
        breaches.add_metric([str(clock or "unknown")], n)
    yield breaches


registry = CollectorRegistry(auto_describe=False)
registry.register(DeskCollector())


def expected_token() -> str:
    token = getattr(settings, "KEFU_METRICS_TOKEN", None)
    if token is None:
        token = os.environ.get("KEFU_METRICS_TOKEN", "")
    return str(token)


def refusal(request: HttpRequest) -> str | None:
    """Why this request may not scrape, or None when it may."""
    token = expected_token()
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _sep, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            return None
        return "Metrics need the header 'Authorization: Bearer <KEFU_METRICS_TOKEN>'.\n"
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "")
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address is not None and any(address in network for network in SCRAPER_NETWORKS):
        return None
    return (
        "Metrics are served to loopback and private addresses only; set KEFU_METRICS_TOKEN to "
        "scrape from elsewhere with 'Authorization: Bearer <token>'.\n"
    )


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    reason = refusal(request)
    if reason is not None:
        return HttpResponse(reason, status=403, content_type="text/plain; charset=utf-8")
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
