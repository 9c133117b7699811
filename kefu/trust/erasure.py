"""Erasing one customer's personal data on request, keeping the audit trail.

Deleted: their tickets and chats with every message, note, attachment (the files on disk too),
the mail they sent and we sent them, and their assistant conversations. Blanked on the customer
row: name, real name, email, phone, KYC notes and anti-phishing code; the row stays, with the
exchange user id and ``erased_at``, so the access records and events that point at it remain
meaningful.

Events are append-only and stay. They name customers by exchange user id and tickets by id,
and hold counts, statuses and reasons, not what the customer wrote; the exceptions are an
escalation's note and a transfer's note (typed by staff) and the assistant's hand-over summary
(the facts extracted from the chat: order ids, tx hashes, addresses), which remain in events.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from kefu.clock import now
from kefu.connectors.email.models import InboundMail
from kefu.errors import ApiError
from kefu.events.services import record_event
from kefu.tickets.models import Attachment, ChatState, Message

from .audit import record_access
from .export import conversations_of, find_customer, tickets_of
from .records import AccessAction

logger = logging.getLogger(__name__)

ERASED_FIELDS = (
    "display_name",
    "real_name",
    "email",
    "phone",
    "kyc_notes",
    "anti_phishing_code",
)


@dataclass
class Erasure:
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    mails: int = 0
    conversations: int = 0


def erase_customer(uid: str, *, staff: Any = None, ip: str | None = None) -> Erasure:
    """Erase ``uid``'s personal data; refused (409) while one of their chats is live."""
    with transaction.atomic():
        customer = find_customer(uid)
        tickets = tickets_of(customer)
        if tickets.filter(chat_state__in=[ChatState.QUEUED, ChatState.ASSIGNED]).exists():
            raise ApiError(
                "chat_in_progress", "End the customer's live chat before erasing their data.", 409
            )
        ids = list(tickets.values_list("pk", flat=True))
        files = list(
            Attachment.objects.filter(ticket_id__in=ids)
            .exclude(file="")
            .values_list("file", flat=True)
        )
        mails = InboundMail.objects.filter(ticket_id__in=ids)
        if customer.email:
            mails = mails | InboundMail.objects.filter(sender=customer.email.strip().lower())
        conversations = conversations_of(customer, tickets)
        done = Erasure(
            tickets=len(ids),
            messages=Message.objects.filter(ticket_id__in=ids).count(),
            attachments=len(files),
            mails=mails.count(),
            conversations=conversations.count(),
        )
        mails.delete()
        conversations.delete()
        tickets.delete()
        for name in ERASED_FIELDS:
            setattr(customer, name, "")
        customer.erased_at = now()
        customer.save()
        record_event("customer.personal_data_erased", customer, actor=staff, data=asdict(done))
        record_access(
            AccessAction.ERASE_CUSTOMER_DATA,
            customer,
            staff=staff,
            detail=", ".join(f"{k} {v}" for k, v in asdict(done).items()),
            ip=ip,
        )
        transaction.on_commit(lambda: delete_files(files))
    return done


def delete_files(names: list[str]) -> None:
    """Remove stored files; one that cannot be removed is logged, not raised (the rows that
    named it are gone either way)."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("could not delete stored file %s", name)
