"""``/metrics``: the Prometheus text read back with the official parser, and who may read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kefu.routing.demo_data import load_demo_routing
from kefu.routing.models import Presence, PresenceStatus, Queue, QueueEntry
from kefu.tickets.models import ChatState, Status, Ticket

from .conftest import T0, Story, minutes


def scrape(client: Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **headers)  # type: ignore[arg-type]
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
def desk_now(story: Story) -> Story:
    """Two chats waiting in the English general queue, one with a person, one agent online;
    an urgent open email with a breached first response clock; two breaches recorded."""
    load_demo_routing()
    now = timezone.now()
    queue = Queue.objects.get(slug="general-en")
    for waited in (30, 90):
        ticket = story.chat(now - timedelta(seconds=waited))
        Ticket.objects.filter(pk=ticket.pk).update(chat_state=ChatState.QUEUED, status="open")
        QueueEntry.objects.create(
            ticket=ticket, queue=queue, enqueued_at=now - timedelta(seconds=waited)
        )
    busy = story.chat(now - minutes(5), agent=story.sam)
    Ticket.objects.filter(pk=busy.pk).update(chat_state=ChatState.ASSIGNED, status="open")
    Presence.objects.filter(agent=story.sam).update(
        status=PresenceStatus.ONLINE, capacity=2, seen_at=now
    )
    late = story.ticket(T0)
    Ticket.objects.filter(pk=late.pk).update(
        status=Status.OPEN, priority="urgent", sla_breached=["first_response"]
    )
    story.event(late, "sla.breached", T0 + minutes(30), clock="first_response")
    story.event(late, "sla.breached", T0 + minutes(90), clock="resolution")
    return story


def test_queues_chats_agents_tickets_and_counters(desk_now: Story, client: Client) -> None:
    samples = scrape(client)
    general = (("language", "en"), ("queue", "general-en"), ("team", "general"))
    assert samples[("kefu_queue_waiting", general)] == 2
    assert 90 <= samples[("kefu_queue_oldest_wait_seconds", general)] < 150  # wall time
    assert samples[("kefu_queue_agents_online", general)] == 1
    # Sam: two slots, one busy, one free; the new arrival is third in line behind two
    # (position 2): (2 - 1 + 1) * 300 s / 2 slots.
    assert samples[("kefu_queue_estimated_wait_seconds", general)] == pytest.approx(300)
    chinese = (("language", "zh-hans"), ("queue", "general-zh-hans"), ("team", "general"))
    assert samples[("kefu_queue_waiting", chinese)] == 0
    assert ("kefu_queue_estimated_wait_seconds", chinese) not in samples  # nobody online
    assert samples[("kefu_chats", (("state", "queued"),))] == 2
    assert samples[("kefu_chats", (("state", "assigned"),))] == 1
    assert samples[("kefu_chats_active", ())] == 1
    assert samples[("kefu_agents", (("presence", "online"),))] == 1
    assert samples[("kefu_tickets_open", (("priority", "urgent"), ("status", "open")))] == 1
    assert samples[("kefu_tickets_sla_breached", (("priority", "urgent"),))] == 1
    assert samples[("kefu_tickets_sla_breached", (("priority", "normal"),))] == 0
    assert samples[("kefu_sla_breaches_total", (("clock", "first_response"),))] == 1
    assert samples[("kefu_sla_breaches_total", (("clock", "resolution"),))] == 1
    # The opening message of each of the four tickets, by the channel it came through.
    assert samples[("kefu_messages_total", (("author", "customer"), ("channel", "chat")))] == 3
    assert samples[("kefu_messages_total", (("author", "customer"), ("channel", "email")))] == 1


def test_no_personal_data_in_labels(desk_now: Story, client: Client) -> None:
    text = client.get("/metrics").content.decode()
    for personal in ("Sam Carter", "agent.sam", "someone@example.com", "Wang"):
        assert personal not in text


def test_private_addresses_may_scrape_without_a_token(db: None, client: Client) -> None:
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.9", "::1", "::ffff:10.0.0.1"):
        assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200, address
    for address in ("93.184.216.34", "203.0.113.7", "2001:db8::1", "::ffff:8.8.8.8"):
        assert client.get("/metrics", REMOTE_ADDR=address).status_code == 403, address
    refused = client.get("/metrics", REMOTE_ADDR="93.184.216.34")
    assert refused.status_code == 403
    assert b"KEFU_METRICS_TOKEN" in refused.content


def test_a_token_is_required_when_set(db: None, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403  # even from loopback
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    assert b"Authorization: Bearer" in wrong.content
    ok = client.get(
        "/metrics", REMOTE_ADDR="93.184.216.34", HTTP_AUTHORIZATION="Bearer s3cret-token"
    )
    assert ok.status_code == 200
    assert b"kefu_chats_active 0.0" in ok.content


def test_only_get(db: None, client: Client) -> None:
    assert client.post("/metrics").status_code == 405
