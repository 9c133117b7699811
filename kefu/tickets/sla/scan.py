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
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
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


def scan(
    at: datetime | None = None, *, batch_size: int = BATCH_SIZE, workers: int | None = None
) -> ScanResult:
    """Warn, breach and escalate every ticket whose next SLA check is due at ``at`` (now).

    On PostgreSQL a backlog (a first batch that comes back full) is shared by ``workers``
    threads (``KEFU_SLA_SCAN_WORKERS``), each with its own connection: ``SKIP LOCKED`` gives
    them disjoint batches, and a ticket once processed no longer matches.
    """
    at = at or clock.now()
    started = time.perf_counter()
    result = ScanResult()
    if connection.vendor != "postgresql":
        _work(at, (START, 0), batch_size, _batch_portable, result)
    else:
        with _scan_lock() as acquired:
            if not acquired:
                result.skipped = True
            else:
                last = _work(at, (START, 0), batch_size, _batch_postgresql, result, batches=1)
                if last is not None:
                    count = workers if workers is not None else settings.KEFU_SLA_SCAN_WORKERS
                    _in_parallel(at, last, batch_size, max(1, count), result)
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


Batch = Callable[[datetime, Position, int, ScanResult], tuple[int, Position | None]]


def _work(
    at: datetime,
    after: Position,
    batch_size: int,
    batch: Batch,
    result: ScanResult,
    batches: int | None = None,
) -> Position | None:
    """Run batches, each in its own transaction, until one comes back short (or ``batches``
    have run); returns where to go on from, None when done.

    Batches go on from the last (check time, id) seen, along the index on both, rather than
    from the index's start, which on PostgreSQL still holds the entries of every row updated by
    earlier batches (reading past them made a scan of 100,000 quadratic).
    """
    done = 0
    while batches is None or done < batches:
        with transaction.atomic():
            candidates, last = batch(at, after, batch_size, result)
        result.candidates += candidates
        done += 1
        if candidates < batch_size or last is None:
            return None
        after = last
    return after


def _in_parallel(
    at: datetime, after: Position, batch_size: int, workers: int, result: ScanResult
) -> None:
    results = [ScanResult() for _ in range(workers)]
    errors: list[BaseException] = []

    def run(share: ScanResult) -> None:
        try:
            _work(at, after, batch_size, _batch_postgresql, share)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()  # this thread's connections only

    threads = [
        threading.Thread(target=run, args=(share,), name=f"kefu-sla-scan-{n}")
        for n, share in enumerate(results[1:], 1)
    ]
    for thread in threads:
        thread.start()
    _work(at, after, batch_size, _batch_postgresql, results[0])
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    for share in results:
        result.candidates += share.candidates
        result.warnings += share.warnings
        result.breaches += share.breaches
        result.escalations += share.escalations


@contextmanager
def _scan_lock() -> Iterator[bool]:
    """One scan at a time across processes (a session-level advisory lock: the scan's own
    worker threads share it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SCAN_LOCK_KEY])
        row = cursor.fetchone()
    acquired = bool(row and row[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SCAN_LOCK_KEY])


# --- PostgreSQL: one statement per batch ------------------------------------------------------


def _postgresql_sql() -> str:
    """Lock the batch, decide each running clock (breach if due, warn if inside the policy's
    warning window and not warned), update the tickets and insert the events.

    Each clock's action is a plain expression on its ticket's row (no per-ticket subquery,
    aggregate or sort: those cost more than the writes), and no step joins two intermediate
    results (the planner's row estimates for them are often 1, and a nested loop over two of
    them made each batch quadratic). Candidates with nothing left to do still get a new
    ``sla_next_check_at`` (possibly none), so no ticket is read twice. Event data and order
    match :func:`_decide` exactly.
    """
    ticket = Ticket._meta
    columns = {f.name: f.column for f in ticket.concrete_fields}
    q = connection.ops.quote_name

    def col(name: str) -> str:
        return q(columns[name])

    policy_table = q(SlaPolicy._meta.db_table)
    warn_column = q(SlaPolicy._meta.get_field("warn_before_minutes").column)  # type: ignore[union-attr]
    event_table = q(Event._meta.db_table)
    event = {f.name: q(f.column) for f in Event._meta.concrete_fields}
    # Per clock n: its deadline dn and action an ('b' breach, 'w' warn, '-' running, NULL
    # stopped or already breached).
    actions = ",\n           ".join(
        f"c.d{n}, CASE WHEN c.d{n} IS NULL OR c.b ? '{name}' THEN NULL "
        f"WHEN c.d{n} <= %(at)s THEN 'b' "
        f"WHEN NOT (c.w ? '{name}') AND c.d{n} - c.warn <= %(at)s THEN 'w' ELSE '-' END AS a{n}"
        for n, name in enumerate(CLOCKS, 1)
    )

    def names(condition: str) -> str:
        """The clocks (in order) for which ``condition`` (with {n} and {name}) holds, as a
        JSON array."""
        items = ", ".join(
            f"CASE WHEN {condition.format(n=n, name=name)} THEN '{name}' END"
            for n, name in enumerate(CLOCKS, 1)
        )
        return f"to_jsonb(array_remove(ARRAY[{items}]::text[], NULL))"

    warned = names("x.a{n} = 'w' OR (x.a{n} = 'b' AND NOT (x.w ? '{name}'))")
    breached = names("x.a{n} = 'b'")
    next_check = ", ".join(
        f"CASE x.a{n} WHEN 'w' THEN x.d{n} WHEN '-' THEN CASE WHEN x.w ? '{name}' THEN x.d{n} "
        f"ELSE x.d{n} - x.warn END END"
        for n, name in enumerate(CLOCKS, 1)
    )
    count = " + ".join(
        f"(x.a{n} IS NOT DISTINCT FROM '{{0}}')::int" for n in range(1, len(CLOCKS) + 1)
    )
    per_clock = ", ".join(f"({n}, d.a{n}, '{name}', d.d{n})" for n, name in enumerate(CLOCKS, 1))
    iso = (
        "to_char(k.due AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        "extract(microseconds FROM k.due)::bigint %% 1000000 = 0 THEN '' ELSE '.' || "
        "lpad((extract(microseconds FROM k.due)::bigint %% 1000000)::text, 6, '0') END "
        "|| '+00:00'"
    )
    check = col("sla_next_check_at")
    dues = ", ".join(f"t.{col(f)} AS d{n}" for n, f in enumerate(DUE_FIELDS.values(), 1))
    return f"""
