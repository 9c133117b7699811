"""Retention: transcripts and files of cases finished longer ago than KEFU_RETENTION_DAYS are
purged by a job; recent and open cases keep theirs."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from kefu.accounts.models import Customer
from kefu.assistant.engine import respond
from kefu.assistant.models import Conversation, Turn
from kefu.clock import now
from kefu.events.models import Event
from kefu.jobs import registry
from kefu.tickets.attachments import store_attachment
from kefu.tickets.models import Attachment, Channel, Message, Status, Ticket
from kefu.tickets.opening import open_ticket
from kefu.trust.retention import purge_expired

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.KEFU_RETENTION_DAYS = 365
    return tmp_path


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def case(days_ago: int, status: str, text: str) -> Ticket:
    customer, _ = Customer.objects.get_or_create(exchange_uid="100001")
    ticket = open_ticket(channel=Channel.PORTAL, subject=text, text=text, customer=customer).ticket
    store_attachment(ticket, "proof.png", png())
    finished = now() - timedelta(days=days_ago)
    Ticket.objects.filter(pk=ticket.pk).update(
        status=status,
        closed_at=finished if status == Status.CLOSED else None,
        solved_at=finished if status == Status.SOLVED else None,
    )
    return ticket


def files_of(ticket: Ticket, media: Path) -> list[Path]:
    return [
        media / f for f in Attachment.objects.filter(ticket=ticket).values_list("file", flat=True)
    ]


def test_old_closed_cases_lose_transcripts_and_files(
    media: Path, django_capture_on_commit_callbacks
):
    old = case(400, Status.CLOSED, "old closed case")
    old_solved = case(500, Status.SOLVED, "old solved case")
    recent = case(30, Status.CLOSED, "recent closed case")
    still_open = case(400, Status.OPEN, "open for a long time")
    old_files = files_of(old, media) + files_of(old_solved, media)
    kept_files = files_of(recent, media) + files_of(still_open, media)
    assert all(f.exists() for f in old_files + kept_files)

    with django_capture_on_commit_callbacks(execute=True):
        result = purge_expired()

    assert result.tickets == 2 and result.attachments == 2
    for ticket in (old, old_solved):
        assert not Message.objects.filter(ticket=ticket).exists()
        assert not Attachment.objects.filter(ticket=ticket).exists()
        assert Ticket.objects.filter(pk=ticket.pk).exists()  # the case itself stays, for reports
    assert not any(f.exists() for f in old_files)
    for ticket in (recent, still_open):
        assert Message.objects.filter(ticket=ticket).exists()
        assert Attachment.objects.filter(ticket=ticket).exists()
    assert all(f.exists() for f in kept_files)
    event = Event.objects.get(kind="trust.retention_purged")
    assert event.data["tickets"] == 2 and event.data["attachments"] == 2

    again = purge_expired()  # nothing left to do: no second event
    assert not again.anything
    assert Event.objects.filter(kind="trust.retention_purged").count() == 1


def test_purging_works_in_batches(media: Path, monkeypatch):
    from kefu.trust import retention

    monkeypatch.setattr(retention, "BATCH", 2)
    for n in range(5):
        case(400, Status.CLOSED, f"old case {n}")
    assert purge_expired(max_batches=2).tickets == 4  # two batches of two; the next run goes on
    assert purge_expired().tickets == 1
    assert not Message.objects.exists()


def test_idle_assistant_conversations_are_purged(media: Path):
    old = respond("how do I deposit USDT?")
    recent = respond("how do I withdraw?")
    Conversation.objects.filter(public_id=old.conversation_id).update(
        updated_at=now() - timedelta(days=400)
    )
    assert purge_expired().conversations == 1
    assert not Turn.objects.filter(conversation__public_id=old.conversation_id).exists()
    assert Turn.objects.filter(conversation__public_id=recent.conversation_id).exists()


def test_zero_days_keeps_everything(media: Path, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_RETENTION_DAYS = 0
    case(4000, Status.CLOSED, "ancient case")
    assert not purge_expired().anything
    assert Message.objects.exists()


def test_the_purge_is_a_scheduled_job():
    registry.discover()
    assert "trust.purge_expired" in registry.schedule()
    assert registry.get("trust.purge_expired").func is not None
