"""Which queue and priority a chat handed over by the assistant goes to.

The team follows what the conversation was about (the flow or help-center article the assistant
last dealt with); security matters always go to the security team. The priority class follows
the hand-over's urgency and the customer's VIP tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.accounts.models import Team
from kefu.tickets.models import Priority, Ticket

from .models import PriorityClass, Queue

SECURITY_REASONS = {"urgent_security", "account_frozen"}
FLOW_TEAMS = {
    "deposit": "deposits-withdrawals",
    "withdrawal": "deposits-withdrawals",
    "order": "trading",
    "limits": "account-kyc",
    "freeze": "security",
    "lost_2fa": "security",
}
CATEGORY_TEAMS = {
    "account-freeze": "security",
    "login-security": "security",
    "security-scams": "security",
    "deposits": "deposits-withdrawals",
    "withdrawals": "deposits-withdrawals",
    "p2p": "deposits-withdrawals",
    "futures": "trading",
    "margin": "trading",
    "spot": "trading",
    "earn": "trading",
    "fees-vip": "trading",
    "registration-kyc": "account-kyc",
    "api": "api",
}
GENERAL_TEAM = "general"
VIP_HIGH_TIER = 4


@dataclass(frozen=True)
class Triage:
    queue: Queue
    priority_class: int
    priority: str
    reason: str


def triage(ticket: Ticket, *, reason: str = "", urgent: bool = False) -> Triage:
    team_slug = _team_for(ticket, reason)
    queue = _queue_for(team_slug, ticket.language)
    tier = ticket.customer.vip_tier if ticket.customer else 0
    if urgent or reason in SECURITY_REASONS:
        return Triage(queue, PriorityClass.SECURITY, Priority.URGENT, reason)
    if tier >= VIP_HIGH_TIER:
        return Triage(queue, PriorityClass.VIP_HIGH, Priority.HIGH, reason)
    if tier >= 1:
        return Triage(queue, PriorityClass.VIP, Priority.NORMAL, reason)
    return Triage(queue, PriorityClass.NORMAL, Priority.NORMAL, reason)


def _team_for(ticket: Ticket, reason: str) -> str:
    if reason in SECURITY_REASONS:
        return "security"
    if ticket.conversation is None:
        return GENERAL_TEAM
    from kefu.helpcenter.models import Article

    intents = (
        ticket.conversation.turns.filter(role="assistant")
        .exclude(intent="")
        .order_by("-created_at", "-id")
        .values_list("intent", flat=True)[:10]
    )
    for intent in intents:
        if intent in FLOW_TEAMS:
            return FLOW_TEAMS[intent]
        category = (
            Article.objects.filter(slug=intent).values_list("category__slug", flat=True).first()
        )
        if category:
            return CATEGORY_TEAMS.get(category, GENERAL_TEAM)
    return GENERAL_TEAM


def _queue_for(team_slug: str, language: str) -> Queue:
    queues = Queue.objects.select_related("team")
    for candidate in (
        queues.filter(team__slug=team_slug, language=language),
        queues.filter(team__slug=GENERAL_TEAM, language=language),
        queues.filter(language=language),
        queues.all(),
    ):
        queue = candidate.first()
        if queue is not None:
            return queue
    general, _ = Team.objects.get_or_create(slug=GENERAL_TEAM, defaults={"name": "General"})
    queue, _ = Queue.objects.get_or_create(
        team=general, language=language, defaults={"slug": f"general-{language}", "name": "General"}
    )
    return queue