WITH cand AS (
    SELECT t.{col("id")} AS id, {dues},
           t.{col("sla_warned")} AS w, t.{col("sla_breached")} AS b,
           t.{col("sla_policy")} AS policy, t.{col("escalation_level")} AS level,
           make_interval(mins => COALESCE(p.{warn_column}, 0)) AS warn, t.{check} AS checked
    FROM {q(ticket.db_table)} t LEFT JOIN {policy_table} p ON p.id = t.{col("sla_policy")}
    WHERE t.{check} <= %(at)s AND (t.{check}, t.{col("id")}) > (%(after_check)s, %(after_id)s)
    ORDER BY t.{check}, t.{col("id")}
    LIMIT %(limit)s
    FOR UPDATE OF t SKIP LOCKED
), decided AS (
    SELECT x.*,
           {warned} AS warned,
           {breached} AS breached,
           LEAST({next_check}) AS next_check,
           {count.format("w")} AS warnings,
           {count.format("b")} AS breaches
    FROM (
        SELECT c.id, c.level, c.policy, c.w, c.warn,
           {actions}
        FROM cand c
    ) x
), updated AS (
    UPDATE {q(ticket.db_table)} t SET
        {col("sla_warned")} = t.{col("sla_warned")} || d.warned,
        {col("sla_breached")} = t.{col("sla_breached")} || d.breached,
        {check} = d.next_check,
        {col("escalation_level")} = t.{col("escalation_level")}
            + CASE WHEN d.breaches > 0 THEN 1 ELSE 0 END,
        {col("escalated_at")} = CASE WHEN d.breaches > 0 THEN %(at)s
                                     ELSE t.{col("escalated_at")} END,
        {col("updated_at")} = CASE WHEN d.breaches > 0 THEN %(at)s ELSE t.{col("updated_at")} END
    FROM decided d
    WHERE t.{col("id")} = d.id
    RETURNING t.{col("id")}
), inserted AS (
    INSERT INTO {event_table} ({event["kind"]}, {event["subject_type"]}, {event["subject_id"]},
                               {event["data"]}, {event["created_at"]})
    SELECT e.kind, %(subject_type)s, e.id::text, e.data, %(at)s FROM (
        SELECT d.id, k.ord,
               CASE k.action WHEN 'b' THEN 'sla.breached' ELSE 'sla.warning' END AS kind,
               jsonb_build_object('clock', k.name, 'due', {iso}, 'policy', d.policy) AS data
        FROM decided d CROSS JOIN LATERAL (VALUES {per_clock}) k(ord, action, name, due)
        WHERE k.action IN ('b', 'w')
        UNION ALL
        SELECT d.id, 99, 'ticket.escalated',
               jsonb_build_object('reason', 'sla_breach', 'clocks', d.breached,
                                  'level', d.level + 1)
        FROM decided d WHERE d.breaches > 0
    ) e ORDER BY e.id, e.ord
    RETURNING {event["id"]}
)
SELECT (SELECT count(*) FROM updated),
       (SELECT COALESCE(sum(warnings), 0)::bigint FROM decided),
       (SELECT COALESCE(sum(breaches), 0)::bigint FROM decided),
       (SELECT count(*) FROM decided WHERE breaches > 0),
       (SELECT array_agg({event["id"]}) FROM inserted),
       (SELECT checked FROM cand ORDER BY checked DESC, id DESC LIMIT 1),
       (SELECT id FROM cand ORDER BY checked DESC, id DESC LIMIT 1)
"""


_SQL: str | None = None


def _batch_postgresql(
    at: datetime, after: Position, batch_size: int, result: ScanResult
) -> tuple[int, Position | None]:
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
        # Compiling the statement (JIT) cost more than it saved on every batch measured.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_SQL, params)
        candidates, warnings, breaches, escalations, event_ids, checked, last_id = cursor.fetchone()
    result.warnings += warnings
    result.breaches += breaches
    result.escalations += escalations
    if event_ids and _listened():
        transaction.on_commit(partial(_publish_ids, list(event_ids)))
    last = (checked, last_id) if last_id is not None else None
    return candidates, last


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
) -> tuple[int, Position | None]:
    checked, last_id = after
    rows = list(
        Ticket.objects.filter(sla_next_check_at__lte=at, sla_next_check_at__gte=checked)
        .filter(Q(sla_next_check_at__gt=checked) | Q(pk__gt=last_id))
        .order_by("sla_next_check_at", "pk")
        .select_for_update()
        .values_list(*COLUMNS, "sla_next_check_at")[:batch_size]
    )
    if not rows:
        return 0, None
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
    created = Event.objects.bulk_create(events, batch_size=1000)
    if created and _listened():
        transaction.on_commit(partial(_publish, created))
    return len(rows), last


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
