"""What the Telegram channel forgets, and when.

- Processed updates after :data:`UPDATES_KEPT`: Telegram stops redelivering an update long
  before (a day at most), so an older row guards against nothing. Failed ones stay until a
  person has looked (processed again, or deleted in the back office).
- Sent and failed outbox rows after :data:`OUTBOX_KEPT` (the ticket keeps what was said).
- Link codes a day after they expired.
- A customer whose personal data is erased loses their Telegram contacts too (user id, name,
  username); their tickets, and so the conversations, are erased by the erasure itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.clock import now

from .models import (
    LinkCode,
    OutboundMessage,
    OutboundStatus,
    ProcessedUpdate,
    TelegramContact,
    UpdateStatus,
)

UPDATES_KEPT = timedelta(days=7)
OUTBOX_KEPT = timedelta(days=30)
CODES_KEPT = timedelta(days=1)


def prune(at: datetime | None = None) -> dict[str, int]:
    at = at or now()
    updates, _ = (
        ProcessedUpdate.objects.filter(received_at__lt=at - UPDATES_KEPT)
        .exclude(status=UpdateStatus.FAILED)
        .delete()
    )
    outbox, _ = OutboundMessage.objects.filter(
        status__in=[OutboundStatus.SENT, OutboundStatus.FAILED],
        created_at__lt=at - OUTBOX_KEPT,
    ).delete()
    codes, _ = LinkCode.objects.filter(expires_at__lt=at - CODES_KEPT).delete()
    return {"updates": updates, "outbox": outbox, "link_codes": codes}


def forget_customer(customer_id: int) -> int:
    LinkCode.objects.filter(customer_id=customer_id).delete()
    deleted, _ = TelegramContact.objects.filter(customer_id=customer_id).delete()
    return deleted
