"""Retention: what customers said is not kept forever.

Tickets and chats finished (solved or closed, or a chat ended) more than
``KEFU_RETENTION_DAYS`` ago lose their transcripts: messages, notes, attachments (the files
too), the mail received and sent for them, and the assistant's turns and extracted facts. The
ticket itself stays (number, category, status, times) so that reports and the events that
refer to it still add up. Assistant conversations that never became a ticket are purged after
the same age. ``KEFU_RETENTION_DAYS=0`` keeps everything.

Work is done in batches, each its own transaction, so a large first purge neither holds locks
for long nor starts over after an interruption; a run stops after ``max_batches`` and the next
run continues. Each run that purged something records one event with the counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from kefu.assistant.models import Conversation, Turn
from kefu.clock import now
from kefu.connectors.email.models import InboundMail, OutboundMail, OutboundStatus
from kefu.events.services import record_event
from kefu.tickets.models import Attachment, ChatState, Message, Status, Ticket

from .erasure import delete_files

BATCH = 200


@dataclass
class Purge:
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    mails: int = 0
    conversations: int = 0

    @property
    def anything(self) -> bool:
        return any(asdict(self).values())


def cutoff(days: int | None = None) -> datetime | None:
    days = settings.KEFU_RETENTION_DAYS if days is None else days
    return now() - timedelta(days=days) if days > 0 else None


def expired_tickets(before: datetime) -> QuerySet[Ticket]:
    """Finished before ``before`` and still holding a transcript."""
    finished = Q(status__in=[Status.SOLVED, Status.CLOSED]) | Q(chat_state=ChatState.ENDED)
    holds = (
        Exists(Message.objects.filter(ticket=OuterRef("pk")))
        | Exists(Attachment.objects.filter(ticket=OuterRef("pk")))
        | Exists(InboundMail.objects.filter(ticket=OuterRef("pk")))
        | Exists(Turn.objects.filter(conversation__ticket=OuterRef("pk")))
    )
    return (
        Ticket.objects.annotate(finished_at=Coalesce("closed_at", "solved_at", "ended_at"))
        .filter(finished, finished_at__lt=before)
        .exclude(chat_state__in=[ChatState.QUEUED, ChatState.ASSIGNED])
        .filter(holds)
    )


def expired_conversations(before: datetime) -> QuerySet[Conversation]:
    """Assistant conversations that never became a ticket, idle since before ``before``."""
    return Conversation.objects.filter(ticket__isnull=True, updated_at__lt=before).filter(
        Exists(Turn.objects.filter(conversation=OuterRef("pk")))
    )


def purge_expired(*, days: int | None = None, max_batches: int = 50) -> Purge:
    """Purge what is past retention, up to ``max_batches`` batches of tickets."""
    before = cutoff(days)
    total = Purge()
    if before is None:
        return total
    for _ in range(max_batches):
        ids = list(expired_tickets(before).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        _add(total, _purge_tickets(ids))
    for _ in range(max_batches):
        ids = list(
            expired_conversations(before).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        with transaction.atomic():
            total.messages += Turn.objects.filter(conversation_id__in=ids).delete()[0]
            Conversation.objects.filter(pk__in=ids).update(state={}, handoff_summary={})
            total.conversations += len(ids)
    if total.anything:
        with transaction.atomic():
            record_event(
                "trust.retention_purged",
                ("trust.retention", before.date().isoformat()),
                data={**asdict(total), "before": before.isoformat()},
            )
    return total


def _purge_tickets(ids: list[int]) -> Purge:
    with transaction.atomic():
        files = list(
            Attachment.objects.filter(ticket_id__in=ids)
            .exclude(file="")
            .values_list("file", flat=True)
        )
        conversations = Conversation.objects.filter(ticket__in=ids)
        done = Purge(tickets=len(ids), conversations=conversations.count())
        done.messages = Message.objects.filter(ticket_id__in=ids).delete()[0]
        done.messages += Turn.objects.filter(conversation__in=conversations).delete()[0]
        conversations.update(state={}, handoff_summary={})
        done.attachments = Attachment.objects.filter(ticket_id__in=ids).delete()[0]
        done.mails = InboundMail.objects.filter(ticket_id__in=ids).delete()[0]
        done.mails += (
            OutboundMail.objects.filter(ticket_id__in=ids)
            .filter(status__in=[OutboundStatus.SENT, OutboundStatus.FAILED])
            .delete()[0]
        )
        transaction.on_commit(lambda: delete_files(files))
    return done


def _add(total: Purge, batch: Purge) -> None:
    for key, value in asdict(batch).items():
        setattr(total, key, getattr(total, key) + value)
