"""Delivery through the outbox: 429 waits ``retry_after`` (on the desk's clock, so the test
does not), a blocked user ends as failed and is not retried, server errors are retried with
back-off, long texts are split under Telegram's limit, one chat's messages keep their order
through retries, and an agent's files go up as multipart uploads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kefu import clock
from kefu.accounts.models import Agent
from kefu.connectors.telegram import outbound
from kefu.connectors.telegram.models import OutboundMessage, TelegramContact
from kefu.tickets.actions import post_message
from kefu.tickets.models import Author, Ticket
from kefu.tickets.opening import NewFile
from kefu.tickets.workflow import agent_reply

from .bot_api import FakeBotApi
from .conftest import PDF_BYTES, USER, Webhook, png_bytes

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Any:
    clock.set_now(START)
    yield
    clock.reset()


@pytest.fixture
def chat(webhook: Webhook, telegram: FakeBotApi) -> Ticket:
    """A Telegram conversation whose opening exchange has been delivered."""
    webhook.post(webhook.private("How do I withdraw USDT?"))
    telegram.clear()
    return Ticket.objects.get()


def say(ticket: Ticket, text: str, capture: Any) -> None:
    with capture(execute=True):
        post_message(ticket, author=Author.SYSTEM, text=text, kind="notice")


def test_429_waits_retry_after_then_sends(
    chat: Ticket, telegram: FakeBotApi, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    telegram.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    say(chat, "Your withdrawal is being processed.", django_capture_on_commit_callbacks)

    refused, delivered = telegram.calls
    assert (refused.answered, delivered.answered) == (429, 200)
    assert delivered.params["text"] == "Your withdrawal is being processed."
    assert delivered.at is not None and refused.at is not None
    assert delivered.at - refused.at >= timedelta(seconds=3)
    row = OutboundMessage.objects.get(payload__text="Your withdrawal is being processed.")
    assert row.status == "sent"
    assert row.attempts == 1  # a 429 is the bot's pace, not a failed attempt


def test_a_long_429_goes_back_to_the_queue_and_holds_the_chat_in_order(
    chat: Ticket, telegram: FakeBotApi, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    telegram.fail("sendMessage", 429, "Too Many Requests: retry after 60", retry_after=60)
    say(chat, "first", django_capture_on_commit_callbacks)
    say(chat, "second", django_capture_on_commit_callbacks)

    assert [c.answered for c in telegram.calls] == [429]  # "second" waits behind "first"
    first = OutboundMessage.objects.get(payload__text="first")
    assert first.status == "queued" and first.error_code == 429
    assert first.next_attempt_at == START + timedelta(seconds=60)
    assert outbound.send_due() == {}
    assert len(telegram.calls) == 1

    clock.advance(seconds=60)
    assert outbound.send_due() == {"sent": 2}
    assert telegram.texts(USER) == ["first", "second"]


def test_a_user_who_blocked_the_bot_fails_once_and_is_not_retried(
    chat: Ticket, telegram: FakeBotApi, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    telegram.block(USER)
    say(chat, "Are you still there?", django_capture_on_commit_callbacks)

    row = OutboundMessage.objects.get(ticket=chat, payload__text="Are you still there?")
    assert row.status == "failed"
    assert row.error_code == 403 and "blocked by the user" in row.last_error
    assert TelegramContact.objects.get(user_id=USER).blocked_at == START
    clock.advance(hours=2)
    outbound.send_due()
    assert len(telegram.sent("sendMessage", ok_only=False)) == 1


def test_a_bad_request_fails_with_telegrams_reason(
    chat: Ticket, telegram: FakeBotApi, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    telegram.fail("sendMessage", 400, "Bad Request: chat not found")
    say(chat, "hello?", django_capture_on_commit_callbacks)
    row = OutboundMessage.objects.get(ticket=chat, payload__text="hello?")
    assert (row.status, row.error_code, row.last_error) == (
        "failed",
        400,
        "400 Bad Request: chat not found",
    )
    clock.advance(hours=2)
    assert outbound.send_due() == {}


def test_server_errors_are_retried_with_back_off(
    chat: Ticket, telegram: FakeBotApi, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    telegram.fail("sendMessage", 502, "Bad Gateway", times=2)
    say(chat, "Thanks for waiting.", django_capture_on_commit_callbacks)
    row = OutboundMessage.objects.get(payload__text="Thanks for waiting.")
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == START + timedelta(seconds=5)

    clock.advance(seconds=5)
    outbound.send_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 2)
    assert row.next_attempt_at == START + timedelta(seconds=5 + 10)

    clock.advance(seconds=10)
    outbound.send_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 3)
    assert telegram.texts(USER) == ["Thanks for waiting."]


def test_a_wrong_token_is_retried_not_dropped(
    chat: Ticket,
    telegram: FakeBotApi,
    frozen: None,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.KEFU_TELEGRAM_BOT_TOKEN = "123456789:revoked"
    say(chat, "ping", django_capture_on_commit_callbacks)
    row = OutboundMessage.objects.get(payload__text="ping")
    assert (row.status, row.error_code) == ("queued", 401)
    settings.KEFU_TELEGRAM_BOT_TOKEN = telegram.token
    clock.advance(seconds=5)
    assert outbound.send_due() == {"sent": 1}


def test_a_long_text_is_split_under_telegrams_limit(
    chat: Ticket, telegram: FakeBotApi, django_capture_on_commit_callbacks: Any
) -> None:
    paragraph = ("Withdrawals to new addresses wait 24 hours for your safety. " * 30).strip()
    text = "\n\n".join([paragraph] * 6)  # about 10,900 characters
    say(chat, text, django_capture_on_commit_callbacks)

    parts = telegram.texts(USER)
    assert len(parts) == 3
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert all(p.endswith(".") for p in parts)  # cut between paragraphs, not inside words


def test_splitting_never_cuts_a_character_and_counts_utf16() -> None:
    text = "😀" * 5000  # 10,000 UTF-16 units, no spaces to cut at
    parts = outbound.split_text(text)
    assert [len(p) for p in parts] == [2048, 2048, 904]
    assert "".join(parts) == text
    assert outbound.split_text("  short  ") == ["short"]
    assert outbound.split_text("   ") == []


def test_an_agents_files_go_up_as_photo_or_document(
    desk: None,
    chat: Ticket,
    telegram: FakeBotApi,
    django_capture_on_commit_callbacks: Any,
) -> None:
    agent = Agent.objects.get(username="agent.sam")
    image = png_bytes(60, 20)
    with django_capture_on_commit_callbacks(execute=True):
        agent_reply(
            chat,
            agent=agent,
            text="Here is the form and an example.",
            files=[NewFile("example.png", image), NewFile("form.pdf", PDF_BYTES)],
        )

    [text] = telegram.texts(USER)
    assert text == "Sam Carter:\nHere is the form and an example."
    [photo] = telegram.sent("sendPhoto")
    [document] = telegram.sent("sendDocument")
    assert photo.files["photo"] == ("example.png", image, "image/png")
    assert document.files["document"] == ("form.pdf", PDF_BYTES, "application/pdf")
    assert int(photo.params["chat_id"]) == USER
    calls = [c.method for c in telegram.calls]
    assert calls == ["sendMessage", "sendPhoto", "sendDocument"]  # in the order written
