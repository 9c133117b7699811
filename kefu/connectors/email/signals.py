"""Ticket events that produce mail: a ticket opened by email is acknowledged, an agent's public
reply is mailed to the requester. Handlers run after the event's transaction commits; they queue
an :class:`OutboundMail` row (idempotently) and leave the SMTP conversation to a background job,
so a slow mail server never holds up an agent. Rows a crash left queued are picked up by the
periodic retry."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from kefu.events import bus
from kefu.events.models import Event
from kefu.tickets.models import Channel, Message, Ticket

from . import config
from .models import InboundMail, InboundStatus, OutboundKind, OutboundMail, OutboundStatus
from .outbound import queue_acknowledgement, queue_reply

logger = logging.getLogger(__name__)


def connect() -> None:
    bus.subscribe("ticket.opened", on_ticket_opened)
    bus.subscribe("ticket.replied", on_ticket_replied)


# Tickets whose acknowledgement ingestion queued in this process (ticket id -> outbound id):
# the handler then needs no query. Bounded; an entry whose transaction rolled back just ages out.
_acknowledged: OrderedDict[int, int] = OrderedDict()
_acknowledged_lock = threading.Lock()
MAX_REMEMBERED = 10_000


def acknowledged(ticket_id: int, outbound_id: int) -> None:
    with _acknowledged_lock:
        _acknowledged[ticket_id] = outbound_id
        while len(_acknowledged) > MAX_REMEMBERED:
            _acknowledged.popitem(last=False)


def on_ticket_opened(event: Event) -> None:
    if event.subject_type != "tickets.ticket" or event.data.get("channel") != Channel.EMAIL:
        return
    with _acknowledged_lock:
        queued = _acknowledged.pop(int(event.subject_id), None)
    if queued is not None:
        if config.smtp() is not None:
            _enqueue(queued)
        return
    row = OutboundMail.objects.filter(
        ticket_id=event.subject_id, kind=OutboundKind.ACKNOWLEDGEMENT
    ).first()
    if row is None:
        ticket = Ticket.objects.select_related("customer").filter(pk=event.subject_id).first()
        if ticket is None:
            return
        # A sender over the hourly limit gets no acknowledgement: that is what stops floods
        # and loops with responders that do not say they are automatic.
        if InboundMail.objects.filter(ticket=ticket, status=InboundStatus.RATE_LIMITED).exists():
            return
        row = queue_acknowledgement(ticket)
    _send_later(row)


def on_ticket_replied(event: Event) -> None:
    if event.subject_type != "tickets.ticket":
        return
    seq = event.data.get("message_seq")
    ticket = Ticket.objects.select_related("customer").filter(pk=event.subject_id).first()
    if ticket is None or not isinstance(seq, int) or not ticket.requester_email:
        return
    message = Message.objects.filter(ticket=ticket, seq=seq).first()
    if message is None:
        return
    _send_later(queue_reply(ticket, message))


def _send_later(row: OutboundMail | None) -> None:
    if row is None or row.status != OutboundStatus.QUEUED or config.smtp() is None:
        return  # with sending off, rows wait in the outbox
    _enqueue(row.pk)


def _enqueue(outbound_id: int) -> None:
    from .tasks import enqueue_send

    enqueue_send(outbound_id)
