"""Mail we send: agents' replies by way of ticket events and the job runner, mail received by the
SMTP listener, retries when the SMTP server is down, and no mail sent twice."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kefu import clock
from kefu.accounts.models import Agent, Customer, Role
from kefu.connectors.email import listener, outbound
from kefu.connectors.email.models import InboundMail, InboundStatus, OutboundMail
from kefu.tickets.models import Ticket
from kefu.tickets.workflow import agent_reply

from ..staff import sign_in
from .conftest import SUPPORT, Mailbox, mail
from .servers import SmtpSink, free_port


@pytest.fixture
def smtp_listener(smtp_server: SmtpSink) -> Iterator[int]:
    port = free_port()
    controller = listener.start("127.0.0.1", port)
    try:
        with override_settings(
            KEFU_JOBS_EAGER=True,
            KEFU_EMAIL_SMTP_URL=smtp_server.url,
            KEFU_EMAIL_FROM=f"Beacon Support <{SUPPORT}>",
        ):
            smtp_server.clear()
            yield port
    finally:
        controller.stop()


@pytest.mark.django_db(transaction=True)  # the listener stores mail from its own thread
def test_listener_acknowledgement_and_agent_reply_through_events_and_jobs(
    smtp_listener: int, smtp_server: SmtpSink
) -> None:
    Customer.objects.create(
        exchange_uid="u-hana", email="hana@example.com", anti_phishing_code="K9"
    )
    agent = Agent.objects.create_user(username="agent.mail", password="x" * 12, role=Role.AGENT)
    with smtplib.SMTP("127.0.0.1", smtp_listener) as client:
        client.send_message(mail(sender="hana@example.com", message_id="<hana1@example.com>"))
        client.send_message(
            mail(sender="bounce@example.com", message_id="<bounce@example.com>"), from_addr="<>"
        )

    ticket = Ticket.objects.get()
    assert InboundMail.objects.get(message_id="bounce@example.com").reason == "null sender"
    [ack] = smtp_server.mails()  # sent by the ticket.opened handler's job
    assert ack["In-Reply-To"] == "<hana1@example.com>"

    agent_reply(ticket, agent=agent, text="Your deposit is credited now.")

    [_ack, reply] = smtp_server.mails()
    assert reply["To"] == "hana@example.com"
    assert reply["Subject"] == f"Re: [#{ticket.number}] My deposit has not arrived"
    assert reply["In-Reply-To"] == "<hana1@example.com>"
    assert reply["References"].split() == ["<hana1@example.com>", ack["Message-ID"]]
    assert "Auto-Submitted" not in reply
    body = reply.get_content()
    assert body.startswith("Your anti-phishing code: K9")
    assert "Your deposit is credited now." in body

    with smtplib.SMTP("127.0.0.1", smtp_listener) as client:
        client.send_message(
            mail(sender="hana@example.com", body="Thank you!", in_reply_to=reply["Message-ID"])
        )
    assert ticket.messages.order_by("-seq").values_list("text", flat=True)[0] == "Thank you!"
    assert len(smtp_server.mails()) == 2
    assert OutboundMail.objects.filter(status="sent").count() == 2


def test_send_is_retried_until_the_server_answers_and_never_doubled(mailbox: Mailbox) -> None:
    mailbox.deliver(mail())
    start = clock.now()
    try:
        clock.set_now(start)
        with override_settings(KEFU_EMAIL_SMTP_URL=f"smtp://127.0.0.1:{free_port()}"):
            mailbox.poll()
            row = OutboundMail.objects.get()
            assert outbound.send_outbound(row.pk) == "queued"
            row.refresh_from_db()
            assert (row.attempts, row.next_attempt_at > start) == (1, True)
            assert row.last_error
            assert outbound.send_due() == {}  # not due yet
        with override_settings(KEFU_EMAIL_SMTP_URL=""):
            clock.set_now(start + timedelta(minutes=5))
            assert outbound.send_due() == {}  # sending off: stays queued
        clock.set_now(start + timedelta(minutes=5))
        assert outbound.send_due() == {"sent": 1}
        assert outbound.send_outbound(row.pk) == "sent"
        assert outbound.send_due() == {}
        [sent] = mailbox.smtp.mails()
        row.refresh_from_db()
        assert (row.status, row.attempts, sent["Message-ID"]) == ("sent", 2, f"<{row.message_id}>")
    finally:
        clock.reset()
    assert InboundMail.objects.get().status == InboundStatus.OPENED


def test_back_office_lists_mail_and_retries_failures(mailbox: Mailbox, client: Client) -> None:
    admin = Agent.objects.create_user(username="admin.mail", password="x" * 12, role=Role.ADMIN)
    sign_in(client, admin)
    mailbox.deliver(mail(sender="bad@nodot"), mail())
    mailbox.poll()
    failed = InboundMail.objects.get(status=InboundStatus.FAILED)
    ack = OutboundMail.objects.get()
    OutboundMail.objects.filter(pk=ack.pk).update(status="failed", attempts=6)

    for model in ("inboundmail", "outboundmail", "mailboxstate"):
        page = client.get(reverse(f"admin:email_channel_{model}_changelist"))
        assert page.status_code == 200
    url = reverse("admin:email_channel_inboundmail_changelist")
    client.post(url, {"action": "process_again", "_selected_action": [failed.pk]})
    assert InboundMail.objects.filter(status=InboundStatus.FAILED).count() == 1  # same cause
    url = reverse("admin:email_channel_outboundmail_changelist")
    with override_settings(KEFU_JOBS_EAGER=True):
        client.post(url, {"action": "send_again", "_selected_action": [ack.pk]})
    assert OutboundMail.objects.get().status == "queued"  # sent once this commits
    assert [m["To"] for m in mailbox.send()] == ["alice@example.com"]
