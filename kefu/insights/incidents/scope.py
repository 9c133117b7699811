"""What an incident concerns: which questions, tickets and question clusters are about it.

One rule for the assistant, the notices on resolution and the surge detector, so that a
customer told about an incident in chat is the same customer told when it is over. A question
is described by the ticket category it belongs to (when known: from the ticket, or from what
the assistant recognised), the coins and networks it names, and its text.

- A keyword of the incident in the text is enough.
- Otherwise the incident must name a scope (categories, coins or networks). A question of
  another category than the incident's is not about it; coins and networks must agree when
  the incident names some (networks first: "USDT on ERC20" is not about a TRC20 incident,
  "USDT" alone is about a USDT-on-TRC20 one); an incident of categories only needs the
  question's category to be one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kefu.assistant.flows import ARTICLE_FLOWS
from kefu.helpcenter.search.text import normalize

from .models import Incident

# Ticket categories that say nothing about the topic.
UNKNOWN_CATEGORIES = frozenset({"", "other", "complaint"})

# What the assistant recognised (a flow, or an article's help center category) as a ticket
# category (kefu.tickets.categories).
FLOW_CATEGORIES = {
    "deposit": "deposit",
    "withdrawal": "withdrawal",
    "freeze": "account_security",
    "lost_2fa": "account_security",
    "account_security": "account_security",
    "limits": "kyc",
}
HELPCENTER_CATEGORIES = {
    "deposits": "deposit",
    "withdrawals": "withdrawal",
    "futures": "futures_dispute",
    "margin": "futures_dispute",
    "account-freeze": "account_security",
    "login-security": "account_security",
    "security-scams": "account_security",
    "registration-kyc": "kyc",
    "api": "api",
}


@dataclass(frozen=True)
class Subject:
    """A question or a ticket, as far as incidents care."""

    category: str = ""
    coins: frozenset[str] = field(default_factory=frozenset)
    networks: frozenset[str] = field(default_factory=frozenset)
    text: str = ""


def subject(
    *, category: str = "", coins: Iterable[str] = (), networks: Iterable[str] = (), text: str = ""
) -> Subject:
    return Subject(
        category="" if category in UNKNOWN_CATEGORIES else category,
        coins=frozenset(c.upper() for c in coins if c),
        networks=frozenset(n.upper() for n in networks if n),
        text=text,
    )


def category_for_intent(intent: str) -> str:
    """The ticket category of what the assistant recognised ("" when it has none)."""
    if not intent:
        return ""
    flow = ARTICLE_FLOWS.get(intent, intent)
    if flow in FLOW_CATEGORIES:
        return FLOW_CATEGORIES[flow]
    from kefu.helpcenter.models import Article

    sections = (
        Article.objects.filter(slug=intent)
        .values_list("category__slug", "category__parent__slug")
        .first()
    )
    if sections is None:
        return ""
    section, parent = sections
    return HELPCENTER_CATEGORIES.get(section) or HELPCENTER_CATEGORIES.get(parent or "", "")


def mentions_keyword(incident: Incident, text: str) -> bool:
    if not text or not incident.keywords:
        return False
    folded = normalize(text)
    return any(normalize(k) in folded for k in incident.keywords if k.strip())


def concerns(incident: Incident, about: Subject) -> bool:
    if mentions_keyword(incident, about.text):
        return True
    coins, networks = set(incident.coins), set(incident.networks)
    if not incident.categories and not coins and not networks:
        return False  # no scope: only keywords (and agents' links) tie things to it
    if about.category and incident.categories and about.category not in incident.categories:
        return False
    if coins or networks:
        return assets_agree(coins, networks, about.coins, about.networks)
    return bool(about.category)


def assets_agree(
    coins: set[str], networks: set[str], their_coins: frozenset[str], their_networks: frozenset[str]
) -> bool:
    if networks and their_networks:
        if not networks & their_networks:
            return False
        return not coins or not their_coins or bool(coins & their_coins)
    if coins and their_coins:
        return bool(coins & their_coins)
    return False
