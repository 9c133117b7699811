"""Frames waiting to be fanned out, and the channel-layer groups they go to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kefu.tickets.models import Author, Message, Ticket

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
        """The author's own side hears of a message first. The other side may answer within
        milliseconds, from another process; had its answer reached the author's sockets before
        their own message, they would see a gap and read the missing message back from the
        database."""
        frame = message_frame(
            message, conversation=str(ticket.public_id), token=conversation_token(ticket)
        )
        staff = (staff_group(ticket.pk), frame)
        if message.internal:
            self.items.append(staff)
        elif message.author == Author.CUSTOMER:
            self.items.extend([(customer_group(ticket.pk), frame), staff])
        else:
            self.items.extend([staff, (customer_group(ticket.pk), frame)])

    def refresh_consoles(self) -> None:
        if (CONSOLES, {"type": "refresh"}) not in self.items:
            self.items.append((CONSOLES, {"type": "refresh"}))

    def extend(self, other: Outbox) -> None:
        self.items.extend(other.items)
