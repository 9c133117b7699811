"""Replaying tickets' histories into measurements ("facts"), each stamped with the moment it
was completed, so that a report over ``[start, end)`` counts what was completed in that window.

Times and outcomes come from the event log (``kefu.events``) and from the messages, which are
the log of what was said (a live chat's messages record no events of their own); a ticket's
row only says how to group it: channel, team, assignee, language, category and whether it has
an SLA policy. Durations are calendar time in seconds (SLA clocks count business hours; these
measure what the customer lived through).

Definitions (the industry's usual ones, made precise):

- **opened**: tickets whose ``ticket.opened`` event falls in the window.
- **first response time**: from the start of the contact to the first public agent message.
  The start is the opening for email, portal, Telegram and API tickets; for a live chat it is
  when the chat first joined a queue for a person (the assistant's part is not waiting time).
  Counted when the reply is sent. Chats the assistant finished alone have none.
- **next response time**: after the first response, from a customer's message that follows
  an agent's reply (the first of a run of customer messages) to the next public agent
  message. Counted when the reply is sent.
- **solved / resolution time**: a case handled by people (any ticket other than a chat; a chat
  that was queued for or given to a person) is solved the first time its status becomes solved
  or closed (a chat: ends other than abandoned and not continued as a ticket). Closing by a
  merge is not a resolution. Resolution time runs from opening to that first solve ("first
  resolution time"), counted when solved.
- **first-contact resolution** (FCR): of the cases solved, those never reopened or followed up
  whose customer got exactly one public agent reply before the solve (a chat: at least one,
  in the one conversation: not transferred, not continued as a ticket).
- **reopen rate**: of the cases solved, those reopened afterwards (as known when the report
  is made).
- **CSAT**: ``ticket.rated`` events: the mean score (1..5) and the share satisfied (4 or 5).
- **assistant containment / hand-over rate**: assistant conversations started in the window
  whose outcome is known: handed over to a person (``assistant.handed_over``, with its reason),
  or contained: their chat ended, or :data:`IDLE_AFTER` passed, without a hand-over.
  Conversations are counted when they start (their outcome comes within minutes).
- **SLA attainment**: tickets with an SLA policy, one outcome per ticket and per clock: breached
  when an ``sla.breached`` event exists (counted at the first breach), met otherwise, counted
  when decided (the first response clock at the first reply, the others at the first solve;
  the next response clock only on tickets where it ran: a customer wrote after an answer).
- **queue wait / abandonment**: each stay of a chat in the queue, from ``ticket.queued`` until
  a person is assigned (answered: its wait is a sample) or the customer leaves first
  (``routing.abandoned``, or the chat ends while waiting: abandoned). Counted when the stay ends.
  Abandonment rate = abandoned / (answered + abandoned).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from kefu.events.models import Event
from kefu.tickets.models import Author, Channel, Message, Resolution, SatisfactionRating, Ticket

from .rows import SLA_CLOCKS, Filters

TICKET = Ticket._meta.label_lower
CONVERSATION = "assistant.conversation"
IDLE_AFTER = timedelta(minutes=30)
SATISFIED = 4
SOLVED_STATUSES = ("solved", "closed")
# The message kind of incident resolution notices (kefu.insights.incidents.notify).
INCIDENT_NOTICE = "incident"

# Only these kinds are read (messages give the replies).
KINDS = (
    "ticket.opened",
    "ticket.queued",
    "ticket.assigned",
    "ticket.chat_ended",
    "ticket.status_changed",
    "ticket.reopened",
    "ticket.follow_up_opened",
    "ticket.rated",
    "ticket.merged",
    "ticket.transferred",
    "sla.breached",
    "routing.abandoned",
)
KINDS_WITH_DATA = (
    "ticket.chat_ended",
    "ticket.status_changed",
    "ticket.reopened",
    "ticket.rated",
    "sla.breached",
)


@dataclass(frozen=True, slots=True)
class Subject:
    """What a measurement is grouped by: its ticket's attributes (a conversation without a
    ticket has only a channel and a language)."""

    ticket: int | None
    channel: str
    team: str
    agent: int | None
    language: str
    category: str


@dataclass(frozen=True, slots=True)
class Fact:
    """One measurement: ``kind`` (see :data:`FACT_KINDS`), when it was completed, what it is
    about, its value (seconds, a score, or 1/0 for met/breached) and a tag (an SLA clock, a
    queue outcome, a hand-over reason)."""

    kind: str
    at: datetime
    subject: Subject
    value: float = 1.0
    tag: str = ""


FACT_KINDS = (
    "opened",
    "first_response",
    "next_response",
    "solved",  # value: resolution seconds
    "first_contact_resolved",
    "reopened",
    "rating",  # value: score
    "contained",
    "handed_over",  # tag: reason
    "sla",  # tag: "" for the ticket, else the clock; value 1 met, 0 breached
    "answered",  # value: queue wait seconds
    "abandoned",
)


@dataclass(frozen=True, slots=True)
class Rated:
    ticket: int
    score: int
    comment: str


@dataclass
class History:
    """What was loaded for a window: the facts, and the ratings' comments by ticket."""

    facts: list[Fact]
    comments: dict[int, Rated]


