"""Status notices the assistant says before its answer.

During an outage or maintenance the most useful first words to "my USDT deposit on TRC20
hasn't arrived" are what the exchange already knows about TRC20 deposits. The assistant knows
the question, what it recognised and the coins and networks named, but not what is going on at
the exchange: apps above it (incidents, in insights) register a provider here, and the engine
asks every provider after deciding its reply. A notice is told once per conversation (its
``key``), then the reply continues as usual, self-service checks included.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    text: str  # as stored: secrets masked
    intent: str  # what the assistant recognised: a flow or an article slug ("" if nothing)
    language: str  # the reply's language
    entities: Sequence[Mapping[str, Any]]  # everything extracted in the conversation so far

    def values(self, kind: str) -> set[str]:
        return {str(e.get("value", "")) for e in self.entities if e.get("kind") == kind}

    @property
    def coins(self) -> set[str]:
        return self.values("coin")

    @property
    def networks(self) -> set[str]:
        return self.values("network")


@dataclass(frozen=True)
class Notice:
    key: str  # the same key is told once per conversation (a new status is a new key)
    text: str  # in the question's language


Provider = Callable[[Question], Iterable[Notice]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def notices_for(question: Question) -> list[Notice]:
    """Every provider's notices; a provider that fails is logged and skipped (the answer
    matters more than the notice)."""
    found: list[Notice] = []
    for provider in list(_providers):
        try:
            found.extend(provider(question))
        except Exception:
            logger.exception("status notice provider %r failed", provider)
    return found
