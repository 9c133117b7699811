"""Mail we send: acknowledgements and agents' replies, queued as :class:`OutboundMail` rows and
sent by SMTP from a background job.

A row gets its Message-ID when it is queued and is claimed (``sending``) before the SMTP
conversation, so two workers never send it twice and a retry after a crash sends the same mail.
Every mail carries the ticket number in its subject, threading headers that point at the
customer's last mail, and the customer's anti-phishing code at the top (added when sending).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.clock import now
from kefu.tickets.models import Author, Message, Ticket
from kefu.trust.anti_phishing import mail_banner
from kefu.trust.notices import secret_notice

from . import config
from .models import InboundMail, OutboundKind, OutboundMail, OutboundStatus, ThreadLink

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A claim older than this is a worker that died mid-send: the row may be sent again.
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_REFERENCES = 10


def subject_for(ticket: Ticket, *, reply: bool = False) -> str:
    tag = f"[#{ticket.number}]"
    subject = ticket.subject or ""
    base = f"{tag} {subject}".strip() if tag not in subject else subject
    return (f"Re: {base}" if reply and not base.lower().startswith("re:") else base)[:300]


def new_message_id() -> str:
    return f"kefu.{secrets.token_hex(12)}@{config.mail_domain()}"


Thread = tuple[str, list[str]]  # In-Reply-To and References, Message-IDs without brackets


def queue_acknowledgement(
    ticket: Ticket,
    *,
    answering: Thread | None = None,
    masked: Sequence[str] = (),
    collect: list[OutboundMail | ThreadLink] | None = None,
) -> OutboundMail | None:
    """The "we have your request" mail for a ticket opened by email: at most one per ticket.
    ``answering`` gives the threading headers when the caller has the mail at hand and has
    just opened the ticket in its transaction (so there is no acknowledgement yet); the mail's
    Message-ID is then linked to the ticket here. Returns the row to send, or None when there
    is nothing to queue. ``masked``: kinds of secrets removed from the mail, which the
    acknowledgement names. ``collect`` (with ``answering``): the mail and its links are added
    to it, unsaved, for the caller to write with others in its transaction."""
    if not ticket.requester_email:
        return None
    if answering is None:
        existing = OutboundMail.objects.filter(
            ticket=ticket, kind=OutboundKind.ACKNOWLEDGEMENT
        ).first()
        if existing is not None:
            return existing
    with override(ticket.language):
        lines = [
            _("Hello,"),
            "",
            _(
                "We have received your request and opened ticket %(number)s. We will reply to "
                "this email address; to add anything, just reply to this email and keep "
                "%(tag)s in the subject."
            )
            % {"number": ticket.number, "tag": f"[#{ticket.number}]"},
        ]
        if masked:
            lines += ["", secret_notice(masked, ticket.language)]
        body = _compose(ticket, lines)
    return _queue(
        ticket,
        OutboundKind.ACKNOWLEDGEMENT,
        body,
        auto=True,
        reply=True,
        thread=answering,
        collect=collect,
    )


def queue_reply(ticket: Ticket, message: Message) -> OutboundMail | None:
    """An agent's public reply, by email to the requester and CC: one mail per message."""
    if (
        not ticket.requester_email
        or message.internal
        or message.author != Author.AGENT
        or not message.text
    ):
        return None
    existing = OutboundMail.objects.filter(ticket=ticket, message_seq=message.seq).first()
    if existing is not None:
        return existing
    with override(ticket.language):
        body = _compose(ticket, [message.text])
    return _queue(ticket, OutboundKind.REPLY, body, seq=message.seq, reply=True)


def _compose(ticket: Ticket, lines: list[str]) -> str:
    """The body with the footer every mail carries (call inside the ticket's language)."""
    footer = ["", "—", _("Ticket %(number)s") % {"number": ticket.number}]
    footer.append(
        _(
            "%(exchange)s staff will never ask for your password, 2FA codes, private keys or "
            "seed phrase."
        )
        % {"exchange": settings.KEFU_EXCHANGE_NAME}
    )
    return "\n".join([*lines, *footer]) + "\n"


def _queue(
    ticket: Ticket,
    kind: str,
    body: str,
    *,
    seq: int | None = None,
    auto: bool = False,
    reply: bool = False,
    thread: Thread | None = None,
    collect: list[OutboundMail | ThreadLink] | None = None,
) -> OutboundMail | None:
    in_reply_to, references = thread or _thread_headers(ticket)
    own = config.own_addresses()
    cc = [a for a in ticket.cc if a.lower() not in own and a.lower() != ticket.requester_email]
    row = OutboundMail(
        ticket=ticket,
        kind=kind,
        message_seq=seq,
        to=ticket.requester_email,
        cc=cc,
        subject=subject_for(ticket, reply=reply),
        body=body,
        message_id=new_message_id(),
        in_reply_to=f"<{in_reply_to}>" if in_reply_to else "",
        references=" ".join(f"<{r}>" for r in references[-MAX_REFERENCES:]),
        auto_submitted=auto,
        next_attempt_at=now(),
    )
    if thread is not None:
        # The caller's own transaction has just opened the ticket: nothing can race this row.
        # The mail answered is linked too, in the same statement.
        links = [
            ThreadLink(message_id=in_reply_to, ticket=ticket),
            ThreadLink(message_id=row.message_id, ticket=ticket, outbound=True),
        ]
        if collect is not None:
            collect += [row, *links]
            return row
        row.save()
        ThreadLink.objects.bulk_create(links, ignore_conflicts=True)
        return row
    try:
        with transaction.atomic():
            row.save()
            ThreadLink.objects.create(message_id=row.message_id, ticket=ticket, outbound=True)
    except IntegrityError:  # queued meanwhile by another worker
        return None
    return row


