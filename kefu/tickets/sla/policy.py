"""Which SLA policy a ticket falls under.

A policy names the tickets it is for by priority, lowest VIP tier, channel, kind and team;
blank means any. Of those that match, the one with the most criteria set wins; a tie goes to the
stricter targets, so a VIP's urgent ticket gets whichever of "urgent" and "VIP" answers sooner
(the customer gets the best promise that applies).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from kefu.tickets.models import BusinessHours, Kind, Priority, SlaPolicy, Ticket


def matches(policy: SlaPolicy, ticket: Ticket, vip_tier: int) -> bool:
    return (
        (not policy.priority or policy.priority == ticket.priority)
        and vip_tier >= policy.min_vip_tier
        and (not policy.channel or policy.channel == ticket.channel)
        and (not policy.kind or policy.kind == ticket.kind)
        and (policy.team_id is None or policy.team_id == ticket.team_id)
    )


def specificity(policy: SlaPolicy) -> tuple[int, int, int, int, int]:
    """Sort key, smallest first: more criteria, then faster answer, faster resolution, higher
    tier."""
    criteria = sum(
        (
            bool(policy.priority),
            policy.min_vip_tier > 0,
            bool(policy.channel),
            bool(policy.kind),
            policy.team_id is not None,
        )
    )
    return (
        -criteria,
        policy.first_response_minutes,
        policy.resolution_minutes,
        -policy.min_vip_tier,
        policy.pk or 0,
    )


# Policies change a few times a year and are read for every ticket opened: each process keeps
# them this long, and forgets them at once when it saves one itself.
POLICY_CACHE_SECONDS = 10.0
_cached: tuple[float, list[SlaPolicy]] | None = None


def all_policies() -> list[SlaPolicy]:
    """Every policy with its business hours, most specific first."""
    global _cached
    cached = _cached
    if cached is not None and time.monotonic() - cached[0] < POLICY_CACHE_SECONDS:
        return cached[1]
    policies = sorted(SlaPolicy.objects.select_related("business_hours"), key=specificity)
    _cached = (time.monotonic(), policies)
    return policies


def forget_policies(**_signal: Any) -> None:
    global _cached
    _cached = None


for _model in (SlaPolicy, BusinessHours):
    post_save.connect(forget_policies, sender=_model, dispatch_uid=f"sla-forget-{_model.__name__}")
    post_delete.connect(
        forget_policies, sender=_model, dispatch_uid=f"sla-forget-del-{_model.__name__}"
    )


def choose_policy(ticket: Ticket, policies: Sequence[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The policy for ``ticket``; ``policies`` (from :func:`all_policies`) saves the query when
    choosing for many tickets."""
    ordered = all_policies() if policies is None else sorted(policies, key=specificity)
    customer = ticket.customer if ticket.customer_id is not None else None
    vip_tier = customer.vip_tier if customer is not None else 0
    for policy in ordered:
        if matches(policy, ticket, vip_tier):
            return policy
    return None


# name, priority, minimum VIP tier, kind, first response, next response, resolution, warn before
# (minutes). Crypto never closes, so these run 24/7, except complaints: the complaints desk
# works office hours, and its targets count only those.
DEFAULT_POLICIES: Sequence[tuple[str, str, int, str, int, int, int, int]] = (
    ("Urgent", Priority.URGENT, 0, "", 15, 30, 4 * 60, 5),
    ("High", Priority.HIGH, 0, "", 60, 2 * 60, 24 * 60, 15),
    ("Normal", Priority.NORMAL, 0, "", 4 * 60, 8 * 60, 3 * 24 * 60, 30),
    ("Low", Priority.LOW, 0, "", 24 * 60, 24 * 60, 7 * 24 * 60, 60),
    ("VIP", "", 1, "", 30, 60, 24 * 60, 10),
    ("Complaints", "", 0, Kind.COMPLAINT, 4 * 60, 8 * 60, 5 * 9 * 60, 60),
)
COMPLAINTS_HOURS = "Complaints desk, weekdays 09:00–18:00 Shanghai"


def ensure_default_policies() -> list[SlaPolicy]:
    """Create the default policies (urgent, high, normal, low, VIP, complaints) unless a policy
    of that name exists; returns them. Safe to call on every start: edited policies are kept."""
    with transaction.atomic():
        office, _ = BusinessHours.objects.get_or_create(
            name=COMPLAINTS_HOURS,
            defaults={
                "timezone": "Asia/Shanghai",
                "week": {str(day): [["09:00", "18:00"]] for day in range(1, 6)},
                "holidays": ["2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08"],
            },
        )
        created = []
        for name, priority, tier, kind, first, following, resolution, warn in DEFAULT_POLICIES:
            complaint = kind == Kind.COMPLAINT
            policy, _ = SlaPolicy.objects.get_or_create(
                name=name,
                defaults={
                    "priority": priority,
                    "min_vip_tier": tier,
                    "kind": kind,
                    "first_response_minutes": first,
                    "next_response_minutes": following,
                    "resolution_minutes": resolution,
                    "warn_before_minutes": warn,
                    "business_hours": office if complaint else None,
                },
            )
            created.append(policy)
    return created
