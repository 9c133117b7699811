"""Surge detection on hand-built question histories with known answers."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

from kefu.accounts.models import Agent, Customer
from kefu.assistant.models import Conversation, Turn
from kefu.connectors.webchat.outbox import agent_group
from kefu.insights.incidents.actions import dismiss_surge, open_incident
from kefu.insights.incidents.models import SurgeAlert, SurgeStatus
from kefu.insights.incidents.surges import (
    chance_of_at_least,
    describe,
    detect,
    scan,
    suggest_incident,
)
from kefu.tickets.models import Message, Ticket

from .conftest import MONDAY, heard_by, trc20_draft

NOW = MONDAY
pytestmark = pytest.mark.usefixtures("desk")


def ask(
    at: datetime,
    text: str,
    intent: str = "",
    coins: Iterable[str] = (),
    networks: Iterable[str] = (),
) -> None:
    """One assistant conversation begun at ``at``: the question and what the assistant made of
    it (as the engine stores them)."""
    conversation = Conversation.objects.create(created_at=at)
    entities = [{"kind": "coin", "value": c} for c in coins]
    entities += [{"kind": "network", "value": n} for n in networks]
    Turn.objects.create(
        conversation=conversation, role="customer", text=text, entities=entities, created_at=at
    )
    Turn.objects.create(
        conversation=conversation,
        role="assistant",
        text="…",
        kind="answer" if intent else "unknown",
        intent=intent,
        created_at=at + timedelta(seconds=1),
    )


def asked(count: int, *, minutes_ago: float = 25, days_ago: int = 0, **question: Any) -> None:
    """``count`` questions spread over a few minutes, ``days_ago`` days before now."""
    for i in range(count):
        at = NOW - timedelta(days=days_ago, minutes=minutes_ago) + timedelta(seconds=20 * i)
        ask(
            at,
            question.get("text", f"deposit question {i}"),
            **{k: v for k, v in question.items() if k != "text"},
        )


def usual_deposits(per_day: int, network: str = "BTC") -> None:
    for day in range(1, 8):
        asked(per_day, days_ago=day, intent="deposit", coins=["BTC"], networks=[network])


def test_a_spike_on_one_network_is_detected_as_that_network(db: None) -> None:
    usual_deposits(2)
    asked(12, intent="deposit", coins=["USDT"], networks=["TRC20"], text="USDT TRC20 未到账")
    [cluster] = detect(NOW)
    assert cluster.key == "deposit|TRC20" and cluster.count == 12 and cluster.usual == 0
    assert cluster.named("coins") == ["USDT"] and cluster.named("networks") == ["TRC20"]


def test_a_steady_rate_is_not_a_surge(db: None) -> None:
    for day in range(1, 8):
        asked(10, days_ago=day, intent="deposit", coins=["USDT"], networks=["TRC20"])
    asked(11, intent="deposit", coins=["USDT"], networks=["TRC20"])
    assert detect(NOW) == []


def test_a_few_questions_are_below_the_floor_however_unusual(db: None) -> None:
    asked(7, intent="withdrawal", networks=["SOL"])
    assert detect(NOW) == []
    asked(1, minutes_ago=5, intent="withdrawal", networks=["SOL"])
    assert [c.key for c in detect(NOW)] == ["withdrawal|SOL"]


def test_old_questions_and_a_past_bad_day_do_not_count(db: None) -> None:
    asked(20, minutes_ago=45, intent="deposit", networks=["TRC20"])  # before the window
    assert detect(NOW) == []
    asked(30, days_ago=3, intent="deposit", networks=["TRC20"])  # one bad day last week
    asked(10, intent="deposit", networks=["TRC20"])
    assert [c.key for c in detect(NOW)] == ["deposit|TRC20"]  # the median ignores that day


def test_chats_and_tickets_about_the_same_thing_are_one_cluster(db: None) -> None:
    asked(5, intent="deposit-not-credited", coins=["USDT"], networks=["TRC20"])
    customer = Customer.objects.get(exchange_uid="100001")
    for i in range(4):
        ticket = Ticket.objects.create(
            customer=customer,
            channel="portal",
            category="deposit",
            subject="deposit missing",
            fields={"coin": "USDT", "network": "TRC20"},
            created_at=NOW - timedelta(minutes=10 + i),
        )
        Message.objects.create(ticket=ticket, seq=1, author="customer", text="still missing")
    [cluster] = detect(NOW)
    assert cluster.key == "deposit|TRC20" and cluster.count == 9


def test_questions_nothing_recognised_cluster_by_their_words(db: None) -> None:
    phrasings = [
        "the app crashes when I open the login page",
        "app crashes on the login page",
        "login page crashes the app",
        "why does the app crash at login page",
        "app crash login page again",
        "the login page app crashes every time",
        "crashes on login page in the app",
        "app login page crashes",
        "my app crashes at the login page",
    ]
    for i, text in enumerate(phrasings):
        ask(NOW - timedelta(minutes=20 - i), text)
    for i in range(6):
        ask(
            NOW - timedelta(minutes=15 - i),
            f"what is the fee for {['BTC', 'ETH'][i % 2]} trading {i}",
        )
    [cluster] = detect(NOW)
    assert cluster.key.startswith("text:") and cluster.count == 9
    assert "login" in cluster.signature and "crash" in " ".join(cluster.signature)
    scan(NOW)
    alert = SurgeAlert.objects.get()
    assert describe(alert).startswith("Similar questions: “")
    assert suggest_incident(alert).titles["en"] == "Service issue"  # not a customer's words


def test_scanning_again_updates_the_open_alert_instead_of_raising_another(db: None) -> None:
    asked(9, intent="deposit", networks=["TRC20"], coins=["USDT"])
    first = scan(NOW)
    [alert] = SurgeAlert.objects.all()
    assert first.raised == [alert.pk] and alert.status == SurgeStatus.OPEN
    assert alert.count == 9 and len(alert.samples) == 5

    asked(3, minutes_ago=2, intent="deposit", networks=["TRC20"])
    second = scan(NOW + timedelta(minutes=5))
    assert second.raised == [] and second.updated == [alert.pk]
    alert.refresh_from_db()
    assert SurgeAlert.objects.count() == 1 and alert.peak_count == 12

    later = scan(NOW + timedelta(hours=3))  # the questions have stopped
    alert.refresh_from_db()
    assert later.subsided == 1 and alert.status == SurgeStatus.SUBSIDED


def test_a_cluster_raises_again_once_its_alert_was_dealt_with(db: None, supervisor: Agent) -> None:
    asked(9, intent="deposit", networks=["TRC20"])
    scan(NOW)
    dismiss_surge(SurgeAlert.objects.get(), by=supervisor)
    assert scan(NOW + timedelta(minutes=5)).raised != []
    assert SurgeAlert.objects.filter(status=SurgeStatus.OPEN).count() == 1


def test_a_cluster_an_ongoing_incident_covers_raises_nothing(db: None, supervisor: Agent) -> None:
    open_incident(trc20_draft(), by=supervisor)
    asked(12, intent="deposit", coins=["USDT"], networks=["TRC20"])
    asked(12, intent="withdrawal", coins=["USDT"], networks=["TRC20"])
    assert [c.key for c in detect(NOW)] == ["withdrawal|TRC20"]


def test_new_alerts_are_pushed_to_supervisors_consoles(
    db: None, supervisor: Agent, django_capture_on_commit_callbacks: Any
) -> None:
    asked(9, intent="deposit", networks=["TRC20"])

    def scan_now() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            scan(NOW)

    event = heard_by(agent_group(supervisor.pk), scan_now)
    [pushed] = event["frame"]["alerts"]
    assert event["frame"]["type"] == "surge_alert" and pushed["count"] == 9
    assert pushed["label"] == "Deposits not credited · TRC20"


def test_an_alert_suggests_a_ready_incident(db: None) -> None:
    asked(9, intent="deposit", coins=["USDT"], networks=["TRC20"])
    scan(NOW)
    alert = SurgeAlert.objects.get()
    assert describe(alert) == "Deposits not credited · TRC20"
    draft = suggest_incident(alert)
    assert draft.kind == "deposits_delayed" and draft.categories == ["deposit"]
    assert draft.coins == ["USDT"] and draft.networks == ["TRC20"]
    assert set(draft.titles) == set(draft.messages) == {"en", "zh-hans"}
    assert draft.titles["en"] == "Deposits delayed: USDT, TRC20"


def test_the_floor_and_ratio_are_settings(db: None, settings: Any) -> None:
    settings.KEFU_SURGE_SIGNIFICANCE = 1.0  # chance alone decides nothing here
    usual_deposits(2, network="TRC20")
    asked(5, intent="deposit", networks=["TRC20"])
    assert detect(NOW) == []
    settings.KEFU_SURGE_MIN_QUESTIONS = 5
    settings.KEFU_SURGE_RATIO = 3.0
    assert detect(NOW) == []  # 5 is not three times the usual 2
    settings.KEFU_SURGE_RATIO = 2.0
    assert [c.key for c in detect(NOW)] == ["deposit|TRC20"]


def test_what_chance_gives_at_the_usual_rate_is_not_a_surge(db: None) -> None:
    """Usual 3 in the window: 11 is over 3x, but Poisson(3) gives 11 or more once in ~3,400
    windows (about daily over a few dozen clusters); 14, once in ~300,000, is a surge."""
    usual_deposits(3, network="TRC20")
    asked(11, intent="deposit", networks=["TRC20"])
    assert detect(NOW) == []
    asked(3, minutes_ago=5, intent="deposit", networks=["TRC20"])
    assert [(c.key, c.count) for c in detect(NOW)] == [("deposit|TRC20", 14)]


def test_the_chance_of_a_count_follows_the_poisson_tail() -> None:
    assert chance_of_at_least(0, 3.0) == 1.0
    assert chance_of_at_least(1, 3.0) == pytest.approx(1 - math.exp(-3))
    assert chance_of_at_least(11, 3.0) == pytest.approx(2.9234e-4, rel=1e-3)
    assert chance_of_at_least(78, 17.0) < 1e-20
