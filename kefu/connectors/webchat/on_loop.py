"""Chat messages and read receipts stored from the event loop itself (PostgreSQL only).

Channels runs all of a process's database calls on one thread. For a chat message that meant a
hop to that thread, one statement, and a hop back, with the event loop and the thread taking
the interpreter lock from each other at every step: at 1,000 chats on two cores a message
spent most of its time waiting for that thread or for the lock, not for PostgreSQL. Here the
two statements of the steady state — store a message (:data:`store.STORE_SQL`) and record a
read receipt — run on an asyncio psycopg connection of the process's event loop, with the same
SQL and the same guarantees.

Anything else, and any case those statements do not settle (an attachment, a secret to warn
about, a retried client id, a chat that ended or changed hands, a lost connection), returns
``None``: the caller then takes the service's path on the database thread, which answers as
it always has. A statement whose connection broke may still have committed; the retry on the
thread then meets the stored client id and returns that message, so nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections

from kefu.accounts.models import Agent
from kefu.tickets import actions as tickets
from kefu.tickets.models import Author, Message, Ticket
from kefu.trust.masking import mask_secrets

from . import service, store
from .outbox import Outbox

logger = logging.getLogger(__name__)

# Each event loop (a process has one; tests start many) keeps up to LANES connections, opened
# as needed. Every statement is one round trip that commits on its own, and much of its time is
# PostgreSQL flushing the commit to disk: on one connection every statement waits for all the
# commits before it (in a 1,000-chat run, statements of 12-19 ms fell in the seconds of its
# slowest messages); on a few, commits overlap and PostgreSQL flushes them together.
LANES = 4


@dataclass
class _Lanes:
    idle: list[psycopg.AsyncConnection[Any]] = field(default_factory=list)
    free: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(LANES))


_lanes: dict[asyncio.AbstractEventLoop, _Lanes] = {}


def enabled() -> bool:
    return bool(settings.KEFU_CHAT_ON_LOOP) and settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql"
    )


async def customer_message(
    ticket: Ticket, text: Any, client_id: Any, attachment_id: Any
) -> tuple[Message, bool, Outbox] | None:
    """:func:`service.customer_message` for plain text, or ``None``: ask the service."""
    if not enabled() or attachment_id is not None:
        return None
    client_id = service.valid_client_id(client_id)
    masked, secrets = mask_secrets(tickets.validate_text(text))
    if secrets:
        return None  # the warning is written on the database thread
    message = await _store(ticket, author=Author.CUSTOMER, text=masked, client_id=client_id)
    if message is None:
        return None
    return message, True, service.customer_message_outbox(ticket, message, secrets)


async def agent_message(
    agent: Agent, ticket: Ticket | None, text: Any, client_id: Any
) -> tuple[Message, bool, Outbox] | None:
    """:func:`service.agent_message` for a public reply in a chat the console answers (none:
    a note, or a chat it has not opened), or ``None``."""
    if not enabled() or ticket is None:
        return None
    client_id = service.valid_client_id(client_id)
    masked, _secrets = mask_secrets(tickets.validate_text(text))
    message = await _store(
        ticket, author=Author.AGENT, text=masked, client_id=client_id, agent=agent
    )
    if message is None:
        return None
    outbox = Outbox()
    outbox.message(ticket, message)
    return message, True, outbox


async def receipt(ticket: Ticket | None, reader: str, delivered: Any, read: Any) -> Outbox | None:
    """:func:`service.customer_receipt` or :func:`service.agent_receipt`, or ``None``."""
    if not enabled() or ticket is None:
        return None
    delivered_seq, read_seq = service.seq_of(delivered), service.seq_of(read)
    if delivered_seq is None and read_seq is None:
        return None
    prefix = "customer" if reader == Author.CUSTOMER else "agent"
    sql = store.receipt_sql(prefix, quiet=True, postgresql=True)
    params = {"ticket_id": ticket.pk, "read": read_seq or 0, "delivered": delivered_seq or 0}
    row = await _fetchone(sql, params)
    if row is None:
        return None
    return service.receipt_outbox(ticket, reader, int(row[0]), int(row[1]))


async def _store(
    ticket: Ticket, *, author: str, text: str, client_id: str, agent: Agent | None = None
) -> Message | None:
    if not store.is_chat_text(ticket, client_id):
        return None
    params = store.parameters(ticket, author=author, text=text, client_id=client_id, agent=agent)
    if params is None:
        return None
    row = await _fetchone(store.STORE_SQL, params)
    if row is None:
        return None
    return store.stored(ticket, params, row, agent=agent, attachment=None)


async def _fetchone(sql: str, params: dict[str, Any]) -> Any:
    """The statement's first row; ``None`` for no row, a refused row or a lost connection."""
    loop = asyncio.get_running_loop()
    lanes = _lanes.get(loop) or _lanes.setdefault(loop, _Lanes())
    async with lanes.free:
        try:
            connection = lanes.idle.pop() if lanes.idle else await _connect()
        except psycopg.OperationalError:
            logger.warning("no connection for chat statements on the event loop; using the thread")
            return None
        try:
            cursor = await connection.execute(sql, params)
            row = await cursor.fetchone()
        except psycopg.errors.IntegrityError:
            lanes.idle.append(connection)  # autocommit: the connection is clean again
            return None  # a retried client id: the service finds the message stored first
        except psycopg.OperationalError:
            logger.warning("chat statement on the event loop failed; using the database thread")
            connection.pgconn.finish()
            return None
        except BaseException:  # cancelled mid-statement: its state is unknown, so it goes
            connection.pgconn.finish()
            raise
        lanes.idle.append(connection)
        return row


async def _connect() -> psycopg.AsyncConnection[Any]:
    # Django's own connection parameters (the test database's name in tests), less its
    # synchronous cursor classes; client-side binding, as Django's cursors do.
    params = connections["default"].get_connection_params()
    for key in ("cursor_factory", "context"):
        params.pop(key, None)
    return await psycopg.AsyncConnection.connect(
        **params, autocommit=True, cursor_factory=psycopg.AsyncClientCursor
    )


def disconnect_all() -> None:
    """Close every loop's connections now (tests, between event loops; shutdown)."""
    for lanes in _lanes.values():
        for connection in lanes.idle:
            connection.pgconn.finish()
    _lanes.clear()
