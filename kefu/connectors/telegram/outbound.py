"""What the bot says, through an outbox: every Bot API call is an :class:`OutboundMessage` row
written before it is made, then sent by a background job, in order per chat.

Order matters in a conversation, so one chat's rows go one at a time, oldest first: a row that
waits for a retry holds back the ones after it, and two workers never send in the same chat at
once (the oldest unsent row is claimed under a row lock; a second worker that finds it claimed
leaves the chat to the first, which keeps going until the chat has nothing due).

Failures: 429 waits ``parameters.retry_after`` (in the worker when it is short, else the row is
due again then); 400 and 403 are final (the row is failed with Telegram's reason; 403 also marks
a private contact as having blocked the bot); anything else (5xx, no answer, a wrong token) is
retried with back-off up to :data:`MAX_ATTEMPTS`. A worker that dies mid-send leaves a claim
that goes stale after :data:`CLAIM_TIMEOUT`; the row is then sent again (Telegram has no
idempotency key, so that rare case can repeat a message rather than lose it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from kefu import clock
from kefu.tickets.models import Author, Message, Ticket

from . import config
from .client import BotApi, BotApiError, Forbidden, RateLimited, Upload
from .models import OutboundMessage, OutboundStatus, TelegramContact, TelegramConversation

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # UTF-16 code units, as Telegram counts
MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_INLINE_WAIT = 5.0  # seconds of 429 waits a worker sits out itself before re-queueing
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}

Sleep = Callable[[float], None]


# -- queueing ---------------------------------------------------------------------------------


def queue_message(message: Message, ticket: Ticket | None = None) -> int | None:
    """Queue a ticket message for its Telegram chat (one row per part of a long text, or the
    file); returns the chat id, or None when the ticket is not a Telegram conversation or the
    message is not for the customer's eyes. Idempotent per message."""
    if message.internal or message.author == Author.CUSTOMER:
        return None
    chat_id = (
        TelegramConversation.objects.filter(ticket_id=message.ticket_id)
        .values_list("chat_id", flat=True)
        .first()
    )
    if chat_id is None:
        return None
    rows: list[OutboundMessage] = []
    if message.attachment_id is not None:
        attachment = message.attachment
        photo = attachment is not None and attachment.content_type in PHOTO_TYPES
        method = "sendPhoto" if photo else "sendDocument"
        rows.append(
            OutboundMessage(
                chat_id=chat_id,
                method=method,
                payload={"chat_id": chat_id},
                ticket_id=message.ticket_id,
                message=message,
                attachment_id=message.attachment_id,
            )
        )
    else:
        text = _with_sender(message)
        rows += [
            OutboundMessage(
                chat_id=chat_id,
                method="sendMessage",
                payload={"chat_id": chat_id, "text": part},
                ticket_id=message.ticket_id,
                message=message,
                part=index,
            )
            for index, part in enumerate(split_text(text))
        ]
    if not rows:
        return None
    OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return chat_id


def _with_sender(message: Message) -> str:
    """An agent's words carry their name, as the widget shows it beside the bubble."""
    text = message.text
    if message.author == Author.AGENT and message.agent is not None:
        return f"{message.agent}:\n{text}"
    return text


def queue_text(
    chat_id: int,
    text: str,
    *,
    ticket: Ticket | None = None,
    key: str = "",
    reply_to: int | None = None,
    markup: dict[str, Any] | None = None,
) -> bool:
    """Queue a text the bot sends of itself (a greeting, a group answer, the end of a chat).
    With a ``key``, at most once per ticket and key. True if queued."""
    if key and OutboundMessage.objects.filter(ticket=ticket, key=key).exists():
        return False
    parts = split_text(text)
    rows = []
    for index, part in enumerate(parts):
        payload: dict[str, Any] = {"chat_id": chat_id, "text": part}
        if reply_to is not None and index == 0:
            payload["reply_parameters"] = {
                "message_id": reply_to,
                "allow_sending_without_reply": True,
            }
        if markup is not None and index == len(parts) - 1:
            payload["reply_markup"] = markup
        rows.append(
            OutboundMessage(
                chat_id=chat_id,
                method="sendMessage",
                payload=payload,
                ticket=ticket,
                key=key if index == 0 else "",
                part=index,
            )
        )
    OutboundMessage.objects.bulk_create(rows, ignore_conflicts=bool(key))
    send_soon(chat_id)
    return True


def queue_call(chat_id: int, method: str, payload: dict[str, Any]) -> None:
    """Queue another Bot API call in the chat's order (answerCallbackQuery, deleteMessage)."""
    OutboundMessage.objects.create(chat_id=chat_id, method=method, payload=payload)
    send_soon(chat_id)


def send_soon(chat_id: int) -> None:
    """Send the chat's queue in a background job once the current transaction commits."""
    from .tasks import enqueue_send

    enqueue_send(chat_id)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 code units, cut at a paragraph, a line or
    a word where one is near the end of a part, never inside a character; no empty parts."""
    text = text.strip()
    parts: list[str] = []
    while text:
        if _utf16_len(text) <= limit:
            parts.append(text)
            break
        end = _fit(text, limit)
        cut = _boundary(text, end)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [p for p in parts if p]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The most characters of ``text`` whose UTF-16 length is at most ``limit``."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _boundary(text: str, end: int) -> int:
    floor = end * 3 // 4  # do not make parts much shorter than they may be
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, floor, end)
        if at > 0:
            return at + len(separator)
    return end


# -- sending ----------------------------------------------------------------------------------


def _wait(seconds: float) -> None:
    """Sit out a 429: on the desk's clock when a test has stopped it, else for real."""
    if clock.is_fixed():
        clock.advance(seconds=seconds)
    else:
        time.sleep(seconds)


