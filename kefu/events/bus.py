"""In-process publication of events after their transaction commits.

Subscribers register for a kind prefix ("article." or "" for all). A subscriber that fails is
logged and does not stop the others: the state change has already committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .models import Event

logger = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]
_subscribers: list[tuple[str, Subscriber]] = []


def subscribe(prefix: str, handler: Subscriber) -> None:
    if (prefix, handler) not in _subscribers:
        _subscribers.append((prefix, handler))


def unsubscribe(prefix: str, handler: Subscriber) -> None:
    if (prefix, handler) in _subscribers:
        _subscribers.remove((prefix, handler))


def publish(event: Event) -> None:
    for prefix, handler in list(_subscribers):
        if event.kind.startswith(prefix):
            try:
                handler(event)
            except Exception:
                logger.exception("event subscriber %r failed on %s", handler, event.kind)
