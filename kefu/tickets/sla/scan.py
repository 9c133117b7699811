"""The periodic SLA scan: warn before a deadline, record the breach and escalate after it.

Set-based, so it stays cheap with 100,000 open tickets: one range read of the indexed
``sla_next_check_at`` finds exactly the tickets with something to do (every other ticket costs
nothing). On PostgreSQL each batch is then one statement: lock the candidates, decide per clock,
insert the events and update the tickets, all in the database. Elsewhere (SQLite, embedded
mode's smaller desks) the same decisions are made in Python with one executemany and one bulk
insert per batch. A warning or breach is recorded once per clock (``sla_warned`` /
``sla_breached``); a ticket is escalated one level per scan that breaches any of its clocks.

Any number of scanners may run (one per embedded process, or Celery beat firing while the last
scan is still running): on PostgreSQL one holds an advisory lock and the others skip, and rows an
agent's transaction has locked are left for the next scan (``SKIP LOCKED``); SQLite serialises
writers anyway.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from kefu import clock
from kefu.events import bus
from kefu.events.models import Event
from kefu.tickets.models import SlaPolicy, Ticket

from .clocks import CLOCKS, DUE_FIELDS

logger = logging.getLogger(__name__)

SCAN_LOCK_KEY = 0x6B656673  # "kefs"
BATCH_SIZE = 5000
SUBJECT_TYPE = Ticket._meta.label_lower
SCAN_EVENTS = ("sla.warning", "sla.breached", "ticket.escalated")
START = datetime(1, 1, 1, tzinfo=UTC)
Position = tuple[datetime, int]


@dataclass
class ScanResult:
    candidates: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    skipped: bool = False  # another scanner held the lock
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scan(at: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> ScanResult:
    """Warn, breach and escalate every ticket whose next SLA check is due at ``at`` (now)."""
    at = at or clock.now()
    result = ScanResult()
    started = time.perf_counter()
    # Batches go on from the last (check time, id) seen, along the index on both, rather than
    # from the index's start, which on PostgreSQL still holds the entries of every row updated
    # by earlier batches (reading past them made a scan of 100,000 quadratic).
    after: Position = (START, 0)
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                if not _try_lock():
                    result.skipped = True
                    break
                candidates, last, event_ids = _batch_postgresql(at, after, batch_size, result)
                if event_ids and _listened():
                    transaction.on_commit(partial(_publish_ids, event_ids))
            else:
                candidates, last, events = _batch_portable(at, after, batch_size, result)
                if events and _listened():
                    transaction.on_commit(partial(_publish, events))
        result.candidates += candidates
        if candidates < batch_size or last is None:
            break
        after = last
    result.seconds = time.perf_counter() - started
    if result.warnings or result.breaches:
        logger.info(
            "SLA scan: %d warnings, %d breaches, %d escalations in %.2f s",
            result.warnings,
            result.breaches,
            result.escalations,
            result.seconds,
        )
    return result


def _try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
        row = cursor.fetchone()
    return bool(row and row[0])


# --- PostgreSQL: one statement per batch ------------------------------------------------------


def _postgresql_sql() -> str:
    """Lock the batch, decide each running clock (breach if due, warn if inside the policy's
    warning window and not warned), update the tickets and insert the events.

    Candidates with nothing left to do still get a new ``sla_next_check_at`` (possibly none),
    so no ticket is read twice. Event data and order match :func:`_decide` exactly.
    """
    ticket = Ticket._meta
    columns = {f.name: f.column for f in ticket.concrete_fields}
    q = connection.ops.quote_name

    def col(name: str) -> str:
        return q(columns[name])

    policy_table = q(SlaPolicy._meta.db_table)
    warn_column = q(SlaPolicy._meta.get_field("warn_before_minutes").column)  # type: ignore[union-attr]
    event_table = q(Event._meta.db_table)
    event_columns = {f.name: f.column for f in Event._meta.concrete_fields}
    clocks = ", ".join(
        f"({order}, '{name}', c.{q(DUE_FIELDS[name])})" for order, name in enumerate(CLOCKS, 1)
    )
    iso = (
        "to_char(k.due AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        "extract(microseconds FROM k.due)::bigint %% 1000000 = 0 THEN '' ELSE '.' || "
        "lpad((extract(microseconds FROM k.due)::bigint %% 1000000)::text, 6, '0') END "
        "|| '+00:00'"
    )
    return f"""
