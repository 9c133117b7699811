"""The webhook's door: off without a token, the secret header, bodies that are not updates,
update kinds we do not handle, the same update delivered twice, and an update deferred (not
lost) while the Bot API cannot be reached."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kefu.connectors.telegram.models import ProcessedUpdate, TelegramContact
from kefu.tickets.models import Message, Ticket

from .bot_api import FakeBotApi
from .conftest import GROUP, USER, WEBHOOK, Webhook, mention

pytestmark = pytest.mark.django_db


def test_the_connector_is_off_without_a_token(settings: Any) -> None:
    settings.KEFU_TELEGRAM_BOT_TOKEN = ""
    response = Client().post(WEBHOOK, "{}", content_type="application/json")
    assert response.status_code == 404


def test_the_secret_header_must_match(webhook: Webhook) -> None:
    update = webhook.private("hello")
    for secret in (None, "", "webhook-secret_for-tests-not", "wrong"):
        response = webhook.post(update, secret=secret)
        assert response.status_code == 403
        assert response.json()["code"] == "bad_secret"
    assert not ProcessedUpdate.objects.exists()
    assert not Ticket.objects.exists()
    assert webhook.post(update).status_code == 200


def test_bodies_that_are_not_updates_get_stable_codes(webhook: Webhook) -> None:
    cases = [
        ("{not json", "malformed_update"),
        (b"\xff\xfe\x00", "malformed_update"),
        ("[1, 2]", "invalid_update"),
        ('{"message": {}}', "invalid_update"),
        ('{"update_id": "7"}', "invalid_update"),
        ('{"update_id": true}', "invalid_update"),
    ]
    for body, code in cases:
        response = webhook.post(body)
        assert response.status_code == 400, body
        assert response.json()["code"] == code, body
    assert not ProcessedUpdate.objects.exists()


def test_updates_of_other_kinds_are_acknowledged_and_ignored(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    edited = {"update_id": 42, "edited_message": {"message_id": 1, "text": "changed"}}
    poll = {"update_id": 43, "poll": {"id": "p1", "question": "?"}}
    channel_post = {
        "update_id": 44,
        "message": {"message_id": 2, "chat": {"id": -100999, "type": "channel"}, "text": "hi"},
    }
    for update in (edited, poll, channel_post):
        response = webhook.post(update)
        assert response.status_code == 200
        assert response.json()["status"] == "ignored"
    assert {u.update_id: u.reason for u in ProcessedUpdate.objects.all()} == {
        42: "kind_edited_message",
        43: "kind_poll",
        44: "no_sender",
    }
    assert not Ticket.objects.exists()
    assert telegram.calls == []


def test_the_same_update_twice_is_processed_once(webhook: Webhook, telegram: FakeBotApi) -> None:
    update = webhook.private("How do I withdraw USDT?")
    first = webhook.post(update)
    answers = telegram.texts(USER)
    second = webhook.post(update)

    assert first.json()["status"] == "processed"
    assert second.status_code == 200
    assert second.json()["status"] == "duplicate"
    ticket = Ticket.objects.get()
    assert Message.objects.filter(ticket=ticket, author="customer").count() == 1
    assert ProcessedUpdate.objects.filter(update_id=update["update_id"]).count() == 1
    assert len(answers) == 1
    assert telegram.texts(USER) == answers  # nothing was said again


def test_an_update_waits_for_telegram_rather_than_being_lost(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    # Answering in a group needs the bot's @username, asked of getMe: Telegram is down.
    text = "@BeaconHelpBot hello"
    update = webhook.group(text, entities=mention(text))
    telegram.fail("getMe", 502, "Bad Gateway")
    response = webhook.post(update)
    assert response.status_code == 503
    assert response.json()["code"] == "telegram_unavailable"
    assert not ProcessedUpdate.objects.exists()  # so Telegram's redelivery is not a duplicate

    response = webhook.post(update)
    assert response.json()["status"] == "processed"
    [answer] = telegram.sent("sendMessage")
    assert answer.params["chat_id"] == GROUP


def test_a_user_who_blocks_the_bot_is_remembered(webhook: Webhook) -> None:
    webhook.post(webhook.private("/start"))
    member = {
        "update_id": 77,
        "my_chat_member": {
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Hana"},
            "date": 1_800_000_000,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True}},
            "new_chat_member": {"status": "kicked", "user": {"id": 1, "is_bot": True}},
        },
    }
    assert webhook.post(member).json()["status"] == "processed"
    assert TelegramContact.objects.get(user_id=USER).blocked_at is not None
