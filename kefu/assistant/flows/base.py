"""The pieces every self-service flow shares: what it knows, what it answers, its state.

A flow's state lives in ``conversation.state`` (``flow``, ``slots``, ``asked``), so a flow
survives a restart and any worker can continue it. Slots are filled from entities the customer
already gave anywhere in the conversation and asked for only when missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kefu.accounts.models import Customer

from ..models import Conversation


@dataclass
class Context:
    conversation: Conversation
    customer: Customer | None
    message: str
    normalized: str
    language: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    question: str = ""  # the message without identifiers, for matching

    @property
    def state(self) -> dict[str, Any]:
        return self.conversation.state

    def fact(self, kind: str) -> str | None:
        """The newest value of ``kind`` said in this message, else earlier in the conversation."""
        for entity in reversed(self.entities):
            if entity["kind"] == kind:
                return str(entity["value"])
        for fact in reversed(self.state.get("facts", [])):
            if fact["kind"] == kind:
                return str(fact["value"])
        return None

    def fact_in_message(self, kind: str) -> bool:
        return any(entity["kind"] == kind for entity in self.entities)

    def step(self, description: str, result: str | None = None) -> None:
        """Log what was done for the hand-over summary."""
        self.state.setdefault("steps", []).append(description)
        if result is not None:
            self.state.setdefault("results", []).append(result)


@dataclass
class Step:
    flow: str
    reply: str
    done: bool = True
    handoff_reason: str = ""
    handoff_priority: str = ""


def finish(context: Context) -> None:
    for key in ("flow", "slots", "asked"):
        context.state.pop(key, None)
