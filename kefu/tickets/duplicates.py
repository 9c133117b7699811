"""Spotting a ticket that repeats one the customer already has open.

Worried customers write again, from the portal, then by email, then in chat. Two agents then
work one problem and answer it twice, differently. A new ticket from the same customer is the
same case when it names the same thing (the same tx hash or order id, in a field or in the
text) or, in the same category, says nearly the same words within a few days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery

from kefu.accounts.models import Customer
from kefu.assistant.entities.extract import extract_entities
from kefu.clock import now
from kefu.helpcenter.search.text import tokenize

from .categories import CATEGORIES, Category
from .models import Message, Status, Ticket

IDENTIFYING_ENTITIES = ("tx_hash", "order_id", "address")
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


def case_keys(category: Category, fields: dict[str, str], text: str) -> set[str]:
    """What identifies the case: identifying field values and ids named in the text."""
    keys = {
        f"{spec.kind}:{fields[spec.name].lower()}"
        for spec in category.fields
        if spec.identifying and fields.get(spec.name)
    }
    for entity in extract_entities(text):
        if entity.kind in IDENTIFYING_ENTITIES:
            keys.add(f"{entity.kind}:{entity.value.lower()}")
    return keys


def similarity(a: str, b: str) -> float:
    """Dice coefficient over search tokens: word order and filler words do not matter."""
    left, right = set(tokenize(a)), set(tokenize(b))
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


def find_duplicate(
    *,
    customer: Customer | None,
    requester_email: str,
    category: Category,
    fields: dict[str, str],
    text: str,
    exclude: Iterable[int] = (),
) -> Ticket | None:
    """The customer's open ticket this one repeats, if any (most recent first)."""
    if customer is None and not requester_email:
        return None
    who = (
        Q(customer=customer) if customer is not None else Q(requester_email=requester_email.lower())
    )
    since = now() - timedelta(days=settings.KEFU_DUPLICATE_DAYS)
    first_words = Message.objects.filter(ticket=OuterRef("pk"), seq=1).values("text")[:1]
    candidates = (
        Ticket.objects.filter(who, status__in=OPEN_STATUSES, merged_into__isnull=True)
        .exclude(pk__in=list(exclude))
        .annotate(first_words=Subquery(first_words))
        # What the comparison reads: building the query for all columns cost more than it
        # took to run (callers need only the number of the ticket found).
        .only("subject", "category", "fields", "created_at")
        .order_by("-created_at")[:20]
    )
    keys: set[str] | None = None  # worked out only if there is anything to compare with
    for candidate in candidates:
        if keys is None:
            keys = case_keys(category, fields, text)
        their_text = f"{candidate.subject}\n{candidate.first_words or ''}"
        if keys and keys & case_keys_of(candidate, their_text):
            return candidate
        if (
            candidate.category == category.slug
            and candidate.created_at >= since
            and similarity(text, their_text) >= settings.KEFU_DUPLICATE_SIMILARITY
        ):
            return candidate
    return None


def case_keys_of(ticket: Ticket, text: str) -> set[str]:
    category = CATEGORIES.get(ticket.category)
    if category is None:
        return set()
    return case_keys(category, ticket.fields, text)
