"""``kefu telegram set-webhook URL`` tells Telegram where to post, with the secret in force;
``kefu telegram poll --once`` reads updates with getUpdates (development) and answers them."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kefu.connectors.telegram.management.commands import telegram as command
from kefu.tickets.models import Ticket

from .bot_api import FakeBotApi
from .conftest import SECRET, USER, Webhook

pytestmark = pytest.mark.django_db

URL = "https://support.beacon.example/connectors/telegram/webhook"


def test_set_webhook_sends_the_url_and_secret(telegram: FakeBotApi) -> None:
    out = io.StringIO()
    call_command("telegram", "set-webhook", URL, stdout=out)
    assert telegram.webhook["url"] == URL
    assert telegram.webhook["secret_token"] == SECRET
    assert telegram.webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    with pytest.raises(CommandError, match="https"):
        call_command("telegram", "set-webhook", "http://insecure.example/hook")


def test_poll_reads_updates_and_answers(
    webhook: Webhook, telegram: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loop refreshes its database connection each round, which would close the test's.
    monkeypatch.setattr(command, "close_old_connections", lambda: None)
    telegram.updates = [webhook.private("How do I withdraw USDT?")]
    out = io.StringIO()
    call_command("telegram", "poll", "--once", stdout=out)
    assert "processed" in out.getvalue()
    assert Ticket.objects.get().channel == "telegram"
    assert len(telegram.texts(USER)) == 1  # the assistant's answer, sent from the outbox
    assert telegram.sent("deleteWebhook")  # polling and a webhook exclude each other


def test_commands_need_a_token(settings: object) -> None:
    settings.KEFU_TELEGRAM_BOT_TOKEN = ""  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="KEFU_TELEGRAM_BOT_TOKEN"):
        call_command("telegram", "info")
