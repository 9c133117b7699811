"""A live-chat message stored in one statement on PostgreSQL (two, in one transaction, on
SQLite).

:func:`kefu.tickets.actions.post_message` takes five round trips (BEGIN, lock the ticket, insert
the message, advance the ticket, COMMIT), and every one of them waits for the single thread on
which Channels runs a process's database calls. Here the ticket's next number is taken, the
condition checked and the message inserted by one statement that commits on its own, with the
same guarantees: numbers without gaps in the order the row lock is granted, a retried client id
stored once (the unique constraint fails the whole statement, numbers included), nothing stored
once the chat has ended or, for an agent, once the chat is no longer theirs.

Read receipts take one statement as well (:func:`receipt`), which on PostgreSQL does not wait
for its commit to reach the disk.

Only the common case takes this path: a web chat's customer, or the agent it is assigned to,
sending text with a client id. Anything else — another database, other channels (whose messages have
``post_save`` work, such as Telegram delivery), internal notes, a supervisor speaking, a refused
condition — returns ``None`` and goes through ``post_message``, which then answers exactly as
before (an error, or the message stored earlier under that client id).
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.tickets.actions import MAX_CLIENT_ID
from kefu.tickets.models import (
    Attachment,
    Author,
    Channel,
    ChatState,
    Message,
    Status,
    Ticket,
)

_TICKET = Ticket._meta.db_table
_MESSAGE = Message._meta.db_table

# The ticket row is updated (and so locked) first; the message takes its new number. ``mine``
# is the agent's condition: NULL for the customer, who may write while the chat is not ended.
_ADVANCE = f"""
UPDATE {_TICKET}
SET last_seq = last_seq + 1,
    updated_at = %(now)s,
    status = CASE WHEN %(customer)s AND status = %(pending)s THEN %(open)s ELSE status END
WHERE id = %(ticket)s
  AND channel = %(chat)s
  AND chat_state <> %(ended)s
  AND (CAST(%(mine)s AS bigint) IS NULL OR assignee_id = CAST(%(mine)s AS bigint))
RETURNING id, last_seq, status, chat_state, assignee_id
"""

# PostgreSQL: both steps in one statement that commits on its own.
STORE_SQL = f"""
WITH t AS ({_ADVANCE}), m AS (
    INSERT INTO {_MESSAGE}
        (ticket_id, seq, author, agent_id, text, internal, kind, channel, client_id,
         attachment_id, created_at)
    SELECT id, last_seq, %(author)s, %(agent)s, %(text)s, FALSE, '', %(chat)s, %(client_id)s,
           %(attachment)s, %(now)s
    FROM t
    RETURNING id, seq
)
SELECT m.id, m.seq, t.status, t.chat_state, t.assignee_id FROM m, t
"""

# SQLite has no UPDATE inside WITH: the same two steps as two statements in one transaction
# (BEGIN IMMEDIATE there, so the number is taken under the write lock).
_INSERT = f"""
INSERT INTO {_MESSAGE}
    (ticket_id, seq, author, agent_id, text, internal, kind, channel, client_id, attachment_id,
     created_at)
VALUES (%(ticket)s, %(seq)s, %(author)s, %(agent)s, %(text)s, FALSE, '', %(chat)s, %(client_id)s,
        %(attachment)s, %(now)s)
RETURNING id
"""


def applies(ticket: Ticket, client_id: str) -> bool:
    return connection.vendor in ("postgresql", "sqlite") and is_chat_text(ticket, client_id)


def is_chat_text(ticket: Ticket, client_id: str) -> bool:
    return ticket.channel == Channel.CHAT and 0 < len(client_id) <= MAX_CLIENT_ID


def parameters(
    ticket: Ticket,
    *,
    author: str,
    text: str,
    client_id: str,
    agent: Agent | None = None,
    attachment: Attachment | None = None,
) -> dict[str, Any] | None:
    """The statement's parameters, or ``None`` when only ``post_message`` can store this."""
    if author not in (Author.CUSTOMER, Author.AGENT) or (author == Author.AGENT and agent is None):
        return None
    return {
        "now": timezone.now(),
        "customer": author == Author.CUSTOMER,
        "pending": Status.PENDING.value,
        "open": Status.OPEN.value,
        "ticket": ticket.pk,
        "chat": Channel.CHAT.value,
        "ended": ChatState.ENDED.value,
        "mine": agent.pk if author == Author.AGENT and agent is not None else None,
        "author": str(author),
        "agent": agent.pk if agent is not None else None,
        "text": text,
        "client_id": client_id,
        "attachment": attachment.pk if attachment is not None else None,
    }


