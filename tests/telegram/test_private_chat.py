"""Private chats: a message opens a Telegram conversation the assistant answers through the Bot
API; photos and documents become attachments with the sender's bytes; secrets are masked and
taken out of the chat; an unlinked Telegram user gets no account data until they link their
account with a one-time code."""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from typing import Any

import pytest
from django.test import Client

from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Customer
from kefu.connectors.telegram import texts
from kefu.connectors.telegram.models import (
    OutboundMessage,
    ProcessedUpdate,
    TelegramContact,
    TelegramConversation,
)
from kefu.tickets.models import Attachment, Channel, ChatState, Message, Ticket

from .bot_api import USERNAME, FakeBotApi
from .conftest import PDF_BYTES, USER, Webhook, png_bytes

pytestmark = pytest.mark.django_db

SEED = "abandon " * 11 + "about"  # a valid BIP39 phrase (its checksum word)


def public_messages(ticket: Ticket) -> list[Message]:
    return list(ticket.messages.filter(internal=False).exclude(author="customer").order_by("seq"))


def test_a_private_message_opens_a_conversation_the_assistant_answers(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    response = webhook.post(webhook.private("How do I withdraw USDT?"))

    assert response.json()["status"] == "processed"
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.TELEGRAM
    assert ticket.chat_state == ChatState.ASSISTANT
    assert ticket.customer is None  # a Telegram user is nobody's account until linked
    assert ticket.conversation is not None and ticket.conversation.customer is None
    link = TelegramConversation.objects.get(ticket=ticket)
    assert link.chat_id == USER and link.contact.user_id == USER
    [note] = ticket.messages.filter(internal=True)
    assert "@hana_tg" in note.text and "not linked" in note.text
    [customer_message] = ticket.messages.filter(author="customer")
    assert customer_message.text == "How do I withdraw USDT?"
    assert customer_message.channel == Channel.TELEGRAM
    [answer] = public_messages(ticket)
    assert answer.author == "assistant" and answer.text
    # What the assistant said, and only that, went to the user's chat.
    assert telegram.texts(USER) == [answer.text]
    assert all(c.params.get("parse_mode") is None for c in telegram.sent())
    assert OutboundMessage.objects.get().status == "sent"


def test_start_greets_in_the_users_language_without_opening_a_ticket(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    webhook.post(webhook.private("/start", language="zh-hans"))
    webhook.post(webhook.private("/start", user=777, language="en-US"))

    assert not Ticket.objects.exists()
    [chinese] = telegram.texts(USER)
    [english] = telegram.texts(777)
    # The zh-Hans catalogue is filled later; which language is asked for is decided now.
    assert chinese == texts.greeting("zh-hans", linked=False)
    assert english == texts.greeting("en", linked=False)
    assert "/human" in english and "Connect Telegram" in english
    assert [texts.language_of(c) for c in ("zh-hans", "zh-TW", "zh", "en-US", "ru", "")] == [
        "zh-hans",
        "zh-hans",
        "zh-hans",
        "en",
        "en",
        "en",
    ]


def test_the_conversation_speaks_the_language_written_in(webhook: Webhook) -> None:
    webhook.post(webhook.private("我的USDT充值还没到账", language="en"))
    assert Ticket.objects.get().language == "zh-hans"


def test_a_photo_and_a_document_become_attachments_with_their_bytes(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    image = png_bytes()
    small = telegram.add_file(b"thumbnail", "photos/thumb_1.jpg")
    large = telegram.add_file(image, "photos/file_1.png")
    photo = [
        {"file_id": small, "file_unique_id": "s", "width": 8, "height": 6, "file_size": 9},
        {
            "file_id": large,
            "file_unique_id": "l",
            "width": 40,
            "height": 30,
            "file_size": len(image),
        },
    ]
    webhook.post(webhook.private(photo=photo, caption="the error on my screen"))
    pdf = telegram.add_file(PDF_BYTES, "documents/file_2.pdf")
    document = {"file_id": pdf, "file_name": "statement.pdf", "file_size": len(PDF_BYTES)}
    webhook.post(webhook.private(document=document))

    ticket = Ticket.objects.get()
    shot, statement = Attachment.objects.filter(ticket=ticket).order_by("pk")
    assert shot.sha256 == hashlib.sha256(image).hexdigest()
    assert shot.content_type == "image/png" and (shot.width, shot.height) == (40, 30)
    assert statement.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert statement.name == "statement.pdf"
    with statement.file.open("rb") as stored:
        assert stored.read() == PDF_BYTES
    captioned, plain = ticket.messages.filter(author="customer").order_by("seq")
    assert captioned.attachment == shot and captioned.text == "the error on my screen"
    assert plain.attachment == statement
    downloads = [c.params["file_id"] for c in telegram.sent("getFile")]
    assert downloads == [large, pdf]  # the largest size of the photo, never the thumbnail


def test_files_the_desk_refuses_are_named_back_to_the_user(
    webhook: Webhook, telegram: FakeBotApi, settings: Any
) -> None:
    program = telegram.add_file(b"MZ\x90\x00" + b"\x00" * 200, "documents/file_3.png")
    document = {"file_id": program, "file_name": "invoice.png", "file_size": 204}
    webhook.post(webhook.private(document=document))
    huge = {"file_id": "never-fetched", "file_name": "video.pdf", "file_size": 50 * 1024 * 1024}
    webhook.post(webhook.private(document=huge))

    ticket = Ticket.objects.get()
    assert not Attachment.objects.exists()
    notices = [m.text for m in public_messages(ticket) if m.kind == "file_refused"]
    assert len(notices) == 2
    assert "invoice.png" in notices[0] and "only images and PDF" in notices[0]
    assert "video.pdf" in notices[1] and "too large" in notices[1]
    for notice in notices:
        assert notice in telegram.texts(USER)
    assert "never-fetched" not in [c.params.get("file_id") for c in telegram.sent("getFile")]


def test_stickers_and_voice_notes_are_answered_not_stored(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    webhook.post(webhook.private(sticker={"file_id": "st", "emoji": "👍"}))
    assert not Ticket.objects.exists()
    assert telegram.texts(USER) == ["I can read text, photos and documents (images and PDF files)."]


def test_a_secret_is_masked_warned_about_and_taken_out_of_the_chat(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    update = webhook.private(f"my wallet seed phrase is {SEED} please help")
    webhook.post(update)

    ticket = Ticket.objects.get()
    stored = "\n".join(ticket.messages.values_list("text", flat=True))
    assert "abandon" not in stored
    [said] = ticket.messages.filter(author="customer")
    assert "[masked: seed phrase]" in said.text
    sent = "\n".join(telegram.texts(USER))
    assert "abandon" not in sent
    assert "seed phrase" in sent and "never ask" in sent
    [deleted] = telegram.sent("deleteMessage")
    assert deleted.params == {"chat_id": USER, "message_id": update["message"]["message_id"]}


def test_an_over_long_message_is_refused_with_the_limit(
    webhook: Webhook, telegram: FakeBotApi, settings: Any
) -> None:
    webhook.post(webhook.private("x" * (settings.KEFU_CHAT_MAX_MESSAGE + 1)))
    assert not Ticket.objects.exists()
    assert telegram.texts(USER) == [
        f"Messages are limited to {settings.KEFU_CHAT_MAX_MESSAGE} characters. "
        "Please send it in parts."
    ]


def test_end_closes_the_chat_offers_a_rating_and_the_next_message_starts_anew(
    webhook: Webhook, telegram: FakeBotApi
) -> None:
    webhook.post(webhook.private("How do I withdraw USDT?"))
    webhook.post(webhook.private("/end"))

    first = Ticket.objects.get()
    assert first.chat_state == ChatState.ENDED and first.status == "solved"
    ended = telegram.sent()[-1]
    assert ended.params["text"].startswith("This conversation has ended.")
    buttons = ended.params["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == [f"rate:{first.pk}:{n}" for n in range(1, 6)]

    def tap(data: str, user: int = USER) -> dict[str, Any]:
        return {
            "update_id": next(webhook.ids),
            "callback_query": {
                "id": f"cb-{data}-{user}",
                "from": {"id": user, "is_bot": False, "first_name": "X"},
                "message": {"message_id": 1, "chat": {"id": user, "type": "private"}},
                "data": data,
            },
        }

    assert webhook.post(tap(f"rate:{first.pk}:1", user=999)).json()["status"] == "ignored"
    webhook.post(tap(f"rate:{first.pk}:5"))
    webhook.post(tap(f"rate:{first.pk}:2"))
    first.refresh_from_db()
    assert first.rating.score == 5
    answers = [c.params.get("text") for c in telegram.sent("answerCallbackQuery")]
    assert answers == [
        None,
        "Thank you for your rating.",
        "This conversation has already been rated.",
    ]

    webhook.post(webhook.private("one more question: what are the fees?"))
    second = Ticket.objects.exclude(pk=first.pk).get()
    assert second.chat_state == ChatState.ASSISTANT
    assert TelegramConversation.objects.filter(contact__user_id=USER).count() == 2


def test_linking_a_telegram_account_with_a_one_time_code(
    desk: None, webhook: Webhook, telegram: FakeBotApi
) -> None:
    alice = Customer.objects.get(exchange_uid="100003")
    webhook.post(webhook.private("What is my deposit status?"))
    anonymous = Ticket.objects.get()
    assert anonymous.customer is None

    expires = int(time.time()) + 300
    query = {"uid": "100003", "expires": expires, "signature": sign_customer("100003", expires)}
    response = Client().get("/connectors/telegram/link/", query)
    assert response.status_code == 302
    target = urllib.parse.urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("t.me", f"/{USERNAME}")
    payload = urllib.parse.parse_qs(target.query)["start"][0]
    assert payload.startswith("link-") and len(payload) <= 64

    forged = {**query, "signature": "0" * 64}
    assert Client().get("/connectors/telegram/link/", forged).status_code == 403

    webhook.post(webhook.private(f"/start {payload}"))
    contact = TelegramContact.objects.get(user_id=USER)
    assert contact.customer == alice
    anonymous.refresh_from_db()
    assert anonymous.customer == alice and anonymous.conversation.customer == alice
    assert "now linked" in telegram.texts(USER)[-1]

    # The code is spent: another Telegram user cannot take the account with it.
    webhook.post(webhook.private(f"/start {payload}", user=888))
    assert TelegramContact.objects.get(user_id=888).customer is None
    assert "expired or was already used" in telegram.texts(888)[-1]

    webhook.post(webhook.private("/unlink"))
    contact.refresh_from_db()
    assert contact.customer is None
    anonymous.refresh_from_db()
    assert anonymous.conversation.customer is None  # the assistant stops looking it up
    assert ProcessedUpdate.objects.filter(status="failed").count() == 0


def test_a_flood_is_held_to_the_chat_limit_and_told_once(
    webhook: Webhook, telegram: FakeBotApi, settings: Any
) -> None:
    settings.KEFU_RATE_LIMITS = {**settings.KEFU_RATE_LIMITS, "chat_message.customer": "3/60s"}
    for n in range(6):
        webhook.post(webhook.private(f"/start {n}"))
    assert len(telegram.texts(USER)) == 3 + 1  # three greetings, then one "slow down"
    assert telegram.texts(USER)[-1].startswith("Too many messages.")
    reasons = list(ProcessedUpdate.objects.order_by("id").values_list("reason", flat=True))
    assert reasons == ["start"] * 3 + ["rate_limited"] * 3
