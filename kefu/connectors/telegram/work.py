"""What handling one update did, and what is left for after its transaction commits."""

from __future__ import annotations

from dataclasses import dataclass, field

from kefu.connectors.webchat.outbox import Outbox
from kefu.tickets.models import Message, Ticket

from .models import UpdateStatus


@dataclass
class Work:
    status: str = UpdateStatus.PROCESSED
    reason: str = ""
    ticket: Ticket | None = None
    # Frames for the agents' consoles, sent once the writes have committed.
    outbox: Outbox = field(default_factory=Outbox)
    # A customer message the assistant still has to answer (after the commit: it takes time).
    assistant_turn: Message | None = None


def ignored(reason: str) -> Work:
    return Work(status=UpdateStatus.IGNORED, reason=reason)