def store(
    ticket: Ticket,
    *,
    author: str,
    text: str,
    client_id: str,
    agent: Agent | None = None,
    attachment: Attachment | None = None,
) -> tuple[Message, bool] | None:
    """``(message, created)`` as ``post_message`` returns it, or ``None``: use ``post_message``.

    Afterwards ``ticket`` carries the updated row's number, status, chat state and assignee.
    """
    if not applies(ticket, client_id):
        return None
    params = parameters(
        ticket, author=author, text=text, client_id=client_id, agent=agent, attachment=attachment
    )
    if params is None:
        return None
    try:
        # Inside a caller's transaction (tests, or a future caller), a savepoint keeps a retried
        # client id from breaking it; on its own the statement is its own transaction.
        if connection.in_atomic_block:
            with transaction.atomic():
                row = _execute(params)
        else:
            row = _execute(params)
    except IntegrityError:
        existing = Message.objects.filter(ticket=ticket, client_id=client_id).first()
        if existing is None:
            raise
        return existing, False
    if row is None:
        return None  # ended, not theirs, or not a web chat any more: post_message says which
    return stored(ticket, params, row, agent=agent, attachment=attachment), True


def stored(
    ticket: Ticket,
    params: dict[str, Any],
    row: tuple[int, int, str, str, int | None],
    *,
    agent: Agent | None,
    attachment: Attachment | None,
) -> Message:
    """The message the statement stored, without reading it back; ``ticket`` takes the row's
    new number, status, chat state and assignee."""
    message_id, seq, status, chat_state, assignee_id = row
    message = Message(
        pk=message_id,
        ticket=ticket,
        seq=seq,
        author=params["author"],
        agent=agent,
        text=params["text"],
        internal=False,
        kind="",
        channel=Channel.CHAT,
        client_id=params["client_id"],
        attachment=attachment,
        created_at=params["now"],
    )
    message._state.adding = False
    message._state.db = DEFAULT_DB_ALIAS
    ticket.last_seq, ticket.status = seq, status
    ticket.chat_state, ticket.assignee_id = chat_state, assignee_id
    return message


def _execute(params: dict[str, Any]) -> tuple[int, int, str, str, int | None] | None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(STORE_SQL, params)
            return cursor.fetchone()
    # Stored as Django stores it (naive UTC text on SQLite).
    params = {**params, "now": connection.ops.adapt_datetimefield_value(params["now"])}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_ADVANCE, params)
        advanced = cursor.fetchone()
        if advanced is None:
            return None
        _ticket, seq, status, chat_state, assignee_id = advanced
        cursor.execute(_INSERT, {**params, "seq": seq})
        (message_id,) = cursor.fetchone()
    return message_id, seq, status, chat_state, assignee_id


# A receipt only moves forward, and clients send it again, so it does not wait for its commit to
# reach the disk: a crash of PostgreSQL may forget the last fraction of a second of receipts,
# never a message (their commits still wait, and flush whatever receipts came before them).
# ``set_config(..., true)`` applies to the statement's own transaction only.
_QUIET = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quiet"
# SQLite names GREATEST and LEAST max and min.
_RECEIPT = """
UPDATE {ticket} SET
    {read} = {greatest}({read}, {least}(%(read)s, last_seq)),
    {delivered} = {greatest}({delivered}, {least}(%(delivered)s, last_seq), {read},
                             {least}(%(read)s, last_seq))
{quiet}
WHERE id = %(ticket_id)s
RETURNING {delivered}, {read}
"""


def receipt_sql(prefix: str, *, quiet: bool, postgresql: bool | None = None) -> str:
    if postgresql is None:
        postgresql = connection.vendor == "postgresql"
    return _RECEIPT.format(
        ticket=_TICKET,
        read=f"{prefix}_read_seq",
        delivered=f"{prefix}_delivered_seq",
        greatest="GREATEST" if postgresql else "max",
        least="LEAST" if postgresql else "min",
        quiet=_QUIET if quiet and postgresql else "",
    )


def receipt(
    ticket: Ticket, reader: str, *, delivered: int | None, read: int | None
) -> tuple[int, int] | None:
    """``record_receipt``'s (delivered, read) in one statement, or ``None`` for another
    database (or nothing to record)."""
    if connection.vendor not in ("postgresql", "sqlite") or (delivered is None and read is None):
        return None
    prefix = "customer" if reader == Author.CUSTOMER else "agent"
    # Inside a caller's transaction its commit is not this statement's to relax.
    sql = receipt_sql(prefix, quiet=not connection.in_atomic_block)
    with connection.cursor() as cursor:
        params = {"ticket_id": ticket.pk, "read": read or 0, "delivered": delivered or 0}
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Ticket.DoesNotExist
    return int(row[0]), int(row[1])