def send_chat(chat_id: int, *, api: BotApi | None = None, sleep: Sleep = _wait) -> dict[str, int]:
    """Send what is due in one chat, in order; counts by resulting status."""
    counts: dict[str, int] = {}
    if not config.enabled():
        return counts
    api = api or BotApi.configured()
    while True:
        row = _claim_next(chat_id)
        if row is None:
            break
        status = _deliver(row, api, sleep)
        counts[status] = counts.get(status, 0) + 1
        if status == OutboundStatus.QUEUED:
            break  # a retry later; what follows waits for it
    return counts


def send_due(limit: int = 500, *, sleep: Sleep = _wait) -> dict[str, int]:
    """Every chat with a row due (queued and due, or claimed by a worker that died)."""
    counts: dict[str, int] = {}
    if not config.enabled():
        return counts
    at = clock.now()
    due = OutboundMessage.objects.filter(
        Q(status=OutboundStatus.QUEUED, next_attempt_at__lte=at)
        | Q(status=OutboundStatus.SENDING, claimed_at__lt=at - CLAIM_TIMEOUT)
    )
    chats = list(dict.fromkeys(due.order_by("id").values_list("chat_id", flat=True)[:limit]))
    api = BotApi.configured()
    for chat_id in chats:
        for status, count in send_chat(chat_id, api=api, sleep=sleep).items():
            counts[status] = counts.get(status, 0) + count
    return counts


def _claim_next(chat_id: int) -> OutboundMessage | None:
    at = clock.now()
    with transaction.atomic():
        row = (
            OutboundMessage.objects.select_for_update()
            .filter(chat_id=chat_id, status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING])
            .order_by("id")
            .first()
        )
        if row is None:
            return None
        if row.status == OutboundStatus.SENDING:
            if row.claimed_at is not None and row.claimed_at >= at - CLAIM_TIMEOUT:
                return None  # another worker is on this chat
        elif row.next_attempt_at > at:
            return None  # the oldest waits for its retry, and the rest for it
        row.status = OutboundStatus.SENDING
        row.claimed_at = at
        row.attempts += 1
        row.save(update_fields=["status", "claimed_at", "attempts"])
    return row


def _deliver(row: OutboundMessage, api: BotApi, sleep: Sleep) -> str:
    waited = 0.0
    while True:
        try:
            result = _call(api, row)
        except RateLimited as exc:
            wait = float(max(1, exc.retry_after or 1))
            if waited + wait > MAX_INLINE_WAIT:
                return _later(row, wait, exc)
            sleep(wait)
            waited += wait
            continue
        except BotApiError as exc:
            return _failed(row, exc)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        OutboundMessage.objects.filter(pk=row.pk).update(
            status=OutboundStatus.SENT,
            sent_at=clock.now(),
            telegram_message_id=message_id if isinstance(message_id, int) else None,
            error_code=None,
            last_error="",
        )
        return OutboundStatus.SENT


def _call(api: BotApi, row: OutboundMessage) -> Any:
    params = dict(row.payload)
    if row.method in ("sendPhoto", "sendDocument"):
        attachment = row.attachment
        if attachment is None:
            raise _Gone(0, "the attachment no longer exists")
        with attachment.file.open("rb") as handle:
            data = handle.read()
        field = "photo" if row.method == "sendPhoto" else "document"
        upload = Upload(attachment.name, data, attachment.content_type)
        return api.call(row.method, params, files={field: upload})
    return api.call(row.method, params)


class _Gone(BotApiError):
    @property
    def permanent(self) -> bool:
        return True


def _later(row: OutboundMessage, wait: float, exc: BotApiError) -> str:
    # A 429 is the bot's pace, not this message's fault: it does not use up an attempt.
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=OutboundStatus.QUEUED,
        attempts=max(0, row.attempts - 1),
        next_attempt_at=clock.now() + timedelta(seconds=wait),
        error_code=exc.error_code,
        last_error=str(exc)[:500],
    )
    return OutboundStatus.QUEUED


def _failed(row: OutboundMessage, exc: BotApiError) -> str:
    if exc.migrate_to_chat_id is not None:
        _migrate(row.chat_id, exc.migrate_to_chat_id)
        return _later(row, 0, exc)
    final = exc.permanent or row.attempts >= MAX_ATTEMPTS
    status = OutboundStatus.FAILED if final else OutboundStatus.QUEUED
    delay = timedelta(seconds=min(3600, 5 * 2 ** (row.attempts - 1)))
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=status,
        next_attempt_at=clock.now() + delay,
        error_code=exc.error_code,
        last_error=str(exc)[:500],
    )
    if isinstance(exc, Forbidden):
        TelegramContact.objects.filter(chat_id=row.chat_id, blocked_at__isnull=True).update(
            blocked_at=clock.now()
        )
    log = logger.warning if final else logger.info
    log("telegram %s to %s %s: %s", row.method, row.chat_id, status, exc)
    return status


def _migrate(old: int, new: int) -> None:
    """A group became a supergroup: what waits for the old chat id goes to the new one."""
    for pending in OutboundMessage.objects.filter(
        chat_id=old, status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING]
    ):
        pending.chat_id = new
        pending.payload = {**pending.payload, "chat_id": new}
        pending.save(update_fields=["chat_id", "payload"])
    send_soon(new)
