"""Groups: answered only when the bot is addressed, publicly, with a deep link to a private
chat and nothing from anyone's account — not even what the question itself said — and no
conversation or ticket opened."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Customer
from kefu.assistant.models import Conversation
from kefu.connectors.telegram.models import ProcessedUpdate, TelegramContact
from kefu.tickets.models import Ticket

from .bot_api import BOT_ID, USERNAME, FakeBotApi
from .conftest import GROUP, USER, Webhook, mention

pytestmark = pytest.mark.django_db

DEEP_LINK = f"https://t.me/{USERNAME}?start=help"


def test_a_mention_gets_a_public_pointer_without_account_data(
    desk: None, webhook: Webhook, telegram: FakeBotApi
) -> None:
    # The asker is even a linked customer: a group still hears nothing about their account.
    alice = Customer.objects.get(exchange_uid="100003")
    TelegramContact.objects.create(user_id=USER, chat_id=USER, customer=alice)
    text = (
        f"@{USERNAME} where is my withdrawal W-20260101-0042 of 1500 USDT to "
        "TQrZ8tKfjW7fLkBz3m1cZP4yqk1wVvZq2M? my balance shows 0"
    )
    update = webhook.group(text, entities=mention(text))
    response = webhook.post(update)

    assert response.json()["status"] == "processed"
    [answer] = telegram.sent("sendMessage")
    assert answer.params["chat_id"] == GROUP
    assert answer.params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    said = answer.params["text"]
    assert DEEP_LINK in said
    for private in ("W-20260101-0042", "1500", "USDT", "TQrZ8", "balance", "Alice", "100003"):
        assert private not in said
    assert not Ticket.objects.exists()
    assert not Conversation.objects.exists()


def test_replies_to_the_bot_and_commands_addressed_to_it_count_as_mentions(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    webhook.post(webhook.group("thanks, and how do I deposit?", reply_to_bot=True))
    command = f"/help@{USERNAME}"
    webhook.post(
        webhook.group(
            command, entities=[{"type": "bot_command", "offset": 0, "length": len(command)}]
        )
    )
    named = "👋 Beacon Help, a question"
    link = [{"type": "text_mention", "offset": 3, "length": 11, "user": {"id": BOT_ID}}]
    webhook.post(webhook.group(named, entities=link))

    assert [c.params["chat_id"] for c in telegram.sent()] == [GROUP, GROUP, GROUP]
    assert all(DEEP_LINK in text for text in telegram.texts(GROUP))
    assert not Ticket.objects.exists()


def test_group_chatter_is_ignored(webhook: Webhook, telegram: FakeBotApi) -> None:
    plain = "anyone know when BTC withdrawals reopen?"
    other_bot = "@SomeOtherBot what's the price?"
    near_miss = f"@{USERNAME}2 hello"  # a different username that starts like ours
    emoji_first = f"🚀🚀 @{USERNAME}X hi"
    for text, entities in [
        (plain, []),
        (other_bot, mention(other_bot, "@SomeOtherBot")),
        (near_miss, mention(near_miss, f"@{USERNAME}2")),
        (emoji_first, mention(emoji_first, f"@{USERNAME}X")),
        (f"/help@SomeOtherBot {USERNAME}", [{"type": "bot_command", "offset": 0, "length": 18}]),
    ]:
        response = webhook.post(webhook.group(text, entities=entities))
        assert response.json()["status"] == "ignored", text
    assert telegram.sent() == []
    assert set(ProcessedUpdate.objects.values_list("reason", flat=True)) == {"not_addressed"}


def test_mention_offsets_are_counted_in_utf16(webhook: Webhook, telegram: FakeBotApi) -> None:
    # Emoji outside the BMP take two UTF-16 units: Telegram's offsets count them so.
    text = f"🚀🚀 hey @{USERNAME} help"
    webhook.post(webhook.group(text, entities=mention(text)))
    assert len(telegram.sent()) == 1
