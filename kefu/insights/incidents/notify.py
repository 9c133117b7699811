"""Telling customers with open related tickets that an incident is over.

Related means: linked by an agent, or (found when the incident is resolved) matching its scope
(kefu.insights.incidents.scope) and opened after it started. Each customer gets one public
message on the ticket, in the ticket's language, posted as the resolving supervisor's reply:
the portal shows it, the email connector mails it to email tickets, a live chat receives it.

Exactly once: the link row is locked and stamped in the transaction that posts the message,
and the message carries a client id per incident (a ticket stores a client id once), so
resolving twice, a retried job or two workers at once tell nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from kefu.accounts.models import Agent
from kefu.assistant.entities.extract import extract_entities
from kefu.clock import now
from kefu.events.services import record_event
from kefu.tickets.actions import post_message
from kefu.tickets.models import Author, Channel, ChatState, Message, Status, Ticket

from .announcements import resolution_notice
from .models import Incident, IncidentStatus, IncidentTicket, LinkSource
from .scope import UNKNOWN_CATEGORIES, Subject, concerns, subject

logger = logging.getLogger(__name__)

OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
NOTICE_KIND = "incident"


def client_id(incident: Incident) -> str:
    return f"incident-{incident.pk}-resolved"


def ticket_subject(ticket: Ticket, first_words: str = "") -> Subject:
    """What a ticket is about: its category, the coin and network of its fields or named in
    its subject and first message, and for a chat what the assistant gathered."""
    coins: set[str] = set()
    networks: set[str] = set()
    fields = ticket.fields or {}
    if fields.get("coin"):
        coins.add(str(fields["coin"]))
    if fields.get("network"):
        networks.add(str(fields["network"]))
    text = f"{ticket.subject}\n{first_words}".strip()
    for entity in extract_entities(text):
        if entity.kind == "coin":
            coins.add(entity.value)
        elif entity.kind == "network":
            networks.add(entity.value)
    conversation = ticket.conversation if ticket.conversation_id else None
    if conversation is not None:
        for fact in conversation.state.get("facts", []):
            if fact.get("kind") == "coin":
                coins.add(str(fact.get("value", "")))
            elif fact.get("kind") == "network":
                networks.add(str(fact.get("value", "")))
    return subject(category=ticket.category, coins=coins, networks=networks, text=text)


def matching_tickets(incident: Incident) -> Iterator[Ticket]:
    """Open tickets opened since the incident started that fall within its scope."""
    first_words = Message.objects.filter(
        ticket=OuterRef("pk"), author=Author.CUSTOMER, internal=False
    ).order_by("seq")
    candidates = Ticket.objects.filter(
        status__in=OPEN_STATUSES,
        merged_into__isnull=True,
        created_at__gte=incident.started_at,
    ).exclude(incident_links__incident=incident)
    if incident.categories and not incident.keywords:
        candidates = candidates.filter(
            Q(category__in=incident.categories) | Q(category__in=UNKNOWN_CATEGORIES)
        )
    candidates = candidates.select_related("conversation").annotate(
        first_words=Subquery(first_words.values("text")[:1])
    )
    for ticket in candidates.order_by("pk").iterator(chunk_size=500):
        if concerns(incident, ticket_subject(ticket, ticket.first_words or "")):  # type: ignore[attr-defined]
            yield ticket


def notify_resolution(incident_id: int) -> int:
    """Link the matching tickets of a resolved incident and tell each open one's customer;
    returns how many were told now. Safe to run any number of times."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or incident.status != IncidentStatus.RESOLVED:
        return 0
    update = incident.updates.filter(status=IncidentStatus.RESOLVED).order_by("-posted_at").first()
    if update is None:
        return 0
    for ticket in matching_tickets(incident):
        IncidentTicket.objects.get_or_create(
            incident=incident,
            ticket=ticket,
            defaults={"source": LinkSource.MATCHED, "linked_at": now()},
        )
    author = incident.resolved_by
    told = 0
    pending = IncidentTicket.objects.filter(incident=incident, notified_at__isnull=True)
    for link_id in pending.values_list("pk", flat=True):
        if _tell(link_id, incident, update, author):
            told += 1
    if told:
        with transaction.atomic():
            record_event("incident.customers_told", incident, data={"tickets": told})
    logger.info("incident %s resolved: %s customers told", incident.pk, told)
    return told


def _tell(link_id: int, incident: Incident, update: Any, author: Agent | None) -> bool:
    with transaction.atomic():
        link = IncidentTicket.objects.select_for_update().filter(pk=link_id).first()
        if link is None or link.notified_at is not None:
            return False
        ticket = Ticket.objects.get(pk=link.ticket_id)
        if ticket.status not in OPEN_STATUSES or ticket.merged_into_id is not None:
            return False
        text = resolution_notice(incident, update, ticket.language)
        message, created = post_message(
            ticket,
            author=Author.AGENT,
            agent=author,
            text=text,
            kind=NOTICE_KIND,
            client_id=client_id(incident),
        )
        if created:
            record_event(
                "ticket.replied",
                ticket,
                actor=author,
                data={
                    "message_seq": message.seq,
                    "channel": message.channel,
                    "incident": incident.pk,
                },
            )
            if ticket.channel == Channel.CHAT and ticket.chat_state != ChatState.ENDED:
                transaction.on_commit(lambda: _to_live_chat(ticket, message))
        link.notified_at = now()
        link.notified_seq = message.seq
        link.notified_language = ticket.language
        link.save(update_fields=["notified_at", "notified_seq", "notified_language"])
    return created


def _to_live_chat(ticket: Ticket, message: Message) -> None:
    """A customer still in the chat sees the message at once (others on their next visit)."""
    try:
        from asgiref.sync import async_to_sync

        from kefu.connectors.webchat.consumers import send_outbox
        from kefu.connectors.webchat.outbox import Outbox

        outbox = Outbox()
        outbox.message(ticket, message)
        async_to_sync(send_outbox)(outbox)
    except Exception:
        logger.exception("could not push the incident notice to chat %s", ticket.pk)
