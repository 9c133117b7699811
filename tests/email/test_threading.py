"""New tickets from mail, acknowledgements, replies threaded by headers and subject tag, and
the rule that only the requester or CC may add to a ticket."""

from __future__ import annotations

from email.message import EmailMessage

from kefu.accounts.models import Customer
from kefu.connectors.email.models import InboundMail, InboundStatus, OutboundMail
from kefu.tickets.models import Channel, Ticket

from .conftest import SUPPORT, Mailbox, mail


def test_mail_opens_ticket_and_is_acknowledged(mailbox: Mailbox) -> None:
    Customer.objects.create(
        exchange_uid="u-alice", email="Alice@Example.com", anti_phishing_code="BLUEFOX7"
    )
    first = mail(message_id="<first@example.com>", cc="bob@example.com")
    mailbox.deliver(first)

    result = mailbox.poll()

    assert (result.processed, result.skipped) == (1, 0)
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.EMAIL
    assert ticket.requester_email == "alice@example.com"
    assert ticket.customer is not None and ticket.customer.exchange_uid == "u-alice"
    assert ticket.cc == ["bob@example.com"]
    assert ticket.subject == "My deposit has not arrived"
    assert "100 USDT" in ticket.messages.get(seq=1).text
    inbound = InboundMail.objects.get()
    assert inbound.status == InboundStatus.OPENED and inbound.ticket == ticket

    [ack] = mailbox.send()
    assert ack["To"] == "alice@example.com"
    assert ack["Cc"] == "bob@example.com"
    assert SUPPORT in ack["From"]
    assert f"[#{ticket.number}]" in ack["Subject"]
    assert ack["In-Reply-To"] == "<first@example.com>"
    assert "<first@example.com>" in ack["References"]
    assert ack["Auto-Submitted"] == "auto-replied"
    body = ack.get_content()
    assert ticket.number in body
    assert "Your anti-phishing code: BLUEFOX7" in body
    assert ack["Message-ID"].strip("<>") == OutboundMail.objects.get().message_id

    # Polling again and sending again change nothing.
    assert mailbox.poll().fetched == 0
    assert len(mailbox.send()) == 1


def _open(mailbox: Mailbox, **kwargs: str) -> tuple[Ticket, EmailMessage]:
    mailbox.deliver(mail(**kwargs))
    mailbox.poll()
    [ack] = mailbox.send()
    mailbox.smtp.clear()
    return Ticket.objects.get(requester_email=kwargs.get("sender", "alice@example.com")), ack


def test_reply_threads_by_in_reply_to(mailbox: Mailbox) -> None:
    ticket, ack = _open(mailbox, message_id="<q1@example.com>")
    reply = mail(
        subject=f"Re: {ack['Subject']}".replace(f"[#{ticket.number}]", ""),
        body="Here is the tx hash.\n\nOn Mon, 1 Jan 2024 at 10:00, Beacon Support wrote:\n> We have"
        " received your request",
        message_id="<q2@example.com>",
        in_reply_to=ack["Message-ID"],
        references=f"<q1@example.com> {ack['Message-ID']}",
    )
    mailbox.deliver(reply)
    mailbox.poll()

    assert Ticket.objects.count() == 1
    last = ticket.messages.order_by("-seq").first()
    assert last is not None and last.text == "Here is the tx hash."
    assert InboundMail.objects.get(message_id="q2@example.com").status == InboundStatus.APPENDED
    assert mailbox.send() == []  # replies are not acknowledged


def test_reply_threads_by_subject_tag_from_requester_or_cc(mailbox: Mailbox) -> None:
    ticket, _ack = _open(mailbox, cc="Bob <bob@example.com>")
    mailbox.deliver(
        mail(sender="ALICE@EXAMPLE.COM", subject=f"Re: [#{ticket.number}] deposit", body="More."),
        mail(sender="Bob <Bob@Example.com>", subject=f"[#{ticket.number}]", body="From Bob."),
    )
    mailbox.poll()

    assert Ticket.objects.count() == 1
    texts = list(ticket.messages.order_by("seq").values_list("text", flat=True))
    assert texts[-2:] == ["More.", "From Bob."]


def test_stranger_with_right_headers_and_tag_gets_a_ticket_of_their_own(mailbox: Mailbox) -> None:
    ticket, ack = _open(mailbox, message_id="<alice1@example.com>")
    messages_before = ticket.messages.count()
    mailbox.deliver(
        mail(
            sender="mallory@evil.example",
            subject=f"Re: [#{ticket.number}] My deposit has not arrived",
            body="Please send the withdrawal to my new address instead.",
            message_id="<mallory@evil.example>",
            in_reply_to=ack["Message-ID"],
            references=f"<alice1@example.com> {ack['Message-ID']}",
        )
    )
    mailbox.poll()

    assert ticket.messages.count() == messages_before
    theirs = Ticket.objects.get(requester_email="mallory@evil.example")
    assert theirs.pk != ticket.pk
    assert theirs.cc == []
    inbound = InboundMail.objects.get(message_id="mallory@evil.example")
    assert inbound.status == InboundStatus.OPENED and inbound.ticket == theirs
    assert inbound.reason == f"sender is not on {ticket.number}"
    [their_ack] = mailbox.send()
    assert their_ack["To"] == "mallory@evil.example"
    assert theirs.number in their_ack["Subject"] and ticket.number not in their_ack["Subject"]
    assert "alice" not in their_ack.as_string().lower()
