"""Frames waiting to be fanned out, and the channel-layer groups they go to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kefu.tickets.models import Message, Ticket

from .frames import conversation_token, message_frame

CONSOLES = "consoles"


def customer_group(ticket_id: int) -> str:
    return f"chat-{ticket_id}-customer"


def staff_group(ticket_id: int) -> str:
    return f"chat-{ticket_id}-staff"


def agent_group(agent_id: int) -> str:
    return f"agent-{agent_id}"


@dataclass
class Outbox:
    """Frames for channel-layer groups, sent after the writes that produced them committed."""

    items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def to_customer(self, ticket: Ticket, frame: dict[str, Any]) -> None:
        self.items.append((customer_group(ticket.pk), frame))

    def to_staff(self, ticket: Ticket, frame: dict[str, Any]) -> None:
        self.items.append(
            (staff_group(ticket.pk), {**frame, "conversation": str(ticket.public_id)})
        )

    def to_both(self, ticket: Ticket, frame: dict[str, Any]) -> None:
        self.to_customer(ticket, frame)
        self.to_staff(ticket, frame)

    def to_agent(self, agent_id: int, frame: dict[str, Any]) -> None:
        self.items.append((agent_group(agent_id), frame))

    def message(self, ticket: Ticket, message: Message) -> None:
        frame = message_frame(
            message, conversation=str(ticket.public_id), token=conversation_token(ticket)
        )
        self.items.append((staff_group(ticket.pk), frame))
        if not message.internal:
            self.items.append((customer_group(ticket.pk), frame))

    def refresh_consoles(self) -> None:
        if (CONSOLES, {"type": "refresh"}) not in self.items:
            self.items.append((CONSOLES, {"type": "refresh"}))

    def extend(self, other: Outbox) -> None:
        self.items.extend(other.items)
