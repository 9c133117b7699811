"""A Telegram customer waiting for a person stays in line (they have no page to close), old
rows are pruned, and erasing a customer's personal data removes their Telegram contact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kefu import clock
from kefu.accounts.models import Customer
from kefu.connectors.telegram import retention
from kefu.connectors.telegram.models import (
    LinkCode,
    OutboundMessage,
    ProcessedUpdate,
    TelegramContact,
)
from kefu.jobs import run_now
from kefu.routing import services as routing
from kefu.tickets.models import ChatState, Ticket
from kefu.trust.erasure import erase_customer

from .bot_api import FakeBotApi
from .conftest import USER, Webhook

pytestmark = pytest.mark.django_db


def test_a_waiting_telegram_customer_is_not_taken_out_of_line(
    desk: None, webhook: Webhook, telegram: FakeBotApi, settings: Any
) -> None:
    webhook.post(webhook.private("/human"))  # no agent is online: the chat waits
    ticket = Ticket.objects.get()
    assert ticket.chat_state == ChatState.QUEUED
    long_ago = timezone.now() - timedelta(seconds=settings.KEFU_CUSTOMER_GRACE_SECONDS + 60)
    Ticket.objects.filter(pk=ticket.pk).update(customer_seen_at=long_ago)

    assert run_now("telegram.customers_present") == 1
    assert routing.release_abandoned() == []
    ticket.refresh_from_db()
    assert ticket.chat_state == ChatState.QUEUED


def test_old_rows_are_pruned(webhook: Webhook, telegram: FakeBotApi) -> None:
    webhook.post(webhook.private("How do I withdraw USDT?"))
    webhook.post({"update_id": 1, "poll": {}})
    ProcessedUpdate.objects.create(bot_id=1, update_id=2, status="failed", reason="bug")
    assert ProcessedUpdate.objects.count() == 3
    later = clock.now() + timedelta(days=31)

    assert retention.prune(later) == {"updates": 2, "outbox": 1, "link_codes": 0}
    assert list(ProcessedUpdate.objects.values_list("status", flat=True)) == ["failed"]
    assert not OutboundMessage.objects.exists()
    assert Ticket.objects.exists()  # what was said stays on the ticket


def test_erasing_a_customer_forgets_their_telegram_contact(
    desk: None, webhook: Webhook, django_capture_on_commit_callbacks: Any
) -> None:
    alice = Customer.objects.get(exchange_uid="100003")
    TelegramContact.objects.create(user_id=USER, chat_id=USER, username="alice_tg", customer=alice)
    LinkCode.objects.create(code_hash="x" * 64, customer=alice, expires_at=clock.now())
    TelegramContact.objects.create(user_id=999, chat_id=999, username="someone_else")

    with django_capture_on_commit_callbacks(execute=True):
        erase_customer("100003")

    assert list(TelegramContact.objects.values_list("user_id", flat=True)) == [999]
    assert not LinkCode.objects.exists()
