"""Everything Kefu holds about one customer, as one JSON document (a data access request).

The document has the customer's profile (decrypted), every ticket and chat with its messages,
internal notes and events, the attachments by name and checksum (the files themselves are
fetched from the ticket if needed), the assistant conversations and the access records of
staff who looked at the customer's data. Exporting is itself recorded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kefu.accounts.models import Customer
from kefu.assistant.models import Conversation
from kefu.clock import now
from kefu.errors import ApiError
from kefu.events.models import Event
from kefu.tickets.models import Ticket
from kefu.tickets.timeline import export as ticket_export

from .audit import record_access
from .records import AccessAction, AccessRecord

PROFILE_FIELDS = (
    "display_name",
    "real_name",
    "email",
    "phone",
    "kyc_notes",
    "vip_tier",
    "kyc_level",
    "language",
    "anti_phishing_code",
)


def find_customer(uid: str) -> Customer:
    customer = Customer.objects.filter(exchange_uid=uid).first()
    if customer is None:
        raise ApiError("customer_not_found", "No customer with that exchange user id.", 404)
    return customer


def tickets_of(customer: Customer) -> QuerySet[Ticket]:
    """The customer's tickets and chats, and email tickets from their address opened before
    the address was linked to the account."""
    match = Q(customer=customer)
    if customer.email:
        match |= Q(customer__isnull=True, requester_email=customer.email.strip().lower())
    return Ticket.objects.filter(match).select_related("customer", "merged_into")


def conversations_of(customer: Customer, tickets: QuerySet[Ticket]) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        Q(customer=customer) | Q(pk__in=tickets.exclude(conversation=None).values("conversation"))
    )


def export_customer(uid: str, *, staff: Any = None, ip: str | None = None) -> dict[str, Any]:
    """The document for ``uid``; records who exported it."""
    customer = find_customer(uid)
    tickets = list(tickets_of(customer).order_by("created_at", "pk"))
    conversations = list(conversations_of(customer, tickets_of(customer)).prefetch_related("turns"))
    document = {
        "exported_at": now().isoformat(),
        "customer": {
            "exchange_uid": customer.exchange_uid,
            **{name: getattr(customer, name) for name in PROFILE_FIELDS},
            "created_at": customer.created_at.isoformat(),
            "erased_at": customer.erased_at.isoformat() if customer.erased_at else None,
        },
        "tickets": [_ticket(ticket) for ticket in tickets],
        "assistant_conversations": [_conversation(c) for c in conversations],
        "events": _events(customer, tickets, conversations),
        "access_records": [
            {
                "action": r.action,
                "staff": r.staff_username or None,
                "ticket": r.ticket_ref or None,
                "refused": r.refused,
                "at": r.at.isoformat(),
            }
            for r in AccessRecord.objects.filter(customer_uid=customer.exchange_uid).order_by(
                "at", "pk"
            )
        ],
    }
    record_access(AccessAction.EXPORT_CUSTOMER_DATA, customer, staff=staff, ip=ip)
    return document


def _ticket(ticket: Ticket) -> dict[str, Any]:
    data = ticket_export(ticket)
    data["attachments"] = [
        {
            "id": a.pk,
            "name": a.name,
            "content_type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
            "created_at": a.created_at.isoformat(),
        }
        for a in ticket.attachments.order_by("pk")
    ]
    return data


def _conversation(conversation: Conversation) -> dict[str, Any]:
    return {
        "public_id": str(conversation.public_id),
        "language": conversation.language,
        "created_at": conversation.created_at.isoformat(),
        "handoff_summary": conversation.handoff_summary,
        "turns": [
            {"role": t.role, "text": t.text, "created_at": t.created_at.isoformat()}
            for t in sorted(conversation.turns.all(), key=lambda t: (t.created_at, t.pk))
        ],
    }


def _events(
    customer: Customer, tickets: list[Ticket], conversations: list[Conversation]
) -> list[dict[str, Any]]:
    """Events about the customer's account, tickets and conversations (ticket events appear
    with their ticket too)."""
    about = (
        Q(subject_type="customer", subject_id=customer.exchange_uid)
        | Q(subject_type="accounts.customer", subject_id=str(customer.pk))
        | Q(subject_type="tickets.ticket", subject_id__in=[str(t.pk) for t in tickets])
        | Q(
            subject_type="assistant.conversation",
            subject_id__in=[str(c.pk) for c in conversations],
        )
    )
    return [
        {
            "kind": e.kind,
            "subject": f"{e.subject_type}:{e.subject_id}",
            "data": e.data,
            "created_at": e.created_at.isoformat(),
        }
        for e in Event.objects.filter(about).order_by("created_at", "pk")
    ]
