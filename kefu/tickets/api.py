"""``/api/v1/tickets``: open a ticket, read it with its public timeline, reply, escalate.

The caller is the exchange (or its app) acting for a signed-in user: every request carries the
customer id signed with the widget secret (kefu.accounts.identity). A ticket is only ever shown
to the customer who opened it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from kefu.accounts.identity import identify
from kefu.accounts.models import Customer
from kefu.errors import ApiError
from kefu.trust import ratelimit

from .models import Channel, Message, Ticket
from .opening import open_ticket
from .timeline import Step, conversation, public_steps, public_timeline
from .workflow import customer_reply, request_escalation

router = Router(tags=["tickets"])


class Signed(Schema):
    customer_id: str
    customer_signature: str
    customer_expires: int


class TicketIn(Signed):
    category: str = "other"
    subject: str = ""
    text: str
    fields: dict[str, Any] | None = None
    requested_priority: str = ""
    cc: list[str] = []
    client_id: str = ""


class ReplyIn(Signed):
    text: str
    client_id: str = ""


class StepOut(Schema):
    key: str
    label: str
    at: str


class MessageOut(Schema):
    seq: int
    ticket: str
    author: str
    text: str
    at: str


class TicketOut(Schema):
    number: str
    public_id: str
    status: str
    priority: str
    requested_priority: str
    category: str
    fields: dict[str, Any]
    subject: str
    duplicate_of: str | None
    merged_into: str | None
    timeline: list[StepOut]
    messages: list[MessageOut]


def _customer(payload: Signed) -> Customer:
    customer = identify(payload.customer_id, payload.customer_signature, payload.customer_expires)
    if customer is None:  # the schema requires the field, but it may be empty
        raise ApiError("bad_signature", "A signed customer id is required.", 403)
    return customer


def _own(customer: Customer, public_id: uuid.UUID) -> Ticket:
    ticket = Ticket.objects.filter(public_id=public_id, customer=customer).first()
    if ticket is None:
        raise ApiError("ticket_not_found", "No such ticket.", 404)
    return ticket


def _out(
    ticket: Ticket, steps: list[Step] | None = None, messages: Sequence[Message] | None = None
) -> dict[str, Any]:
    """The ticket as its customer sees it; ``steps`` and ``messages`` when the caller has them
    (a ticket just opened), read from the database otherwise."""
    if steps is None:
        steps = public_timeline(ticket)
    if messages is None:
        messages = conversation(ticket, internal=False)
    return {
        "number": ticket.number,
        "public_id": str(ticket.public_id),
        "status": ticket.status,
        "priority": ticket.priority,
        "requested_priority": ticket.requested_priority,
        "category": ticket.category,
        "fields": ticket.fields,
        "subject": ticket.subject,
        "duplicate_of": ticket.duplicate_of.number if ticket.duplicate_of else None,
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "timeline": [{"key": s.key, "label": str(s.label), "at": s.at.isoformat()} for s in steps],
        "messages": [
            {
                "seq": m.seq,
                "ticket": m.ticket_number,
                "author": m.author,
                "text": m.text,
                "at": m.created_at.isoformat(),
            }
            for m in messages
            if not m.internal
        ],
    }


@router.post("", response={201: TicketOut, 200: TicketOut}, summary="Open a ticket")
def create(request: HttpRequest, payload: TicketIn) -> tuple[int, dict[str, Any]]:
    """A retried ``client_id`` returns the ticket the first call opened, with status 200."""
    customer = _customer(payload)
    ratelimit.hit_request(request, "ticket_create", customer=customer.pk)
    opened = open_ticket(
        channel=Channel.API,
        subject=payload.subject,
        text=payload.text,
        customer=customer,
        cc=payload.cc,
        category=payload.category,
        fields=payload.fields,
        requested_priority=payload.requested_priority,
        client_id=payload.client_id[:64],
    )
    if not opened.created:
        return 200, _out(opened.ticket)
    return 201, _out(opened.ticket, public_steps(opened.events), opened.messages)


@router.post("{public_id}/read", response=TicketOut, summary="Read a ticket")
def read(request: HttpRequest, public_id: uuid.UUID, payload: Signed) -> dict[str, Any]:
    return _out(_own(_customer(payload), public_id))


@router.post("{public_id}/replies", response={201: TicketOut}, summary="Reply to a ticket")
def reply(request: HttpRequest, public_id: uuid.UUID, payload: ReplyIn) -> tuple[int, Any]:
    message = customer_reply(
        _own(_customer(payload), public_id),
        text=payload.text,
        channel=Channel.API,
        client_id=payload.client_id[:64],
    )
    return 201, _out(message.ticket)


@router.post("{public_id}/escalation", response=TicketOut, summary="Ask for a supervisor")
def escalation(request: HttpRequest, public_id: uuid.UUID, payload: Signed) -> dict[str, Any]:
    return _out(request_escalation(_own(_customer(payload), public_id)))