WITH cand AS (
    SELECT t.{col("id")} AS id, {", ".join(f"t.{col(f)} AS {q(f)}" for f in DUE_FIELDS.values())},
           t.{col("sla_warned")} AS w, t.{col("sla_breached")} AS b,
           t.{col("sla_policy")} AS policy, t.{col("escalation_level")} AS level,
           make_interval(mins => COALESCE(p.{warn_column}, 0)) AS warn,
           t.{col("sla_next_check_at")} AS checked
    FROM {q(ticket.db_table)} t LEFT JOIN {policy_table} p ON p.id = t.{col("sla_policy")}
    WHERE t.{col("sla_next_check_at")} <= %(at)s
      AND (t.{col("sla_next_check_at")}, t.{col("id")}) > (%(after_check)s, %(after_id)s)
    ORDER BY t.{col("sla_next_check_at")}, t.{col("id")}
    LIMIT %(limit)s
    FOR UPDATE OF t SKIP LOCKED
), decided AS (
    SELECT c.id, c.policy, c.level, c.warn, c.w, k.ord, k.name, k.due,
           CASE WHEN k.due <= %(at)s THEN 'breach'
                WHEN NOT (c.w ? k.name) AND k.due - c.warn <= %(at)s THEN 'warn' END AS action
    FROM cand c CROSS JOIN LATERAL (VALUES {clocks}) AS k(ord, name, due)
    WHERE k.due IS NOT NULL AND NOT (c.b ? k.name)
), per_ticket AS (
    SELECT id, min(level) AS level,
           COALESCE(jsonb_agg(name ORDER BY ord)
                    FILTER (WHERE action IS NOT NULL AND NOT (w ? name)), '[]') AS warned,
           COALESCE(jsonb_agg(name ORDER BY ord) FILTER (WHERE action = 'breach'), '[]')
               AS breached,
           min(CASE WHEN action = 'breach' THEN NULL
                    WHEN action = 'warn' OR w ? name THEN due ELSE due - warn END) AS next_check,
           COALESCE(bool_or(action = 'breach'), false) AS escalate
    FROM decided GROUP BY id
), updated AS (
    UPDATE {q(ticket.db_table)} t SET
        {col("sla_warned")} = t.{col("sla_warned")} || COALESCE(p.warned, '[]'),
        {col("sla_breached")} = t.{col("sla_breached")} || COALESCE(p.breached, '[]'),
        {col("sla_next_check_at")} = p.next_check,
        {col("escalation_level")} = t.{col("escalation_level")}
            + CASE WHEN p.escalate THEN 1 ELSE 0 END,
        {col("escalated_at")} = CASE WHEN p.escalate THEN %(at)s ELSE t.{col("escalated_at")} END,
        {col("updated_at")} = CASE WHEN p.escalate THEN %(at)s ELSE t.{col("updated_at")} END
    FROM cand c LEFT JOIN per_ticket p ON p.id = c.id
    WHERE t.{col("id")} = c.id
    RETURNING t.{col("id")}
), inserted AS (
    INSERT INTO {event_table} ({q(event_columns["kind"])}, {q(event_columns["subject_type"])},
                               {q(event_columns["subject_id"])}, {q(event_columns["data"])},
                               {q(event_columns["created_at"])})
    SELECT e.kind, %(subject_type)s, e.id::text, e.data, %(at)s FROM (
        SELECT k.id, k.ord,
               CASE k.action WHEN 'breach' THEN 'sla.breached' ELSE 'sla.warning' END AS kind,
               jsonb_build_object('clock', k.name, 'due', {iso}, 'policy', k.policy) AS data
        FROM decided k WHERE k.action IS NOT NULL
        UNION ALL
        SELECT id, 99, 'ticket.escalated',
               jsonb_build_object('reason', 'sla_breach', 'clocks', breached, 'level', level + 1)
        FROM per_ticket WHERE escalate
    ) e ORDER BY e.id, e.ord
    RETURNING {q(event_columns["id"])}
)
SELECT (SELECT count(*) FROM updated),
       (SELECT count(*) FROM decided WHERE action = 'warn'),
       (SELECT count(*) FROM decided WHERE action = 'breach'),
       (SELECT count(*) FROM per_ticket WHERE escalate),
       (SELECT array_agg({q(event_columns["id"])}) FROM inserted),
       (SELECT checked FROM cand ORDER BY checked DESC, id DESC LIMIT 1),
       (SELECT id FROM cand ORDER BY checked DESC, id DESC LIMIT 1)
