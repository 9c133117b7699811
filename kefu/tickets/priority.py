"""Which priority a new ticket gets.

A customer may ask for high priority, but if asking were enough everyone would ask. The request
is granted by rules (the category, the customer's VIP tier, the assistant's triage); a denied
request is recorded, and a customer who keeps asking without cause is flagged for agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from kefu.accounts.models import Customer
from kefu.clock import now
from kefu.errors import ApiError
from kefu.events.models import Event

from .categories import Category
from .models import Priority

RANK: dict[str, int] = {
    Priority.LOW: 0,
    Priority.NORMAL: 1,
    Priority.HIGH: 2,
    Priority.URGENT: 3,
}
HIGH_PRIORITY_VIP_TIER = 3


@dataclass(frozen=True)
class PriorityDecision:
    priority: str
    requested: str
    granted: bool
    reason: str
    abuse_count: int = 0


def decide_priority(
    category: Category,
    customer: Customer | None,
    *,
    requested: str = "",
    triage: str = "",
    complaint: bool = False,
) -> PriorityDecision:
    """The priority the rules allow; ``requested`` only ever raises it up to what they allow."""
    if requested and requested not in RANK:
        raise ApiError("invalid_priority", "Priority is one of low, normal, high, urgent.")
    allowed: str = Priority.NORMAL
    reason = "default"
    if category.urgent_by_nature:
        allowed, reason = Priority.URGENT, "category"
    elif triage in (Priority.URGENT, Priority.HIGH):
        allowed, reason = triage, "assistant_triage"
    elif customer is not None and customer.vip_tier >= HIGH_PRIORITY_VIP_TIER:
        allowed, reason = Priority.HIGH, "vip_tier"
    elif complaint:
        allowed, reason = Priority.HIGH, "complaint"
    if not requested:
        # Rules that grant a priority on request do not impose it: only urgent categories and
        # triage raise the priority by themselves.
        by_itself = reason in ("category", "assistant_triage")
        return PriorityDecision(allowed if by_itself else Priority.NORMAL, "", True, reason)
    if RANK[requested] <= RANK[allowed]:
        return PriorityDecision(requested, requested, True, reason)
    return PriorityDecision(
        allowed,
        requested,
        False,
        "not_eligible",
        abuse_count=denied_requests(customer) + 1 if customer is not None else 0,
    )


def denied_requests(customer: Customer) -> int:
    """How many priority requests of this customer were denied in the look-back window."""
    since = now() - timedelta(days=settings.KEFU_PRIORITY_ABUSE_DAYS)
    return Event.objects.filter(
        kind="ticket.priority_denied",
        created_at__gte=since,
        data__customer=customer.exchange_uid,
    ).count()


def is_abusive(count: int) -> bool:
    return count >= settings.KEFU_PRIORITY_ABUSE_THRESHOLD
