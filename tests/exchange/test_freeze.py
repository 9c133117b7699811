"""Freezing and unfreezing through the action services: back office, event, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.accounts.models import Agent, Role
from kefu.events.models import Event
from kefu.exchange import demo_data as story
from kefu.exchange.actions import freeze_account, unfreeze_account
from kefu.exchange.backoffice import ExchangeError, FreezeOutcome, require
from kefu.exchange.demo import DemoBackOffice
from kefu.exchange.models import DemoAccount

pytestmark = pytest.mark.django_db


def events(uid: str, kind: str) -> list[Event]:
    return list(Event.objects.filter(kind=kind, subject_type="customer", subject_id=uid))


@pytest.fixture
def agent() -> Agent:
    return Agent.objects.create_user(username="agent.freeze", password="x" * 12, role=Role.AGENT)


def test_freeze_stops_the_account_and_records_an_event(backoffice: DemoBackOffice, agent):
    result = freeze_account(story.LI_WEI, reason="suspected account takeover", actor=agent)

    assert result.outcome == FreezeOutcome.FROZEN and result.changed
    assert result.cancelled_orders == 1  # FACTS: a freeze cancels open orders
    profile = backoffice.profile(story.LI_WEI)
    assert profile.is_frozen and profile.frozen_reason == "suspected account takeover"
    assert require(backoffice.order(story.LI_WEI, story.OPEN_ORDER), "order").status == "cancelled"
    assert require(backoffice.order(story.LI_WEI, story.FILLED_ORDER), "order").status == "filled"
    assert DemoAccount.objects.get(uid=story.LI_WEI).status_changed_by == "kefu:agent:agent.freeze"

    [event] = events(story.LI_WEI, "exchange.account_frozen")
    assert event.actor == agent
    assert event.data["reason"] == "suspected account takeover"
    assert event.data["cancelled_orders"] == 1 and event.data["status"] == "frozen"


def test_freezing_twice_is_idempotent(backoffice: DemoBackOffice):
    first = freeze_account(story.LI_WEI, reason="customer_request")
    again = freeze_account(story.LI_WEI, reason="customer asked again")

    assert again.outcome == FreezeOutcome.ALREADY_FROZEN and not again.changed
    assert again.reason == "customer_request" and again.at == first.at
    assert again.cancelled_orders == 0
    assert len(events(story.LI_WEI, "exchange.account_frozen")) == 1
    [event] = events(story.LI_WEI, "exchange.account_frozen")
    assert event.actor is None  # the customer asked, through the assistant or the portal
    assert DemoAccount.objects.get(uid=story.LI_WEI).status_changed_by == "kefu:self_service"


def test_already_frozen_seed_customer(backoffice: DemoBackOffice):
    result = freeze_account(story.FROZEN_UID, reason="customer_request")
    assert result.outcome == FreezeOutcome.ALREADY_FROZEN
    assert events(story.FROZEN_UID, "exchange.account_frozen") == []


def test_unfreeze_locks_withdrawals_for_48_hours(backoffice: DemoBackOffice, agent):
    result = unfreeze_account(story.FROZEN_UID, reason="selfie check passed", actor=agent)

    assert result.outcome == FreezeOutcome.UNFROZEN and result.status == "active"
    lock = result.withdrawals_locked_until
    assert lock is not None
    assert abs(lock - (timezone.now() + timedelta(hours=48))) < timedelta(minutes=1)
    profile = backoffice.profile(story.FROZEN_UID)
    assert not profile.is_frozen and profile.frozen_reason is None
    assert profile.withdrawals_locked_until == lock
    [event] = events(story.FROZEN_UID, "exchange.account_unfrozen")
    assert event.actor == agent and event.data["reason"] == "selfie check passed"

    again = unfreeze_account(story.FROZEN_UID, reason="selfie check passed", actor=agent)
    assert again.outcome == FreezeOutcome.ALREADY_ACTIVE
    assert len(events(story.FROZEN_UID, "exchange.account_unfrozen")) == 1


def test_failed_freeze_records_nothing(backoffice: DemoBackOffice):
    with pytest.raises(ExchangeError) as raised:
        freeze_account("999999", reason="customer_request")
    assert raised.value.code == "customer_not_found"

    down = DemoBackOffice(unavailable=True)
    with pytest.raises(ExchangeError) as raised:
        freeze_account(story.LI_WEI, reason="customer_request", backoffice=down)
    assert raised.value.code == "exchange_unavailable"

    assert not Event.objects.filter(kind__startswith="exchange.").exists()
    assert not backoffice.profile(story.LI_WEI).is_frozen


def test_freeze_through_the_configured_backend(backoffice: DemoBackOffice, settings):
    settings.KEFU_EXCHANGE_BACKEND = "kefu.exchange.demo.UnavailableDemoBackOffice"
    with pytest.raises(ExchangeError) as raised:
        freeze_account(story.LI_WEI, reason="customer_request")
    assert raised.value.code == "exchange_unavailable"
    assert not backoffice.profile(story.LI_WEI).is_frozen
