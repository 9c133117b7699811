"""A mail that repeats a case its sender already has open is linked to it, whether the open
ticket came earlier in the same batch, from an earlier batch or from another channel (the
batch skips the duplicate search only for senders with nothing open)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from kefu.connectors.email.ingest import ingest_many
from kefu.tickets.models import Channel, Status, Ticket
from kefu.tickets.opening import open_ticket
from kefu.tickets.workflow import change_status

from .conftest import mail

pytestmark = pytest.mark.django_db

TX = "0x" + "ab12" * 16
ABOUT_TX = f"My deposit with tx hash {TX} has not arrived after three hours."


def _ingest(*mails: EmailMessage) -> list[Ticket]:
    rows = ingest_many([(None, m.as_bytes()) for m in mails])
    return [Ticket.objects.get(pk=row.mail.ticket_id) for row in rows]


def test_second_mail_in_one_batch_is_linked_to_the_first() -> None:
    first, other, second = _ingest(
        mail("carol@example.com", "Deposit missing", ABOUT_TX),
        mail("dave@example.com", "Deposit missing", ABOUT_TX),
        mail("Carol@Example.com", "Still waiting for my deposit", f"Again: {TX}"),
    )
    assert first.duplicate_of is None and other.duplicate_of is None
    assert second.duplicate_of == first and second != first


def test_mail_repeating_an_open_portal_ticket_is_linked() -> None:
    portal = open_ticket(
        channel=Channel.PORTAL, subject="Deposit", text=ABOUT_TX, requester_email="erin@example.com"
    ).ticket
    closed = open_ticket(
        channel=Channel.PORTAL, subject="Deposit", text=ABOUT_TX, requester_email="finn@example.com"
    ).ticket
    change_status(closed, Status.SOLVED, by=None)
    change_status(closed, Status.CLOSED, by=None)
    erin, finn, _noise = _ingest(
        mail("erin@example.com", "Deposit", f"Where is {TX}?"),
        mail("finn@example.com", "Deposit", f"Where is {TX}?"),
        mail("gina@example.com", "Login", "I cannot log in."),
    )
    assert erin.duplicate_of == portal
    assert finn.duplicate_of is None  # the earlier case is closed: nothing open to repeat