def _thread_headers(ticket: Ticket) -> Thread:
    """In-Reply-To: the customer's last mail on the ticket; References: the ids of the thread,
    oldest first, at most a few."""
    links = list(
        ThreadLink.objects.filter(ticket=ticket)
        .order_by("-id")
        .values_list("message_id", "outbound")[:MAX_REFERENCES]
    )
    links.reverse()
    last_inbound = next((mid for mid, outbound in reversed(links) if not outbound), "")
    if not last_inbound:
        last_inbound = (
            InboundMail.objects.filter(ticket=ticket)
            .order_by("-id")
            .values_list("message_id", flat=True)
            .first()
            or ""
        )
    return last_inbound, [mid for mid, _outbound in links]


def build_message(row: OutboundMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.from_address()
    message["To"] = row.to
    if row.cc:
        message["Cc"] = ", ".join(row.cc)
    message["Subject"] = row.subject
    message["Message-ID"] = f"<{row.message_id}>"
    message["Date"] = format_datetime(row.created_at)
    if row.in_reply_to:
        message["In-Reply-To"] = row.in_reply_to
    if row.references:
        message["References"] = row.references
    if row.auto_submitted:
        # RFC 3834: other responders must not answer this one.
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    message["X-Kefu-Ticket"] = row.ticket.number
    message.set_content(f"{_banner(row.ticket)}\n\n{row.body}")
    return message


def _banner(ticket: Ticket) -> str:
    """The customer's anti-phishing code (or how to set one) for the top of the mail: read
    when sending, so the code is never stored in the outbox and a changed code is used."""
    with override(ticket.language):
        return mail_banner(ticket.customer)


def send_outbound(outbound_id: int) -> str:
    """Send one queued mail. Returns its status afterwards ("queued" while sending is off or a
    retry is due later)."""
    server = config.smtp()
    if server is None:
        return OutboundStatus.QUEUED
    row = _claim(outbound_id)
    if row is None:
        return (
            OutboundMail.objects.filter(pk=outbound_id).values_list("status", flat=True).first()
            or ""
        )
    try:
        message = build_message(row)
        recipients = [row.to, *row.cc]
        with _connect(server) as smtp:
            smtp.send_message(
                message, from_addr=parseaddr(config.from_address())[1], to_addrs=recipients
            )
    except smtplib.SMTPRecipientsRefused as exc:
        return _failed(row, f"recipients refused: {exc.recipients}", final=True)
    except (smtplib.SMTPException, OSError) as exc:
        permanent = isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
        return _failed(row, f"{type(exc).__name__}: {exc}", final=permanent)
    OutboundMail.objects.filter(pk=row.pk).update(
        status=OutboundStatus.SENT, sent_at=now(), last_error=""
    )
    return OutboundStatus.SENT


def due_outbound(limit: int = 100) -> list[int]:
    """Rows to (re)try now: queued and due, or claimed by a worker that has since died."""
    at = now()
    queued = OutboundMail.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=at)
    stale = OutboundMail.objects.filter(
        status=OutboundStatus.SENDING, claimed_at__lt=at - CLAIM_TIMEOUT
    )
    return list((queued | stale).order_by("id").values_list("pk", flat=True)[:limit])


def send_due(limit: int = 100) -> dict[str, int]:
    """Send what is due; counts by resulting status."""
    counts: dict[str, int] = {}
    if config.smtp() is None:
        return counts
    for pk in due_outbound(limit):
        status = send_outbound(pk)
        counts[status] = counts.get(status, 0) + 1
    return counts


def _claim(outbound_id: int) -> OutboundMail | None:
    at = now()
    with transaction.atomic():
        row = (
            OutboundMail.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__customer")
            .filter(pk=outbound_id)
            .first()
        )
        if row is None:
            return None
        stale = row.status == OutboundStatus.SENDING and (
            row.claimed_at is None or row.claimed_at < at - CLAIM_TIMEOUT
        )
        if not (row.status == OutboundStatus.QUEUED and row.next_attempt_at <= at) and not stale:
            return None
        row.status = OutboundStatus.SENDING
        row.claimed_at = at
        row.attempts += 1
        row.save(update_fields=["status", "claimed_at", "attempts"])
    return row


def _failed(row: OutboundMail, error: str, *, final: bool) -> str:
    final = final or row.attempts >= MAX_ATTEMPTS
    status = OutboundStatus.FAILED if final else OutboundStatus.QUEUED
    delay = timedelta(seconds=min(3600, 30 * 2 ** (row.attempts - 1)))
    OutboundMail.objects.filter(pk=row.pk).update(
        status=status, last_error=error[:2000], next_attempt_at=now() + delay
    )
    logger.warning("outbound mail %s %s: %s", row.pk, status, error)
    return status


class _connect:
    """An SMTP session per the configuration, closed on exit."""

    def __init__(self, server: config.SmtpConfig) -> None:
        self.server = server
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> smtplib.SMTP:
        server = self.server
        if server.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=30, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=30)
            if server.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if server.user:
            smtp.login(server.user, server.password)
        self.smtp = smtp
        return smtp

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
