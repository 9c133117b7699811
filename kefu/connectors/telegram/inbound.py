"""One webhook update in, processed once.

Telegram delivers an update until it gets a 2xx answer, so the same ``update_id`` can arrive
twice (a retry after a slow answer, two deliveries racing). The :class:`ProcessedUpdate` row is
written first in the transaction that does the update's work: a second delivery finds it (or,
racing, waits on its unique key and then fails on it) and does nothing. Network work (the
bot's username, a photo's bytes) happens before that transaction; if Telegram cannot be reached
the update is not recorded and the webhook answers 503, so Telegram delivers it again later.
An update that breaks the code is kept as failed (masked) rather than retried forever.

After the commit: the agents' consoles get their frames, and the assistant answers the
customer's message (it takes a moment; the message is safely stored by then).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction

from kefu.connectors.webchat import service
from kefu.tickets.models import Ticket
from kefu.trust.masking import without_secrets

from . import config, files, groups, private_chat
from .models import ProcessedUpdate, UpdateStatus
from .publish import publish
from .updates import Incoming, parse, update_id_of
from .work import Work, ignored

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Received:
    status: str  # processed, ignored, failed, or duplicate
    reason: str = ""
    ticket_id: int | None = None


def receive(update: Any) -> Received:
    """Process ``update`` (a decoded webhook body) once. ``ApiError`` for a body that is not an
    update; :class:`~.client.BotApiError` when Telegram could not be asked what was needed."""
    update_id = update_id_of(update)
    bot = config.bot_id() or 0
    if ProcessedUpdate.objects.filter(bot_id=bot, update_id=update_id).exists():
        return Received(DUPLICATE)
    incoming = parse(update)
    username = ""
    fetched = None
    if incoming.kind == "message" and incoming.group:
        username = config.bot_username()
    elif incoming.kind == "message" and incoming.private and incoming.sender is not None:
        fetched = files.fetch(incoming)
    try:
        with transaction.atomic():
            row = ProcessedUpdate.objects.create(
                bot_id=bot,
                update_id=update_id,
                kind=incoming.kind[:40],
                chat_id=incoming.chat_id,
                status=UpdateStatus.PROCESSED,
            )
            work = _dispatch(incoming, username, fetched)
            row.status, row.reason = work.status, work.reason[:200]
            row.ticket = work.ticket
            row.save(update_fields=["status", "reason", "ticket"])
    except IntegrityError:
        if ProcessedUpdate.objects.filter(bot_id=bot, update_id=update_id).exists():
            return Received(DUPLICATE)
        raise
    except DatabaseError:
        raise
    except Exception as exc:
        logger.exception("telegram update %s could not be processed", update_id)
        return _keep_failed(bot, incoming, update, exc)
    _after_commit(work)
    return Received(work.status, work.reason, work.ticket.pk if work.ticket else None)


def _dispatch(incoming: Incoming, username: str, fetched: files.Fetched | None) -> Work:
    if incoming.kind == "message":
        if incoming.sender is None or incoming.chat_id is None:
            return ignored("no_sender")
        if incoming.private:
            if incoming.sender.is_bot:
                return ignored("from_bot")
            return private_chat.on_message(incoming, fetched)
        if incoming.group:
            return groups.on_message(incoming, username, config.bot_id())
        return ignored(f"chat_type_{incoming.chat_type or 'unknown'}")
    if incoming.kind == "callback_query":
        return private_chat.on_callback(incoming)
    if incoming.kind == "my_chat_member":
        return private_chat.on_member(incoming)
    return ignored(f"kind_{incoming.kind or 'unknown'}")


def _after_commit(work: Work) -> None:
    publish(work.outbox)
    message = work.assistant_turn
    if message is None or work.ticket is None:
        return
    try:
        ticket = Ticket.objects.select_related("conversation", "customer").get(pk=work.ticket.pk)
        publish(service.assistant_reply(ticket, message))
    except Exception:
        # The customer's message is stored and agents can see it; only the answer is missing.
        logger.exception("telegram: the assistant did not answer on ticket %s", work.ticket.pk)


def _keep_failed(bot: int, incoming: Incoming, update: Any, exc: Exception) -> Received:
    reason = without_secrets(f"{type(exc).__name__}: {exc}")[:200]
    try:
        with transaction.atomic():
            ProcessedUpdate.objects.create(
                bot_id=bot,
                update_id=incoming.update_id,
                kind=incoming.kind[:40],
                chat_id=incoming.chat_id,
                status=UpdateStatus.FAILED,
                reason=reason,
                raw=without_secrets(json.dumps(update, ensure_ascii=False)),
            )
    except IntegrityError:
        return Received(DUPLICATE)
    return Received(UpdateStatus.FAILED, reason)


def retry_failed(row: ProcessedUpdate) -> Received:
    """Process a failed update again (after the cause was fixed), from what was kept."""
    if row.status != UpdateStatus.FAILED or not row.raw:
        return Received(row.status, row.reason)
    update = json.loads(row.raw)
    with transaction.atomic():
        ProcessedUpdate.objects.filter(pk=row.pk, status=UpdateStatus.FAILED).delete()
    return receive(update)
