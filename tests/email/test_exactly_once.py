"""Every mail in the mailbox is processed once: across a crash between fetching and committing,
a restart, a server that changed UIDVALIDITY, and the same mail delivered twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import OperationalError

from kefu.connectors.email import ingest as ingest_module
from kefu.connectors.email.models import InboundMail, MailboxState, OutboundMail
from kefu.tickets.models import Ticket

from .conftest import Mailbox, mail


def test_crash_mid_batch_then_restart_processes_every_mail_once(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    mails = [
        mail(sender=f"user{i}@example.com", subject=f"Case {i}", message_id=f"<m{i}@example.com>")
        for i in range(20)
    ]
    mailbox.deliver(*mails)

    # The worker dies while writing the 11th mail: batches of 4 written 2 to a transaction, so
    # mails 9 and 10 are committed but the saved progress is still UID 8, and the 11th and 12th
    # are rolled back.
    monkeypatch.setattr(ingest_module, "TOGETHER", 2)
    real = ingest_module.queue_acknowledgement
    calls = 0

    def crash_on_eleventh(ticket: Ticket, **kwargs: Any) -> object:
        nonlocal calls
        calls += 1
        if calls == 11:
            raise OperationalError("server closed the connection unexpectedly")
        return real(ticket, **kwargs)

    monkeypatch.setattr(ingest_module, "queue_acknowledgement", crash_on_eleventh)
    with pytest.raises(OperationalError):
        mailbox.poll(batch=4)
    assert InboundMail.objects.count() == 10
    assert MailboxState.objects.get().last_uid == 8

    monkeypatch.setattr(ingest_module, "queue_acknowledgement", real)
    restarted = mailbox.poll(batch=4)
    assert (restarted.fetched, restarted.skipped, restarted.processed) == (12, 2, 10)

    ids = Counter(InboundMail.objects.values_list("message_id", flat=True))
    assert ids == Counter(f"m{i}@example.com" for i in range(20))
    assert Ticket.objects.count() == 20
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == sorted(
        f"Case {i}" for i in range(20)
    )
    assert OutboundMail.objects.count() == 20  # one acknowledgement each

    # The server renumbers the folder (UIDVALIDITY changes): all read again, nothing repeated.
    MailboxState.objects.update(uidvalidity=1)
    reread = mailbox.poll()
    assert (reread.fetched, reread.skipped, reread.processed) == (20, 20, 0)

    # The same mail delivered a second time.
    mailbox.deliver(mails[0])
    assert mailbox.poll().skipped == 1
    assert InboundMail.objects.count() == 20 and Ticket.objects.count() == 20


def test_mails_written_together_thread_on_each_other_and_survive_a_bad_one(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One poll: a request, a reply to it, a reply to that reply, and a mail whose processing
    fails. The failure sends the group one mail at a time: the good ones are stored once, the
    replies on the request's ticket, and the bad one is kept as failed."""
    first = mail(sender="bob@example.com", subject="Case A", message_id="<a1@example.com>")
    reply = mail(
        sender="bob@example.com",
        subject="Re: Case A",
        message_id="<a2@example.com>",
        in_reply_to="<a1@example.com>",
        references="<a1@example.com>",
    )
    again = mail(
        sender="bob@example.com",
        subject="Re: Case A",
        message_id="<a3@example.com>",
        in_reply_to="<a2@example.com>",
        references="<a1@example.com> <a2@example.com>",
    )
    bad = mail(sender="carol@example.com", subject="Case B", message_id="<b1@example.com>")
    mailbox.deliver(first, reply, again)
    assert mailbox.poll().processed == 3  # together, threaded within the group
    assert Ticket.objects.count() == 1
    assert set(InboundMail.objects.values_list("ticket", flat=True)) == {Ticket.objects.get().pk}

    mailbox.deliver(mail(sender="dan@example.com", subject="Case C"), bad)
    real = ingest_module._message_text

    def fail_for_carol(parsed: Any) -> str:
        if parsed.sender == "carol@example.com":
            raise ValueError("cannot read")
        return str(real(parsed))

    monkeypatch.setattr(ingest_module, "_message_text", fail_for_carol)
    result = mailbox.poll()
    assert (result.processed, result.skipped) == (2, 0)
    statuses = dict(InboundMail.objects.values_list("sender", "status"))
    assert statuses["carol@example.com"] == "failed"
    assert statuses["dan@example.com"] == "opened"
    assert Ticket.objects.count() == 2
    assert OutboundMail.objects.count() == 2  # one acknowledgement per ticket
    assert InboundMail.objects.count() == 5
