"""Background jobs of the Telegram channel: sending one chat's outbox, retrying what is due,
and keeping Telegram customers who wait for a person in line.

The routing clock takes out of line a waiting customer whose page has been closed for
``KEFU_CUSTOMER_GRACE_SECONDS``; a Telegram customer has no page and is reachable all along,
so their waiting chats are marked present well within that grace."""

from __future__ import annotations

from django.conf import settings

from kefu.jobs import enqueue, periodic, task
from kefu.routing import services as routing
from kefu.tickets.models import Channel, ChatState, Ticket

from . import outbound, retention


@task("telegram.send_chat")
def send_chat(chat_id: int) -> dict[str, int]:
    return outbound.send_chat(chat_id)


@periodic("telegram.retry_outbound", every_seconds=10)
@task("telegram.retry_outbound")
def retry_outbound() -> dict[str, int]:
    """Rows waiting for a retry (429, 5xx, no answer) or left behind by a stopped worker."""
    return outbound.send_due()


@periodic(
    "telegram.customers_present", every_seconds=max(5, settings.KEFU_CUSTOMER_GRACE_SECONDS / 3)
)
@task("telegram.customers_present")
def customers_present() -> int:
    waiting = set(
        Ticket.objects.filter(channel=Channel.TELEGRAM, chat_state=ChatState.QUEUED).values_list(
            "pk", flat=True
        )
    )
    routing.customers_present(waiting)
    return len(waiting)


@periodic("telegram.prune", every_seconds=3600)
@task("telegram.prune")
def prune() -> dict[str, int]:
    return retention.prune()


def enqueue_send(chat_id: int) -> None:
    enqueue("telegram.send_chat", chat_id=chat_id)
