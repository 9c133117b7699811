"""PostgreSQL's one-statement scan decides exactly as the portable Python scan does."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from kefu.events.models import Event
from kefu.tickets.models import SlaPolicy, Ticket
from kefu.tickets.sla import scan as sla_scan
from kefu.tickets.sla.clocks import CLOCKS, DUE_FIELDS

pytestmark = pytest.mark.django_db

FIELDS = (
    *DUE_FIELDS.values(),
    "sla_warned",
    "sla_breached",
    "sla_next_check_at",
    "escalation_level",
    "escalated_at",
)


class Rollback(Exception):
    pass


def outcome(batch: Any, at: datetime, ids: list[int]) -> tuple[Any, ...]:
    """Run one batch, note the tickets and events it left, and undo it."""
    result = sla_scan.ScanResult()
    seen: tuple[Any, ...] = ()
    try:
        with transaction.atomic():
            batch(at, (sla_scan.START, 0), 1000, result)
            tickets = list(Ticket.objects.filter(pk__in=ids).order_by("pk").values_list(*FIELDS))
            events = list(
                Event.objects.filter(created_at=at)
                .order_by("id")
                .values_list("kind", "subject_id", "data")
            )
            counts = (result.warnings, result.breaches, result.escalations)
            seen = (tickets, events, counts)
            raise Rollback
    except Rollback:
        pass
    return seen


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the one-statement scan is PostgreSQL's; the scaled pass of make test runs this",
)
def test_postgresql_scan_matches_the_portable_scan(
    frozen: datetime, policies: dict[str, SlaPolicy], open_ticket: Callable[..., Ticket]
) -> None:
    rng = random.Random(7)
    tickets = []
    for _ in range(60):
        ticket = open_ticket(frozen - timedelta(minutes=rng.randint(0, 600)))
        for field in DUE_FIELDS.values():  # each clock: none, past, in the warning window, later
            offset = rng.choice((None, -30, -1, 0, 5, 14, 15, 16, 90))
            value = None if offset is None else frozen + timedelta(minutes=offset)
            setattr(ticket, field, value)
        ticket.sla_warned = [c for c in CLOCKS if rng.random() < 0.3]
        ticket.sla_breached = [c for c in CLOCKS if rng.random() < 0.2]
        ticket.sla_policy = rng.choice([*policies.values(), None])
        ticket.escalation_level = rng.randint(0, 2)
        ticket.sla_next_check_at = frozen - timedelta(minutes=1)
        ticket.save()
        tickets.append(ticket.pk)

    postgresql = outcome(sla_scan._batch_postgresql, frozen, tickets)
    portable = outcome(sla_scan._batch_portable, frozen, tickets)
    assert postgresql[2] == portable[2] and postgresql[2][1] > 0
    assert postgresql[1] == portable[1]
    assert postgresql[0] == portable[0]
