"""Machines' mail (auto-replies, bounces, lists) is recorded and ignored, never answered; a sender
who opens too many tickets gets their mail added to their latest ticket, unacknowledged."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings

from kefu import clock
from kefu.connectors.email.models import InboundMail, InboundStatus
from kefu.tickets.models import Author, Ticket

from .conftest import SUPPORT, Mailbox, mail

DSN = (
    "From: MAILER-DAEMON@mx.example.com\r\nTo: {support}\r\nSubject: Undelivered Mail\r\n"
    "Message-ID: <dsn1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
    "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
    "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    "--B--\r\n"
)


def test_auto_replies_and_bounces_are_ignored_and_never_answered(mailbox: Mailbox) -> None:
    mailbox.deliver(mail(message_id="<start@example.com>"))
    mailbox.poll()
    ticket = Ticket.objects.get()
    [ack] = mailbox.send()
    mailbox.smtp.clear()
    messages = ticket.messages.count()
    about_ticket = {
        "subject": f"Re: [#{ticket.number}] Out of office",
        "in_reply_to": ack["Message-ID"],
    }
    machines = [
        mail(headers={"Auto-Submitted": "auto-replied"}, **about_ticket),
        mail(sender="news@shop.example", headers={"Precedence": "bulk"}),
        mail(sender="list@lists.example", headers={"Precedence": "list"}),
        mail(headers={"X-Autoreply": "yes"}, **about_ticket),
        mail(sender="bounce@example.com", headers={"Return-Path": "<>"}),
        mail(sender="MAILER-DAEMON@mx.example.com", subject="failure notice"),
        DSN.format(support=SUPPORT).encode(),
    ]
    mailbox.deliver(*machines)
    mailbox.poll()

    ignored = InboundMail.objects.filter(status=InboundStatus.IGNORED)
    assert ignored.count() == len(machines)
    assert set(ignored.values_list("ticket", flat=True)) == {None}
    assert {r.split(":")[0] for r in ignored.values_list("reason", flat=True)} == {
        "Auto-Submitted",
        "Precedence",
        "X-Autoreply",
        "null sender",
        "mailer daemon",
        "multipart/report",
    }
    assert Ticket.objects.count() == 1 and ticket.messages.count() == messages
    assert mailbox.send() == []

    # "Auto-Submitted: no" is a person.
    mailbox.deliver(mail(sender="gina@example.com", headers={"Auto-Submitted": "no"}))
    mailbox.poll()
    assert Ticket.objects.filter(requester_email="gina@example.com").exists()


def test_sender_over_the_hourly_limit_is_appended_without_acknowledgement(
    mailbox: Mailbox,
) -> None:
    start = clock.now()
    try:
        clock.set_now(start)
        with override_settings(KEFU_EMAIL_TICKETS_PER_HOUR=3):
            mailbox.deliver(*(mail(subject=f"Problem {i}", body=f"Text {i}") for i in range(5)))
            mailbox.poll()
            tickets = list(Ticket.objects.order_by("pk"))
            assert [t.subject for t in tickets] == ["Problem 0", "Problem 1", "Problem 2"]
            assert [m.get("Subject") for m in mailbox.send()] == [
                f"Re: [#{t.number}] {t.subject}" for t in tickets
            ]
            statuses = list(InboundMail.objects.order_by("uid").values_list("status", flat=True))
            assert statuses == ["opened"] * 3 + ["rate_limited"] * 2
            latest = tickets[-1]
            from_customer = latest.messages.filter(author=Author.CUSTOMER).order_by("seq")
            assert list(from_customer.values_list("text", flat=True)) == [
                "Text 2",
                "Text 3",
                "Text 4",
            ]

            # An hour later the sender may open tickets again.
            clock.set_now(start + timedelta(hours=1, minutes=1))
            mailbox.smtp.clear()
            mailbox.deliver(mail(subject="Problem 5", body="Text 5"))
            mailbox.poll()
            assert Ticket.objects.count() == 4
            assert len(mailbox.send()) == 1
    finally:
        clock.reset()
