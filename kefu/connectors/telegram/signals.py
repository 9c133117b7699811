"""What the desk says on a Telegram conversation goes to its chat.

Every public message stored on a Telegram ticket — the assistant's answers, agents' replies
from the console or the ticket desk, system notices; never internal notes, never the
customer's own words — is queued in the outbox by a ``post_save`` handler, in the transaction
that stores the message, so a message and its delivery are written together or not at all.
(Chat messages record no event of their own, so a ticket event could not serve here.) The send
itself is a background job started after the commit. The end of a chat is an event: the
customer is told, and offered a rating when the case is solved. A customer's erasure removes
their Telegram contacts.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from kefu.events import bus
from kefu.events.models import Event
from kefu.tickets.models import Author, Channel, Message

from . import retention, texts
from .models import TelegramConversation
from .outbound import queue_message, queue_text, send_soon


def connect() -> None:
    post_save.connect(on_message_saved, sender=Message, dispatch_uid="telegram.outbound")
    bus.subscribe("ticket.chat_ended", on_chat_ended)
    bus.subscribe("customer.personal_data_erased", on_customer_erased)


def on_message_saved(
    sender: type[Message], instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw or instance.internal or instance.author == Author.CUSTOMER:
        return
    if instance.ticket.channel != Channel.TELEGRAM:
        return
    chat_id = queue_message(instance)
    if chat_id is not None:
        send_soon(chat_id)


def on_chat_ended(event: Event) -> None:
    if event.subject_type != "tickets.ticket":
        return
    link = (
        TelegramConversation.objects.select_related("ticket")
        .filter(ticket_id=event.subject_id)
        .first()
    )
    if link is None:
        return
    from .private_chat import rating_keyboard, survey_wanted

    ticket = link.ticket
    with transaction.atomic():
        if event.data.get("kept_open"):
            queue_text(
                link.chat_id,
                texts.continued_as_ticket(ticket.language, ticket.number),
                ticket=ticket,
                key="ended",
            )
            return
        survey = survey_wanted(ticket)
        queue_text(
            link.chat_id,
            texts.chat_ended(ticket.language, survey=survey),
            ticket=ticket,
            key="ended",
            markup=rating_keyboard(ticket) if survey else None,
        )


def on_customer_erased(event: Event) -> None:
    if event.subject_type == "accounts.customer" and event.subject_id.isdigit():
        retention.forget_customer(int(event.subject_id))
