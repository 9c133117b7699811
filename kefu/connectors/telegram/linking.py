"""Linking a Telegram user to an exchange account.

The exchange puts a "Connect Telegram" button in its signed-in pages, pointing at
``/connectors/telegram/link/?uid=…&expires=…&signature=…`` (the widget's signature). That makes
a one-time code, good for :data:`CODE_LIFETIME`, and sends the browser to
``https://t.me/<bot>?start=link-<code>``; the Telegram app then sends ``/start link-<code>`` in
the private chat, which links whoever sent it. The code is random (128 bits), stored hashed
and used once; until a contact is linked the assistant treats it as an anonymous visitor.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from kefu.accounts.models import Customer
from kefu.assistant.models import Conversation
from kefu.clock import now
from kefu.events.services import record_event
from kefu.tickets.models import ChatState, Ticket

from .models import LinkCode, TelegramContact, TelegramConversation

CODE_LIFETIME = timedelta(minutes=10)
PREFIX = "link-"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_code(customer: Customer) -> str:
    """A fresh code for ``customer``; only its hash is kept."""
    code = secrets.token_urlsafe(16)
    LinkCode.objects.create(
        code_hash=_hash(code), customer=customer, expires_at=now() + CODE_LIFETIME
    )
    return code


def redeem(contact: TelegramContact, code: str) -> Customer | None:
    """Link ``contact`` to the code's customer if the code is good; None otherwise. A live
    conversation the contact had anonymously becomes the customer's: it is the same person,
    who has now shown they hold the account."""
    with transaction.atomic():
        row = (
            LinkCode.objects.select_for_update()
            .select_related("customer")
            .filter(code_hash=_hash(code))
            .first()
        )
        if row is None or row.used_at is not None or row.expires_at < now():
            return None
        row.used_at = now()
        row.used_by = contact
        row.save(update_fields=["used_at", "used_by"])
        customer = row.customer
        contact.customer = customer
        contact.linked_at = now()
        contact.save(update_fields=["customer", "linked_at"])
        live = (
            TelegramConversation.objects.filter(contact=contact, ticket__customer__isnull=True)
            .exclude(ticket__chat_state=ChatState.ENDED)
            .values_list("ticket_id", flat=True)
        )
        tickets = Ticket.objects.filter(pk__in=list(live))
        Conversation.objects.filter(ticket__in=tickets).update(customer=customer)
        tickets.update(customer=customer)
        record_event(
            "telegram.linked",
            contact,
            data={"customer": customer.exchange_uid, "telegram_user": contact.user_id},
        )
    return customer


def unlink(contact: TelegramContact) -> bool:
    """Forget the contact's exchange account. Its tickets keep their customer (the record of
    who the case was about), but the assistant of a live conversation stops looking it up."""
    if contact.customer_id is None:
        return False
    with transaction.atomic():
        uid = contact.customer.exchange_uid if contact.customer else None
        contact.customer = None
        contact.linked_at = None
        contact.save(update_fields=["customer", "linked_at"])
        live = (
            TelegramConversation.objects.filter(contact=contact)
            .exclude(ticket__chat_state=ChatState.ENDED)
            .values_list("ticket_id", flat=True)
        )
        Conversation.objects.filter(ticket__in=list(live)).update(customer=None)
        record_event(
            "telegram.unlinked", contact, data={"customer": uid, "telegram_user": contact.user_id}
        )
    return True
