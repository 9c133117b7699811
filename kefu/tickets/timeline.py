"""What the customer sees of a ticket's history, and the whole record for export.

The public timeline is drawn from the same events as the internal audit trail, through an
allow-list: a customer learns that their ticket was assigned or escalated, never who wrote an
internal note or which SLA clock is about to breach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.events.models import Event

from .models import Message, Status, Ticket


@dataclass(frozen=True)
class Step:
    at: datetime
    key: str
    label: Any


def _status_step(data: dict[str, Any]) -> tuple[str, Any] | None:
    return {
        Status.PENDING: ("waiting_on_you", _("Waiting on you")),
        Status.ON_HOLD: ("on_hold", _("Waiting on a third party")),
        Status.OPEN: ("in_progress", _("In progress")),
        Status.SOLVED: ("resolved", _("Resolved")),
        Status.CLOSED: ("closed", _("Closed")),
    }.get(data.get("to", ""))


PUBLIC_EVENTS: dict[str, Any] = {
    "ticket.opened": ("received", _("Received")),
    "ticket.assigned": ("assigned", _("Assigned to an agent")),
    "ticket.escalated": ("escalated", _("Escalated to a supervisor")),
    "ticket.reopened": ("reopened", _("Reopened")),
    "ticket.merged": ("merged", _("Merged into another ticket")),
    "ticket.duplicate_linked": ("linked", _("Linked to your earlier ticket")),
    "ticket.status_changed": _status_step,
}


def ticket_events(ticket: Ticket) -> list[Event]:
    return list(
        Event.objects.filter(subject_type="tickets.ticket", subject_id=str(ticket.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def public_timeline(ticket: Ticket) -> list[Step]:
    return public_steps(ticket_events(ticket))


def public_steps(events: Iterable[Event]) -> list[Step]:
    """The steps a customer sees among ``events`` (a ticket's, oldest first)."""
    steps: list[Step] = []
    for event in events:
        entry = PUBLIC_EVENTS.get(event.kind)
        if callable(entry):
            entry = entry(event.data)
        if entry is None:
            continue
        key, label = entry
        if steps and steps[-1].key == key:
            continue  # two agents assigning in turn is one step to the customer
        steps.append(Step(event.created_at, key, label))
    return steps


def conversation(ticket: Ticket, *, internal: bool) -> list[Message]:
    """The ticket's messages and those of tickets merged into it, oldest first."""
    ids = [ticket.pk, *ticket.merged_tickets.values_list("pk", flat=True)]
    messages = Message.objects.filter(ticket_id__in=ids).select_related("agent", "attachment")
    if not internal:
        messages = messages.filter(internal=False)
    return sorted(messages, key=lambda m: (m.created_at, m.ticket_id, m.seq))


def export(ticket: Ticket) -> dict[str, Any]:
    """The whole record of a case: fields, every message (notes included) and every event."""
    return {
        "ticket": {
            "number": ticket.number,
            "public_id": str(ticket.public_id),
            "channel": ticket.channel,
            "kind": ticket.kind,
            "category": ticket.category,
            "fields": ticket.fields,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "tags": ticket.tags,
            "customer": ticket.customer.exchange_uid if ticket.customer else None,
            "requester_email": ticket.requester_email,
            "cc": ticket.cc,
            "merged_into": ticket.merged_into.number if ticket.merged_into else None,
            "created_at": ticket.created_at.isoformat(),
        },
        "messages": [
            {
                "ticket": m.ticket_number,
                "seq": m.seq,
                "author": m.author,
                "agent": m.agent.username if m.agent else None,
                "internal": m.internal,
                "channel": m.channel,
                "text": m.text,
                "attachment": m.attachment.name if m.attachment else None,
                "created_at": m.created_at.isoformat(),
            }
            for m in conversation(ticket, internal=True)
        ],
        "events": [
            {
                "kind": e.kind,
                "actor": e.actor.get_username() if e.actor else None,
                "data": e.data,
                "created_at": e.created_at.isoformat(),
            }
            for e in ticket_events(ticket)
        ],
    }
