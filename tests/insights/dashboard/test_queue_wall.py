"""The dashboard's queue wall: each queue's line now, with a wait estimate a newcomer can trust.

One chat waits in "General (en)" since 90 s. Sam Carter (General, English) is online with one
chat slot, taken by a chat he is handling; Wang Fang is online too but speaks only Chinese. A
newcomer is second in line with no free slot and one busy slot: two chats must finish first,
each taking the default handle time of 300 s, so the estimate is 600 s.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client

from kefu.accounts.models import Agent, Customer
from kefu.insights.queue_wall import queue_lines
from kefu.routing.demo_data import load_demo_routing
from kefu.routing.models import Presence, PresenceStatus, Queue, QueueEntry
from kefu.tickets.models import ChatState, Ticket

URL = "/en/console/insights/queues.json"


@pytest.fixture
def queues(desk: None, frozen_clock: datetime, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_DEFAULT_HANDLE_SECONDS = 300
    load_demo_routing()
    Customer.objects.create(exchange_uid="900001", display_name="Waiting Customer")
    customer = Customer.objects.get(exchange_uid="900001")
    sam = Agent.objects.get(username="agent.sam")
    Presence.objects.filter(agent=sam).update(status=PresenceStatus.ONLINE, capacity=1)
    Presence.objects.filter(agent__username="agent.wang").update(status=PresenceStatus.ONLINE)
    Ticket.objects.create(
        customer=customer, channel="chat", language="en", chat_state=ChatState.ASSIGNED,
        assignee=sam, assigned_at=frozen_clock - timedelta(minutes=3),
    )  # fmt: skip
    waiting = Ticket.objects.create(
        customer=customer, channel="chat", language="en", chat_state=ChatState.QUEUED
    )
    QueueEntry.objects.create(
        ticket=waiting,
        queue=Queue.objects.get(slug="general-en"),
        enqueued_at=frozen_clock - timedelta(seconds=90),
    )


def test_queue_lines_with_a_known_estimate(queues: None) -> None:
    lines = {line.slug: line for line in queue_lines(None)}
    general = lines["general-en"]
    assert (general.waiting, general.oldest_wait_seconds) == (1, 90)
    assert (general.agents_online, general.agents_busy, general.free_slots) == (1, 1, 0)
    assert general.estimated_wait_seconds == 600
    chinese = lines["general-zh-hans"]
    assert (chinese.waiting, chinese.agents_online, chinese.agents_busy) == (0, 1, 0)
    assert chinese.estimated_wait_seconds == 0  # Wang has free slots
    nobody = lines["security-en"]  # needs the security skill: nobody online has it in English
    assert nobody.agents_online == 0 and nobody.estimated_wait_seconds is None


def test_supervisor_gets_their_teams_queues(queues: None, supervisor_client: Client) -> None:
    response = supervisor_client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert sorted(q["slug"] for q in data["queues"]) == [
        "general-en",
        "general-zh-hans",
        "security-en",
        "security-zh-hans",
    ]
    assert data["totals"]["waiting"] == 1
    assert data["totals"]["oldest_wait_seconds"] == 90
    # Sam and Wang are both General members, online; Sam is busy with one chat.
    assert data["totals"]["agents_online"] == 2
    assert data["totals"]["agents_busy"] == 1
    assert data["totals"]["chats_in_progress"] == 1


def test_admin_gets_every_queue(queues: None, admin_staff_client: Client) -> None:
    data = admin_staff_client.get(URL).json()
    assert len(data["queues"]) == Queue.objects.count() == 14


def test_the_dashboard_embeds_the_wall(queues: None, supervisor_client: Client) -> None:
    html = supervisor_client.get("/en/console/insights/").content.decode()
    assert f'data-insights="queue-wall" data-url="{URL}"' in html
    assert 'id="insights-wall-labels"' in html
    assert '<script src="/static/kefu/insights.js" defer></script>' in html
