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

    # The worker dies while writing the 11th mail: batches of 4, so mails 9 and 10 are committed
    # but the saved progress is still UID 8, and the 11th is rolled back.
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
