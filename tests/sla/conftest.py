"""SLA tests run on the controllable clock, stopped at a known Monday morning (UTC)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from kefu import clock
from kefu.accounts.models import Customer
from kefu.tickets.models import Channel, SlaPolicy, Ticket
from kefu.tickets.sla.clocks import track

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[datetime]:
    clock.set_now(MONDAY)
    yield MONDAY
    clock.reset()


@pytest.fixture
def policies(db: Any) -> dict[str, SlaPolicy]:
    """A clean slate of 24/7 policies with round numbers (minutes)."""
    SlaPolicy.objects.all().delete()

    def make(name: str, priority: str, first: int, following: int, resolution: int) -> SlaPolicy:
        return SlaPolicy.objects.create(
            name=name,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
            warn_before_minutes=15,
        )

    return {
        "normal": make("Normal", "normal", 60, 120, 480),
        "urgent": make("Urgent", "urgent", 15, 30, 120),
        "low": make("Low", "low", 240, 480, 2880),
    }


@pytest.fixture
def open_ticket(db: Any) -> Callable[..., Ticket]:
    """Create and save a ticket opened at ``at`` with its clocks started."""

    def make(at: datetime, *, vip_tier: int = 0, **fields: Any) -> Ticket:
        customer = Customer.objects.create(
            exchange_uid=f"sla-{Customer.objects.count()}-{at.timestamp()}", vip_tier=vip_tier
        )
        fields.setdefault("channel", Channel.PORTAL)
        fields.setdefault("status", "open")
        ticket = Ticket.objects.create(customer=customer, created_at=at, **fields)
        changed = track(ticket, "opened", at)
        ticket.save(update_fields=changed)
        return ticket

    return make
