"""The periodic SLA scan: warn before a deadline, record the breach and escalate after it.

Set-based, so it stays cheap with 100,000 open tickets: one range read of the indexed
``sla_next_check_at`` finds exactly the tickets with something to do (every other ticket costs
nothing), each batch is locked, decided in memory, written back with one UPDATE and its events
inserted at once. A warning or breach is recorded once per clock (``sla_warned`` /
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
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction

from kefu import clock
from kefu.events import bus
from kefu.events.models import Event
from kefu.tickets.models import SlaPolicy, Ticket

from .clocks import CLOCKS

logger = logging.getLogger(__name__)

SCAN_LOCK_KEY = 0x6B656673  # "kefs"
BATCH_SIZE = 5000
SUBJECT_TYPE = Ticket._meta.label_lower
# Read per candidate, in this order.
COLUMNS = (
    "pk",
    "first_response_due",
    "next_response_due",
    "resolution_due",
    "sla_warned",
    "sla_breached",
    "sla_policy_id",
    "escalation_level",
)


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


@dataclass
class _Update:
    pk: int
    warned: list[str]
    breached: list[str]
    next_check: datetime | None
    level: int
    escalated: bool


def scan(at: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> ScanResult:
    """Warn, breach and escalate every ticket whose next SLA check is due at ``at`` (now)."""
    at = at or clock.now()
    result = ScanResult()
    started = time.perf_counter()
    warn_before = {
        pk: timedelta(minutes=minutes)
        for pk, minutes in SlaPolicy.objects.values_list("pk", "warn_before_minutes")
    }
    while True:
        handled = _scan_batch(at, batch_size, warn_before, result)
        if handled < batch_size or result.skipped:
            break
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


def _scan_batch(
    at: datetime, batch_size: int, warn_before: dict[int, timedelta], result: ScanResult
) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    result.skipped = True
                    return 0
        rows = list(
            Ticket.objects.filter(sla_next_check_at__lte=at)
            .order_by("sla_next_check_at")
            .select_for_update(skip_locked=True)
            .values_list(*COLUMNS)[:batch_size]
        )
        if not rows:
            return 0
        events: list[Event] = []
        updates = []
        for row in rows:
            update = _decide(row, at, warn_before, events)
            updates.append(update)
            result.escalations += update.escalated
        result.candidates += len(rows)
        result.warnings += sum(e.kind == "sla.warning" for e in events)
        result.breaches += sum(e.kind == "sla.breached" for e in events)
        _write(updates, at)
        created = Event.objects.bulk_create(events, batch_size=5000)
        transaction.on_commit(lambda: _publish(created))
    return len(rows)


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
    """One statement per batch on PostgreSQL (an UPDATE joined to unnest()ed arrays);
    executemany elsewhere."""
    meta = Ticket._meta
    quote = connection.ops.quote_name
    columns = {field.name: field.column for field in meta.concrete_fields}

    def column(name: str) -> str:
        return quote(columns[name])

    table = quote(meta.db_table)
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(at)
    if connection.vendor == "postgresql":
        sql = (
            f"UPDATE {table} AS t SET {column('sla_warned')} = v.warned::jsonb, "
            f"{column('sla_breached')} = v.breached::jsonb, "
            f"{column('sla_next_check_at')} = v.next_check, "
            f"{column('escalation_level')} = v.level, "
            f"{column('escalated_at')} = CASE WHEN v.escalated "
            f"THEN %s ELSE t.{column('escalated_at')} END, "
            f"{column('updated_at')} = CASE WHEN v.escalated "
            f"THEN %s ELSE t.{column('updated_at')} END "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[], %s::int[], "
            "%s::boolean[]) AS v(id, warned, breached, next_check, level, escalated) "
            f"WHERE t.{column('id')} = v.id"
        )
        params: list[Any] = [
            stamp,
            stamp,
            [u.pk for u in updates],
            [json.dumps(u.warned) for u in updates],
            [json.dumps(u.breached) for u in updates],
            [u.next_check for u in updates],
            [u.level for u in updates],
            [u.escalated for u in updates],
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    sql = (
        f"UPDATE {table} SET {column('sla_warned')} = %s, {column('sla_breached')} = %s, "
        f"{column('sla_next_check_at')} = %s, {column('escalation_level')} = %s, "
        f"{column('escalated_at')} = CASE WHEN %s THEN %s ELSE {column('escalated_at')} END, "
        f"{column('updated_at')} = CASE WHEN %s THEN %s ELSE {column('updated_at')} END "
        f"WHERE {column('id')} = %s"
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


def _publish(events: Iterable[Event]) -> None:
    for event in events:
        bus.publish(event)