def load_history(filters: Filters, as_of: datetime) -> History:
    """Facts of every ticket with an event in the window and every assistant conversation
    started in it, in a handful of queries whatever the volume (the database joins the
    window's ticket ids into each read; nothing is read per ticket)."""
    in_window = {"created_at__gte": filters.start, "created_at__lt": filters.end}
    ticket_ids = (
        Event.objects.filter(subject_type=TICKET, **in_window)
        .order_by()
        .annotate(ticket_id=Cast("subject_id", BigIntegerField()))
        .values("ticket_id")
    )
    started = Event.objects.filter(
        subject_type=CONVERSATION, kind="assistant.conversation_started", **in_window
    ).order_by()
    tickets = _filtered(
        Ticket.objects.filter(
            Q(pk__in=ticket_ids)
            | Q(
                conversation_id__in=started.annotate(
                    conversation_id=Cast("subject_id", BigIntegerField())
                ).values("conversation_id")
            )
        ),
        filters,
    ).order_by()
    rows = _read(
        tickets.values_list(
            "pk",
            "channel",
            "team__slug",
            "assignee_id",
            "language",
            "category",
            "sla_policy_id",
            "conversation_id",
            "created_at",
        )
    )
    subjects: dict[int, Subject] = {}
    tracked: set[int] = set()
    opened_at: dict[int, datetime] = {}
    by_conversation: dict[int, int] = {}
    for pk, channel, team, agent, language, category, policy, conversation, created in rows:
        subjects[pk] = Subject(pk, channel, team or "", agent, language, category)
        opened_at[pk] = _when(created)
        if policy is not None:
            tracked.add(pk)
        if conversation is not None:
            by_conversation[conversation] = pk
    # The tickets are known now: later reads name them in one parameter rather than repeat
    # the query (a planner without statistics, as after a bulk load, nested-looped it).
    ids = list(subjects)
    of_tickets = Event.objects.filter(
        _one_of(Event, "subject_id", [str(pk) for pk in ids]), subject_type=TICKET
    ).order_by()
    # Only these kinds' data is read: decoding JSON is much of the cost of a month.
    events: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for subject_id, event_id, kind, at, data in _read(
        of_tickets.filter(kind__in=KINDS_WITH_DATA).values_list(
            "subject_id", "id", "kind", "created_at", "data"
        )
    ):
        events[int(subject_id)].append((_when(at), event_id, kind, _json(data)))
    for subject_id, event_id, kind, at in _read(
        of_tickets.filter(kind__in=set(KINDS) - set(KINDS_WITH_DATA)).values_list(
            "subject_id", "id", "kind", "created_at"
        )
    ):
        events[int(subject_id)].append((_when(at), event_id, kind, {}))
    messages: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    for ticket_id, seq, author, at in _read(
        Message.objects.filter(
            _one_of(Message, "ticket", ids),
            internal=False,
            author__in=(Author.CUSTOMER, Author.AGENT),
        )
        # An incident's resolution notice goes to every related ticket at once: a broadcast,
        # not somebody answering this customer, so it is no response time.
        .exclude(kind=INCIDENT_NOTICE)
        .order_by()
        .values_list("ticket_id", "seq", "author", "created_at")
    ):
        messages[ticket_id].append((_when(at), seq, author))
    facts: list[Fact] = []
    ended: dict[int, datetime] = {}
    for pk, subject in subjects.items():
        history = events.get(pk, [])
        history.sort(key=_by_time)
        said = messages.get(pk, [])
        said.sort()
        facts.extend(replay_ticket(subject, opened_at[pk], history, said, pk in tracked))
        end = next((e[0] for e in history if e[2] == "ticket.chat_ended"), None)
        if end is not None:
            ended[pk] = end
    conversations = (
        Event.objects.filter(
            subject_type=CONVERSATION,
            subject_id__in=started.values("subject_id"),
            kind__in=("assistant.conversation_started", "assistant.handed_over"),
        )
        .order_by()
        .values_list("subject_id", "id", "kind", "created_at", "data")
    )
    by_id: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for subject_id, event_id, kind, at, data in _read(conversations):
        by_id[int(subject_id)].append((_when(at), event_id, kind, _json(data)))
    ticketless_allowed = not (filters.team or filters.teams or filters.agent or filters.category)
    for conversation_id, history in by_id.items():
        history.sort(key=_by_time)
        ticket = by_conversation.get(conversation_id)
        if ticket is not None:
            subject = subjects[ticket]
        else:
            start_data: dict[str, Any] = next(
                (e[3] for e in history if e[2].endswith("started") and isinstance(e[3], dict)), {}
            )
            language = str(start_data.get("language") or "")
            subject = Subject(None, Channel.CHAT, "", None, language, "")
            if not ticketless_allowed or not _matches(subject, filters):
                continue
        fact = replay_conversation(subject, history, ended.get(ticket or -1), as_of)
        if fact is not None:
            facts.append(fact)
    rated = SatisfactionRating.objects.filter(_one_of(SatisfactionRating, "ticket", ids))
    comments = {
        t: Rated(t, score, comment)
        for t, score, comment in _read(
            rated.exclude(comment="").order_by().values_list("ticket_id", "score", "comment")
        )
    }
    return History(facts, comments)


