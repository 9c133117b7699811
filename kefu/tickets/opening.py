"""Opening a ticket, from whichever channel: validated fields, a priority the rules allow, a
link to the case it repeats, SLA clocks started — in one transaction, or not at all."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.accounts.models import Customer, SupportLanguage, Team
from kefu.clock import now
from kefu.errors import ApiError
from kefu.events.models import Event
from kefu.events.services import record_event
from kefu.trust.masking import Redactor
from kefu.trust.notices import NOTICE_KIND, secret_notice

from .attachments import store_attachment
from .categories import Category, get_category, validate_fields
from .duplicates import find_duplicate
from .models import Attachment, Author, Kind, Message, Status, Ticket
from .priority import decide_priority, is_abusive
from .sla.clocks import track

MAX_SUBJECT = 200
MAX_CC = 20


@dataclass(frozen=True)
class NewFile:
    """A file that comes with the opening message, stored only if the ticket is."""

    name: str
    data: bytes


@dataclass(frozen=True)
class OpenedTicket:
    """``events`` and ``messages``: what opening wrote (none for a retry), so that the caller
    can show the new ticket without reading it back."""

    ticket: Ticket
    duplicate_of: Ticket | None
    priority_granted: bool
    created: bool = True
    events: tuple[Event, ...] = ()
    messages: tuple[Message, ...] = ()


def open_ticket(
    *,
    channel: str,
    subject: str,
    text: str,
    customer: Customer | None = None,
    requester_email: str = "",
    cc: Sequence[str] = (),
    category: str = "other",
    fields: dict[str, Any] | None = None,
    language: str | None = None,
    requested_priority: str = "",
    triage: str = "",
    files: Sequence[NewFile] = (),
    client_id: str = "",
    masked: Sequence[str] = (),
    may_repeat: bool = True,
    savepoint: bool = True,
) -> OpenedTicket:
    """Open a case and store its first message. A retried ``client_id`` returns the ticket
    the first attempt opened (``created`` False).

    Secrets in what the customer wrote (subject, text, free-text fields, file names) are
    masked before anything is stored, and the ticket then tells the customer so (``masked``:
    kinds the channel already masked).

    For callers that open many tickets: ``may_repeat`` False when the caller knows the
    requester has no open ticket (nothing to compare with: the duplicate search is skipped);
    ``savepoint`` False when the caller's transaction is undone whole on any error anyway
    (a savepoint is two round trips to the database)."""
    redactor = Redactor(masked)
    text = redactor.mask(validate_message_text(text))
    subject = redactor.mask(_subject(subject, text))[:MAX_SUBJECT]
    # Stored lower-cased, so that lookups by address use the index (addresses are matched
    # case-insensitively everywhere).
    requester_email = _email(requester_email, "invalid_email").lower() if requester_email else ""
    cc_list = _cc(cc)
    kind_of_case = get_category(category)
    clean_fields = mask_free_text(kind_of_case, validate_fields(kind_of_case, fields), redactor)
    files = [NewFile(redactor.mask(file.name), file.data) for file in files]
    if customer is None and not requester_email:
        raise ApiError("no_requester", "A ticket needs a customer or an email address.")
    if client_id:
        earlier = _opened_by(customer, requester_email, client_id)
        if earlier is not None:
            return OpenedTicket(earlier, earlier.duplicate_of, True, created=False)
    complaint = kind_of_case.slug == "complaint"
    decision = decide_priority(
        kind_of_case, customer, requested=requested_priority, triage=triage, complaint=complaint
    )
    duplicate = (
        find_duplicate(
            customer=customer,
            requester_email=requester_email,
            category=kind_of_case,
            fields=clean_fields,
            text=f"{subject}\n{text}",
        )
        if may_repeat
        else None
    )
    at = now()
    stored: list[Attachment] = []
    try:
        with transaction.atomic(savepoint=savepoint):
            ticket = Ticket(
                customer=customer,
                channel=channel,
                status=Status.NEW,
                kind=Kind.COMPLAINT if complaint else Kind.REQUEST,
                category=kind_of_case.slug,
                fields=clean_fields,
                subject=subject,
                requester_email=requester_email or (customer.email.lower() if customer else ""),
                cc=cc_list,
                priority=decision.priority,
                requested_priority=decision.requested,
                language=language or (customer.language if customer else SupportLanguage.EN),
                team=team_of(kind_of_case),
                duplicate_of=duplicate,
                created_at=at,
                awaiting_agent_since=at,
                last_seq=1,
            )
            # Clocks start before the row is written, so that one INSERT carries them.
            track(ticket, "opened", at)
            ticket.save(force_insert=True)
            messages = [_first_message(ticket, text, channel, client_id, at)]
            for file in files:
                attachment = store_attachment(ticket, file.name, file.data)
                stored.append(attachment)
                messages.append(
                    _append(ticket, Author.CUSTOMER, attachment.name, channel, at, attachment)
                )
            if redactor.kinds:
                notice = secret_notice(redactor.kinds, ticket.language)
                messages.append(
                    _append(ticket, Author.SYSTEM, notice, channel, at, kind=NOTICE_KIND)
                )
            opened = record_event(
                "ticket.opened",
                ticket,
                data={
                    "channel": channel,
                    "category": kind_of_case.slug,
                    "priority": decision.priority,
                    "customer": customer.exchange_uid if customer else None,
                },
            )
            events = [opened, *_record_priority(ticket, customer, decision)]
            if duplicate is not None:
                linked, notice_message = _link_duplicate(ticket, duplicate, channel, at)
                events.append(linked)
                messages.append(notice_message)
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return OpenedTicket(
        ticket, duplicate, decision.granted, events=tuple(events), messages=tuple(messages)
    )


# Teams change rarely and every ticket opened needs its category's: each process keeps them
# this long, and forgets them at once when it saves or deletes one itself.
TEAM_CACHE_SECONDS = 10.0
_teams: tuple[float, dict[str, Team]] | None = None


def team_of(category: Category) -> Team | None:
    """The team that handles ``category``'s tickets, if it exists."""
    global _teams
    cached = _teams
    if cached is None or time.monotonic() - cached[0] >= TEAM_CACHE_SECONDS:
        cached = _teams = (time.monotonic(), {team.slug: team for team in Team.objects.all()})
    return cached[1].get(category.team)


