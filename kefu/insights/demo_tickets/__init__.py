"""Four weeks of demo ticket history ending now (see :mod:`.plan` for what it holds): planned
purely and seeded (:mod:`.plan`), written in bulk (:mod:`.writing`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kefu import clock
from kefu.tickets.models import Ticket

from .plan import DAILY_CONTACTS, DAYS, SPIKE_DAYS_AGO, PlannedTicket, plan_history
from .writing import write_history

__all__ = [
    "DAILY_CONTACTS",
    "DAYS",
    "SPIKE_DAYS_AGO",
    "PlannedTicket",
    "load_demo_ticket_history",
    "plan_history",
    "write_history",
]


@transaction.atomic
def load_demo_ticket_history(now: datetime | None = None) -> int:
    """Write the planned weeks into an empty desk (nothing when it has tickets); returns the
    number of tickets written."""
    if Ticket.objects.exists():
        return 0
    return write_history(plan_history(now or clock.now()))