def _one_of(model: type[Model], field: str, values: list[Any]) -> RawSQL:
    """``field`` is one of ``values``, as a single parameter however many there are: an array
    on PostgreSQL, a JSON list on SQLite."""
    quote = connection.ops.quote_name
    column = {f.name: f.column for f in model._meta.concrete_fields}[field]
    name = f"{quote(model._meta.db_table)}.{quote(column)}"
    if connection.vendor == "postgresql":
        return RawSQL(f"{name} = ANY(%s)", (values,), output_field=BooleanField())
    sql = f"{name} IN (SELECT value FROM json_each(%s))"
    return RawSQL(sql, (json.dumps(values),), output_field=BooleanField())


def _read(rows: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` query as the database driver returns them: Django's
    per-value conversion of datetimes and JSON would cost more than the query on a month of
    events (:func:`_when` and :func:`_json` do it in bulk)."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _when(value: Any) -> datetime:
    """A stored time, aware in UTC: drivers return a datetime (PostgreSQL) or ISO text
    (SQLite, naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _by_time(event: tuple[Any, ...]) -> tuple[datetime, int]:
    return event[0], event[1]


def _filtered(tickets: QuerySet[Ticket], filters: Filters) -> QuerySet[Ticket]:
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.team:
        tickets = tickets.filter(team__slug=filters.team)
    if filters.teams:
        tickets = tickets.filter(team__slug__in=filters.teams)
    if filters.agent is not None:
        tickets = tickets.filter(assignee_id=filters.agent)
    if filters.language:
        tickets = tickets.filter(language=filters.language)
    if filters.category:
        tickets = tickets.filter(category=filters.category)
    return tickets


def _matches(subject: Subject, filters: Filters) -> bool:
    return (not filters.channel or subject.channel == filters.channel) and (
        not filters.language or subject.language == filters.language
    )


def replay_ticket(
    subject: Subject,
    created_at: datetime,
    events: Iterable[tuple[datetime, int, str, dict[str, Any]]],
    messages: Iterable[tuple[datetime, int, str]],
    sla_tracked: bool,
) -> Iterator[Fact]:
    """The facts of one ticket from its events (sorted by time, then id) and its public
    customer and agent messages (sorted: time, number, author)."""
    events = list(events)
    is_chat = subject.channel == Channel.CHAT
    opened = next((at for at, _id, kind, _data in events if kind == "ticket.opened"), None)
    if opened is not None:
        yield Fact("opened", opened, subject)
    opened = opened or created_at
    merged_at = next((at for at, _id, kind, _data in events if kind == "ticket.merged"), None)
    queued_since: datetime | None = None
    first_queued: datetime | None = None
    handled = not is_chat
    solved_at: datetime | None = None
    reopened = kept_open = transferred = followed_up = False
    breaches: dict[str, datetime] = {}
    for at, _id, kind, data in events:
        data = data if isinstance(data, dict) else {}
        if kind == "ticket.queued":
            handled = True
            first_queued = first_queued or at
            queued_since = queued_since or at
        elif kind == "ticket.assigned":
            handled = True
            if queued_since is not None:
                yield Fact("answered", at, subject, (at - queued_since).total_seconds())
                queued_since = None
        elif kind == "routing.abandoned":
            if queued_since is not None:
                yield Fact("abandoned", at, subject)
                queued_since = None
        elif kind == "ticket.chat_ended":
            if queued_since is not None:
                yield Fact("abandoned", at, subject)
                queued_since = None
            if data.get("kept_open"):
                kept_open = True
            elif handled and solved_at is None and data.get("resolution") != Resolution.ABANDONED:
                solved_at = at
        elif kind in ("ticket.status_changed", "ticket.reopened"):
            if kind == "ticket.reopened" and solved_at is not None:
                reopened = True
            if (
                data.get("to") in SOLVED_STATUSES
                and data.get("from") not in SOLVED_STATUSES
                and solved_at is None
                and handled
                and (merged_at is None or at < merged_at)
            ):
                solved_at = at
        elif kind == "ticket.follow_up_opened":
            followed_up = True
        elif kind == "ticket.transferred":
            transferred = True
        elif kind == "ticket.rated":
            score = data.get("score")
            if isinstance(score, int) and 1 <= score <= 5:
                yield Fact("rating", at, subject, float(score))
        elif kind == "sla.breached":
            clock = data.get("clock")
            if isinstance(clock, str):
                breaches.setdefault(clock, at)
    contact_start = first_queued if is_chat and first_queued is not None else opened
    first_reply: datetime | None = None
    waiting_since: datetime | None = None
    ran_next = False
    replies_before_solve = 0
    for at, _seq, author in messages:
        if author == Author.AGENT:
            if solved_at is None or at <= solved_at:
                replies_before_solve += 1
            if at < contact_start:
                continue
            if first_reply is None:
                first_reply = at
                yield Fact("first_response", at, subject, (at - contact_start).total_seconds())
            elif waiting_since is not None:
                ran_next = True
                yield Fact("next_response", at, subject, (at - waiting_since).total_seconds())
            waiting_since = None
        elif first_reply is not None and waiting_since is None:
            waiting_since = at
    if solved_at is not None:
        yield Fact("solved", solved_at, subject, (solved_at - opened).total_seconds())
        if reopened:
            yield Fact("reopened", solved_at, subject)
        one_contact = (
            (replies_before_solve >= 1 and not transferred and not kept_open)
            if is_chat
            else replies_before_solve == 1
        )
        if one_contact and not reopened and not followed_up:
            yield Fact("first_contact_resolved", solved_at, subject)
    if sla_tracked:
        yield from _sla(subject, breaches, first_reply, solved_at, ran_next)


def _sla(
    subject: Subject,
    breaches: dict[str, datetime],
    first_reply: datetime | None,
    solved_at: datetime | None,
    ran_next: bool,
) -> Iterator[Fact]:
    met_at = {
        "first_response": first_reply or solved_at,
        "next_response": solved_at if ran_next else None,
        "resolution": solved_at,
    }
    for clock in SLA_CLOCKS:
        if clock in breaches:
            yield Fact("sla", breaches[clock], subject, 0.0, clock)
        elif (at := met_at[clock]) is not None:
            yield Fact("sla", at, subject, 1.0, clock)
    if breaches:
        yield Fact("sla", min(breaches.values()), subject, 0.0)
    elif solved_at is not None:
        yield Fact("sla", solved_at, subject, 1.0)


def replay_conversation(
    subject: Subject,
    events: Iterable[tuple[datetime, int, str, dict[str, Any]]],
    chat_ended: datetime | None,
    as_of: datetime,
) -> Fact | None:
    """Whether an assistant conversation was contained or handed over (None while it is still
    undecided), stamped with when it started."""
    events = list(events)
    started = next((e[0] for e in events if e[2] == "assistant.conversation_started"), None)
    if started is None:
        return None
    handover = next((e for e in events if e[2] == "assistant.handed_over"), None)
    if handover is not None:
        data = handover[3] if isinstance(handover[3], dict) else {}
        return Fact("handed_over", started, subject, tag=str(data.get("reason") or "unknown"))
    if chat_ended is not None or as_of - started >= IDLE_AFTER:
        return Fact("contained", started, subject)
    return None