def forget_teams(**_signal: Any) -> None:
    global _teams
    _teams = None


post_save.connect(forget_teams, sender=Team, dispatch_uid="tickets-forget-teams")
post_delete.connect(forget_teams, sender=Team, dispatch_uid="tickets-forget-teams-del")


def validate_message_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ApiError("text_empty", "Describe the problem in a few words.")
    text = text.strip()
    if len(text) > settings.KEFU_TICKET_MAX_MESSAGE:
        raise ApiError(
            "text_too_long",
            f"Messages are limited to {settings.KEFU_TICKET_MAX_MESSAGE} characters.",
        )
    return text


def mask_free_text(
    category: Category, fields: dict[str, str], redactor: Redactor
) -> dict[str, str]:
    """The category's free-text fields masked; tx hashes, order ids and amounts are validated
    to be what they say, so they are kept as they are."""
    free_text = {spec.name for spec in category.fields if spec.kind == "text"}
    return {
        name: redactor.mask(value) if name in free_text else value for name, value in fields.items()
    }


def _subject(subject: Any, text: str) -> str:
    if not isinstance(subject, str):
        raise ApiError("invalid_subject", "The subject is text.")
    subject = " ".join(subject.split())
    if len(subject) > MAX_SUBJECT:
        raise ApiError("invalid_subject", f"The subject is limited to {MAX_SUBJECT} characters.")
    return subject or " ".join(text.split())[:80]


def _email(address: str, code: str) -> str:
    try:
        validate_email(address)
    except ValidationError:
        raise ApiError(code, f"{address!r} is not an email address.") from None
    return address.strip()


def _cc(cc: Sequence[str]) -> list[str]:
    if isinstance(cc, str) or len(cc) > MAX_CC:
        raise ApiError("invalid_cc", f"CC is a list of at most {MAX_CC} addresses.")
    unique: dict[str, str] = {}
    for address in cc:
        unique.setdefault(_email(address, "invalid_cc").lower(), address.strip())
    return list(unique.values())


def _opened_by(customer: Customer | None, email: str, client_id: str) -> Ticket | None:
    # Spelled so that the partial index on client_id serves it (no ordering to satisfy). Asks
    # for the ticket's id alone: nearly every call finds nothing, and selecting the ticket's
    # every column cost more to build than the query took to run.
    first = Message.objects.filter(~Q(client_id=""), client_id=client_id, seq=1).order_by()
    first = (
        first.filter(ticket__customer=customer)
        if customer
        else first.filter(ticket__requester_email=email)
    )
    ticket_id = next(iter(first.values_list("ticket_id", flat=True)[:1]), None)
    return Ticket.objects.get(pk=ticket_id) if ticket_id is not None else None


def _first_message(ticket: Ticket, text: str, channel: str, client_id: str, at: Any) -> Message:
    return Message.objects.create(
        ticket=ticket,
        seq=1,
        author=Author.CUSTOMER,
        text=text,
        channel=channel,
        client_id=client_id,
        created_at=at,
    )


def _append(
    ticket: Ticket,
    author: str,
    text: str,
    channel: str,
    at: Any,
    attachment: Attachment | None = None,
    kind: str = "",
) -> Message:
    """Add a message inside the opening transaction (the row is new: no lock needed)."""
    ticket.last_seq += 1
    message = Message.objects.create(
        ticket=ticket,
        seq=ticket.last_seq,
        author=author,
        text=text,
        channel=channel,
        attachment=attachment,
        kind=kind or ("attachment" if attachment else ""),
        created_at=at,
    )
    Ticket.objects.filter(pk=ticket.pk).update(last_seq=ticket.last_seq)
    return message


def _record_priority(ticket: Ticket, customer: Customer | None, decision: Any) -> list[Event]:
    if not decision.requested:
        return []
    if decision.granted:
        granted = record_event(
            "ticket.priority_granted",
            ticket,
            data={"requested": decision.requested, "reason": decision.reason},
        )
        return [granted]
    denied = record_event(
        "ticket.priority_denied",
        ticket,
        data={
            "requested": decision.requested,
            "customer": customer.exchange_uid if customer else None,
            "count": decision.abuse_count,
        },
    )
    if is_abusive(decision.abuse_count) and "priority-abuse" not in ticket.tags:
        ticket.tags = [*ticket.tags, "priority-abuse"]
        ticket.save(update_fields=["tags"])
    return [denied]


def _link_duplicate(
    ticket: Ticket, original: Ticket, channel: str, at: Any
) -> tuple[Event, Message]:
    linked = record_event("ticket.duplicate_linked", ticket, data={"original": original.number})
    with override(ticket.language):
        notice = _(
            "This looks like the same problem as your open ticket %(number)s. We have linked "
            "them so that one person follows both."
        ) % {"number": original.number}
    return linked, _append(ticket, Author.SYSTEM, notice, channel, at, kind="duplicate_notice")