"""


_SQL: str | None = None


def _batch_postgresql(
    at: datetime, after: Position, batch_size: int, result: ScanResult
) -> tuple[int, Position | None, list[int]]:
    global _SQL
    if _SQL is None:
        _SQL = _postgresql_sql()
    params: dict[str, Any] = {
        "at": at,
        "after_check": after[0],
        "after_id": after[1],
        "limit": batch_size,
        "subject_type": SUBJECT_TYPE,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        candidates, warnings, breaches, escalations, event_ids, checked, last_id = cursor.fetchone()
    result.warnings += warnings
    result.breaches += breaches
    result.escalations += escalations
    last = (checked, last_id) if last_id is not None else None
    return candidates, last, list(event_ids or ())


# --- elsewhere: decide in Python, write in bulk ------------------------------------------------

COLUMNS = (
    "pk",
    *DUE_FIELDS.values(),
    "sla_warned",
    "sla_breached",
    "sla_policy_id",
    "escalation_level",
)


@dataclass
class _Update:
    pk: int
    warned: list[str]
    breached: list[str]
    next_check: datetime | None
    level: int
    escalated: bool


def _batch_portable(
    at: datetime, after: Position, batch_size: int, result: ScanResult
) -> tuple[int, Position | None, list[Event]]:
    checked, last_id = after
    rows = list(
        Ticket.objects.filter(sla_next_check_at__lte=at, sla_next_check_at__gte=checked)
        .filter(Q(sla_next_check_at__gt=checked) | Q(pk__gt=last_id))
        .order_by("sla_next_check_at", "pk")
        .select_for_update()
        .values_list(*COLUMNS, "sla_next_check_at")[:batch_size]
    )
    if not rows:
        return 0, None, []
    last = (rows[-1][-1], rows[-1][0])
    warn_before = {
        pk: timedelta(minutes=minutes)
        for pk, minutes in SlaPolicy.objects.values_list("pk", "warn_before_minutes")
    }
    events: list[Event] = []
    updates = [_decide(row[:-1], at, warn_before, events) for row in rows]
    result.warnings += sum(e.kind == "sla.warning" for e in events)
    result.breaches += sum(e.kind == "sla.breached" for e in events)
    result.escalations += sum(u.escalated for u in updates)
    _write(updates, at)
    return len(rows), last, Event.objects.bulk_create(events, batch_size=1000)


def _decide(
    row: tuple[Any, ...], at: datetime, warn_before: dict[int, timedelta], events: list[Event]
) -> _Update:
    pk, first_due, next_due, resolution_due, warned, breached, policy_id, level = row
    warned, breached = list(warned or ()), list(breached or ())
    warn = warn_before.get(policy_id, timedelta())
    breached_now = []
    next_check = None
    for name, due in zip(CLOCKS, (first_due, next_due, resolution_due), strict=True):
        if due is None or name in breached:
            continue
        data = {"clock": name, "due": due.isoformat(), "policy": policy_id}
        if due <= at:
            breached.append(name)
            breached_now.append(name)
            if name not in warned:
                warned.append(name)  # too late to warn: the breach says it all
            events.append(_event("sla.breached", pk, data, at))
            continue
        if name not in warned and due - warn <= at:
            warned.append(name)
            events.append(_event("sla.warning", pk, data, at))
        check = due if name in warned else due - warn
        next_check = check if next_check is None else min(next_check, check)
    if breached_now:
        level += 1
        events.append(
            _event(
                "ticket.escalated",
                pk,
                {"reason": "sla_breach", "clocks": breached_now, "level": level},
                at,
            )
        )
    return _Update(pk, warned, breached, next_check, level, bool(breached_now))


def _event(kind: str, pk: int, data: dict[str, Any], at: datetime) -> Event:
    return Event(kind=kind, subject_type=SUBJECT_TYPE, subject_id=str(pk), data=data, created_at=at)


def _write(updates: list[_Update], at: datetime) -> None:
    columns = {field.name: field.column for field in Ticket._meta.concrete_fields}
    q = connection.ops.quote_name
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(at)
    c = {name: q(columns[name]) for name in columns}
    sql = (
        f"UPDATE {q(Ticket._meta.db_table)} SET {c['sla_warned']} = %s, "
        f"{c['sla_breached']} = %s, {c['sla_next_check_at']} = %s, "
        f"{c['escalation_level']} = %s, "
        f"{c['escalated_at']} = CASE WHEN %s THEN %s ELSE {c['escalated_at']} END, "
        f"{c['updated_at']} = CASE WHEN %s THEN %s ELSE {c['updated_at']} END "
        f"WHERE {c['id']} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (
                    json.dumps(u.warned),
                    json.dumps(u.breached),
                    ops.adapt_datetimefield_value(u.next_check),
                    u.level,
                    u.escalated,
                    stamp,
                    u.escalated,
                    stamp,
                    u.pk,
                )
                for u in updates
            ],
        )


# --- publication ----------------------------------------------------------------------------


def _listened() -> bool:
    """Whether any in-process subscriber wants the scan's events (none do by default), so a
    scan of 100,000 breaches does not load them back for nothing."""
    return any(
        kind.startswith(prefix) for prefix, _handler in bus._subscribers for kind in SCAN_EVENTS
    )


def _publish(events: Sequence[Event]) -> None:
    for event in events:
        bus.publish(event)


def _publish_ids(ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 2000):
        _publish(list(Event.objects.filter(pk__in=ids[start : start + 2000]).order_by("pk")))
