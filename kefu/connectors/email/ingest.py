"""One received mail in, one outcome out: a new ticket, a message on an existing one, or a note
that it was a machine's mail and was ignored. Both the IMAP poller and the SMTP listener come here.

Exactly once: the :class:`InboundMail` row, keyed by Message-ID, is written in the transaction
that writes the ticket or message, so a mail read twice (a restart, two pollers, two mailboxes
it was sent to) is processed once. Nothing is lost: a mail that cannot be processed is kept,
raw, as a failed row for a person to look at.

Threading follows In-Reply-To and References to a ticket we received or sent mail for, then the
``[#K000123]`` subject tag — but a mail only joins a ticket whose requester or CC list has its
sender. Anyone else who knows a ticket number or a Message-ID gets a new ticket of their own.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.accounts.models import Customer
from kefu.assistant.language import detect_language, reply_language
from kefu.clock import now
from kefu.errors import ApiError
from kefu.tickets.actions import post_message
from kefu.tickets.attachments import store_attachment
from kefu.tickets.duplicates import OPEN_STATUSES
from kefu.tickets.models import Author, Channel, Ticket
from kefu.tickets.opening import MAX_CC, MAX_SUBJECT, open_ticket
from kefu.tickets.workflow import customer_reply
from kefu.trust.crypto import lookup_hash
from kefu.trust.masking import Redactor, without_secrets

from . import config, signals
from .charsets import decode_bytes
from .models import InboundMail, InboundStatus, OutboundMail, ThreadLink
from .outbound import queue_acknowledgement
from .parsing import ParsedMail, parse_mail

logger = logging.getLogger(__name__)

TAG = re.compile(r"\[#K(\d{6,12})\]", re.IGNORECASE)
REPLY_PREFIX = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|sv|回复|回覆|答复|转发)\s*[:：]\s*)+", re.IGNORECASE
)
MERGE_HOPS = 5
TOGETHER = 50  # mails per transaction


@dataclass(frozen=True)
class Ingested:
    mail: InboundMail
    created: bool  # False: this Message-ID was already processed


def ingest(
    raw: bytes, *, mailbox: str = "", uid: int | None = None, envelope_sender: str | None = None
) -> Ingested:
    """Process ``raw`` once. Database outages propagate (the caller retries the same mail
    later); anything else wrong with the mail leaves it stored as failed."""
    return ingest_many([(uid, raw)], mailbox=mailbox, envelope_sender=envelope_sender)[0]


def ingest_many(
    items: Sequence[tuple[int | None, bytes]],
    *,
    mailbox: str = "",
    envelope_sender: str | None = None,
) -> list[Ingested]:
    """:func:`ingest` for a batch of (UID, raw mail), in order. What is looked up per sender
    (seen before? customer? tickets this hour?) is read once for the batch, so a mail costs
    little more than the rows it writes.

    Mails are written :data:`TOGETHER` to a transaction (a commit per mail cost more than the
    mail's own rows on PostgreSQL). Exactly once still holds: each mail's ``InboundMail`` row
    commits with its ticket or message, and a crash loses the whole uncommitted group, which is
    read again. If anything in a group fails (a bad mail, a Message-ID another worker stored
    first), the group is rolled back and its mails go one transaction each, as before."""
    parsed: list[tuple[int | None, bytes, ParsedMail | None]] = []
    for uid, raw in items:
        try:
            parsed.append((uid, raw, parse_mail(raw, envelope_sender=envelope_sender)))
        except Exception:  # the parser tolerates bad mail; this is a last resort
            logger.exception("unparseable mail from %s uid %s", mailbox, uid)
            parsed.append((uid, raw, None))
    lookups = _Lookups([mail for _uid, _raw, mail in parsed if mail is not None])
    results: list[Ingested] = []
    for start in range(0, len(parsed), TOGETHER):
        group = parsed[start : start + TOGETHER]
        together = _ingest_together(group, mailbox, lookups) if len(group) > 1 else None
        if together is not None:
            results += together
            continue
        for uid, raw, mail in group:
            if mail is None:
                failed = _keep_failed(_unread(raw), raw, mailbox, uid, ValueError("unparseable"))
                results.append(failed)
            else:
                results.append(_ingest_one(mail, raw, mailbox, uid, lookups))
    return results


class _Pending:
    """Rows a group writes in one statement each at its end (in its transaction): the
    ``InboundMail`` rows, whose Message-IDs are unique, and the links of mails that joined a
    ticket, which later mails of the group already thread on."""

    def __init__(self) -> None:
        self.rows: list[InboundMail] = []
        self.links: dict[str, Ticket] = {}
        self.outbound: list[OutboundMail | ThreadLink] = []  # acknowledgements, their links

    def write(self) -> None:
        InboundMail.objects.bulk_create(self.rows)
        mails = [o for o in self.outbound if isinstance(o, OutboundMail)]
        OutboundMail.objects.bulk_create(mails)
        links = [o for o in self.outbound if isinstance(o, ThreadLink)]
        linked = {link.message_id for link in links}
        links += [
            ThreadLink(message_id=m, ticket=t) for m, t in self.links.items() if m not in linked
        ]
        ThreadLink.objects.bulk_create(links, ignore_conflicts=True)
        for mail in mails:
            if mail.pk is not None:
                signals.acknowledged(mail.ticket_id, mail.pk)


class _Retry(Exception):
    """A group cannot be written in one transaction: write its mails one by one."""


def _ingest_together(
    group: Sequence[tuple[int | None, bytes, ParsedMail | None]], mailbox: str, lookups: _Lookups
) -> list[Ingested] | None:
    """The group's mails in one transaction, or None (nothing written) if any of them failed."""
    processed, opened = dict(lookups.processed), dict(lookups.opened)
    results = []
    pending = _Pending()
    try:
        with transaction.atomic():
            for uid, raw, mail in group:
                if mail is None:
                    raise _Retry
                existing = lookups.processed.get(mail.message_id)
                if existing is not None:
                    results.append(Ingested(existing, False))
                    continue
                row = _process(mail, raw, mailbox, uid, lookups, pending)
                _remember(row, lookups)
                results.append(Ingested(row, True))
            pending.write()
    except Exception as exc:
        lookups.processed, lookups.opened = processed, opened
        if isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError):
            raise  # an outage: the caller reads the group again later
        if not isinstance(exc, _Retry):
            logger.debug("mails of %s go one by one after %r", mailbox, exc)
        return None
    return results


def _ingest_one(
    mail: ParsedMail, raw: bytes, mailbox: str, uid: int | None, lookups: _Lookups
) -> Ingested:
    existing = lookups.processed.get(mail.message_id)
    if existing is not None:
        return Ingested(existing, False)
    try:
        with transaction.atomic():
            row = _process(mail, raw, mailbox, uid, lookups)
    except IntegrityError:
        existing = InboundMail.objects.filter(message_id=mail.message_id).first()
        if existing is not None:  # another worker took it first, or it came twice in a batch
            return Ingested(existing, False)
        raise
    except DatabaseError:
        raise
    except Exception as exc:
        logger.exception("mail %s from %s could not be processed", mail.message_id, mailbox)
        return _keep_failed(mail, raw, mailbox, uid, exc)
    _remember(row, lookups)
    return Ingested(row, True)


def _remember(row: InboundMail, lookups: _Lookups) -> None:
    if row.status == InboundStatus.OPENED:
        lookups.opened[row.sender] = lookups.opened.get(row.sender, 0) + 1
    lookups.processed[row.message_id] = row


class _Lookups:
    """Per-batch answers: mails already processed (by Message-ID), customers by address,
    tickets each sender opened by email in the last hour, and which senders and customers have
    an open ticket a new one could repeat (all kept up to date as the batch goes)."""

    def __init__(self, mails: Sequence[ParsedMail]) -> None:
        ids = [m.message_id for m in mails]
        self.processed: dict[str, InboundMail] = {}
        for start in range(0, len(ids), 500):
            for row in InboundMail.objects.filter(message_id__in=ids[start : start + 500]).defer(
                "raw"
            ):
                self.processed[row.message_id] = row
        senders = sorted({m.sender for m in mails if m.sender and not m.automatic})
        self.customers: dict[str, Customer] = {}
        self.opened: dict[str, int] = {}
        for start in range(0, len(senders), 500):
            chunk = senders[start : start + 500]
            # Addresses are encrypted: customers are found by the keyed hash of the address.
            hashes = {lookup_hash("email", sender): sender for sender in chunk}
            for customer in Customer.objects.filter(email_lookup__in=list(hashes)).order_by("-pk"):
                self.customers[hashes[customer.email_lookup]] = customer  # the oldest wins
            recent = (
                InboundMail.objects.filter(
                    sender__in=chunk,
                    status=InboundStatus.OPENED,
                    received_at__gte=now() - timedelta(hours=1),
                )
                .values("sender")
                .annotate(count=Count("id"))
            )
            self.opened.update({r["sender"]: r["count"] for r in recent})
        self.with_open: set[str | int] = set()  # addresses and customer ids
        customer_ids = [customer.pk for customer in self.customers.values()]
        for start in range(0, max(len(senders), len(customer_ids)), 500):
            who = Q(requester_email__in=senders[start : start + 500])
            who |= Q(customer_id__in=customer_ids[start : start + 500])
            for email, customer_id in Ticket.objects.filter(
                who, status__in=OPEN_STATUSES, merged_into__isnull=True
            ).values_list("requester_email", "customer_id"):
                self.with_open.add(email)
                if customer_id is not None:
                    self.with_open.add(customer_id)

    def may_repeat(self, sender: str, customer: Customer | None) -> bool:
        """Whether a ticket opened now could repeat one of the requester's open tickets (see
        :func:`~kefu.tickets.duplicates.find_duplicate`, which looks them up by the same
        address or customer)."""
        return sender.lower() in self.with_open or (
            customer is not None and customer.pk in self.with_open
        )

    def note_open(self, ticket: Ticket) -> None:
        self.with_open.add(ticket.requester_email)
        if ticket.customer_id is not None:
            self.with_open.add(ticket.customer_id)


def sender_may_reply(ticket: Ticket, sender: str) -> bool:
    """The security rule: only the requester or someone on the ticket's CC list."""
    sender = sender.strip().lower()
    if not sender:
        return False
    return sender == ticket.requester_email.strip().lower() or sender in {
        a.strip().lower() for a in ticket.cc
    }


def find_ticket(
    mail: ParsedMail, pending: dict[str, Ticket] | None = None
) -> tuple[Ticket | None, str]:
    """The ticket this mail continues, and the number of one it named but may not join.
    ``pending``: links written but not yet stored (Message-ID to ticket)."""
    candidates: list[Ticket] = []
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    if ids:
        links = {
            link.message_id: link.ticket
            for link in ThreadLink.objects.filter(message_id__in=ids[:50]).select_related("ticket")
        }
        if pending:
            links.update({i: pending[i] for i in ids[:50] if i in pending and i not in links})
        candidates += [links[i] for i in ids if i in links]
    if match := TAG.search(mail.subject):
        tagged = Ticket.objects.filter(pk=int(match.group(1))).first()
        if tagged is not None:
            candidates.append(tagged)
    refused = ""
    for candidate in candidates:
        ticket = _current(candidate)
        if sender_may_reply(ticket, mail.sender):
            return ticket, ""
        refused = refused or ticket.number
    return None, refused


def _process(
    mail: ParsedMail,
    raw: bytes,
    mailbox: str,
    uid: int | None,
    lookups: _Lookups,
    pending: _Pending | None = None,
) -> InboundMail:
    """Write what ``mail`` makes; its own row and link go to ``pending`` when given."""
    at = now()
    mail, masked = _without_secrets(mail)
    row = InboundMail(
        message_id=mail.message_id,
        mailbox=mailbox,
        uid=uid,
        sender=mail.sender,
        subject=mail.subject[:300],
        # The raw mail holds what was masked: it is not kept (it only serves to retry).
        raw=b"" if masked else raw,
        received_at=at,
    )
    if mail.automatic or mail.sender in config.own_addresses():
        row.status = InboundStatus.IGNORED
        row.reason = (mail.automatic or "sent by the desk itself")[:200]
        _save(row, pending)
        return row
    ticket, refused = find_ticket(mail, pending.links if pending is not None else None)
    text = _message_text(mail)
    if ticket is not None:
        message = customer_reply(ticket, text=text, channel=Channel.EMAIL, masked=masked)
        ticket, row.message_seq = message.ticket, message.seq  # a follow-up if it was closed
        row.status = InboundStatus.APPENDED
    else:
        if refused:
            row.reason = f"sender is not on {refused}"
        ticket, row.message_seq, row.status = _open_or_append(
            mail, text, lookups, masked, grouped=pending is not None
        )
    row.ticket = ticket
    _store_files(ticket, mail)
    _save(row, pending)
    if row.status == InboundStatus.OPENED:
        # Threaded on the mail's own id only: what else it references may be another
        # customer's thread. This also links the mail's id to the ticket.
        ack = queue_acknowledgement(
            ticket,
            answering=(mail.message_id, [mail.message_id]),
            masked=masked,
            collect=pending.outbound if pending is not None else None,
        )
        if pending is not None and ack is not None:
            pending.links[mail.message_id] = ticket  # for later mails of the group
        elif ack is not None:
            signals.acknowledged(ticket.pk, ack.pk)
    else:
        # New to InboundMail, so new here too (unless it is an id we made: ignore_conflicts).
        if pending is not None:
            pending.links.setdefault(mail.message_id, ticket)
        else:
            ThreadLink.objects.bulk_create(
                [ThreadLink(message_id=mail.message_id, ticket=ticket)], ignore_conflicts=True
            )
    return row


def _save(row: InboundMail, pending: _Pending | None) -> None:
    if pending is not None:
        pending.rows.append(row)
    else:
        row.save()


def _without_secrets(mail: ParsedMail) -> tuple[ParsedMail, list[str]]:
    """The mail with secrets masked in its subject, text and file names, and the kinds found
    there or in an HTML alternative that is not otherwise read."""
    redactor = Redactor()
    clean = replace(
        mail,
        subject=redactor.mask(mail.subject),
        text=redactor.mask(mail.text),
        files=[replace(file, name=redactor.mask(file.name)) for file in mail.files],
        unused_html=[],
    )
    for source in mail.unused_html:
        redactor.mask(html.unescape(re.sub(r"<[^>]*>", " ", source)))
    return clean, redactor.kinds


def _open_or_append(
    mail: ParsedMail, text: str, lookups: _Lookups, masked: Sequence[str], *, grouped: bool
) -> tuple[Ticket, int, str]:
    """A new ticket, unless the sender has opened too many this hour: then the mail goes on
    their latest ticket, unacknowledged (a flood, or a loop with a responder we did not spot).
    ``grouped``: in a group's transaction, which any error undoes whole."""
    limit = settings.KEFU_EMAIL_TICKETS_PER_HOUR
    opened = lookups.opened.get(mail.sender, 0)
    if opened >= limit:
        latest = (
            Ticket.objects.filter(requester_email=mail.sender.lower(), merged_into__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if latest is not None:
            message = customer_reply(latest, text=text, channel=Channel.EMAIL, masked=masked)
            return message.ticket, message.seq, InboundStatus.RATE_LIMITED
    customer = lookups.customers.get(mail.sender)
    language = reply_language(
        detect_language(f"{mail.subject}\n{text[:500]}"), customer.language if customer else None
    )
    subject = REPLY_PREFIX.sub("", TAG.sub("", mail.subject)).strip()[:MAX_SUBJECT]
    result = open_ticket(
        channel=Channel.EMAIL,
        subject=subject,
        text=text,
        customer=customer,
        requester_email=mail.sender,
        cc=_cc(mail),
        language=language,
        masked=masked,
        may_repeat=lookups.may_repeat(mail.sender, customer),
        savepoint=not grouped,
    )
    lookups.note_open(result.ticket)
    status = InboundStatus.OPENED if opened < limit else InboundStatus.RATE_LIMITED
    return result.ticket, 1, status  # the opening message is always number 1


def _message_text(mail: ParsedMail) -> str:
    text = mail.text.strip()
    if not text:
        text = _("(email without text)") if not mail.files else _("(attachments only)")
    limit = settings.KEFU_TICKET_MAX_MESSAGE - 100
    if len(text) > limit:
        text = text[:limit] + "\n\n" + _("[shortened; the whole email is kept]")
    return text


def _cc(mail: ParsedMail) -> list[str]:
    own = config.own_addresses()
    found: list[str] = []
    for address in [*mail.to, *mail.cc]:
        if address in own or address == mail.sender or address in found:
            continue
        try:
            validate_email(address)
        except ValidationError:
            continue
        found.append(address)
    return found[:MAX_CC]


def _store_files(ticket: Ticket, mail: ParsedMail) -> None:
    """Keep what the ticket accepts; a refused file (too large, not an image or PDF, an
    executable renamed .png) is named in a note on the ticket instead."""
    refused: list[tuple[str, str]] = []
    for file in mail.files:
        try:
            with transaction.atomic():
                attachment = store_attachment(ticket, file.name, file.data)
                post_message(
                    ticket,
                    author=Author.CUSTOMER,
                    text=attachment.name,
                    channel=Channel.EMAIL,
                    attachment=attachment,
                    kind="attachment",
                )
        except ApiError as exc:
            refused.append((file.name, exc.code))
    if not refused:
        return
    with override(ticket.language):
        reasons = {
            "attachment_too_large": _("too large"),
            "attachment_type": _("only images and PDF documents are accepted"),
            "attachment_dimensions": _("the image is too large"),
            "attachment_empty": _("the file is empty"),
        }
        lines = [_("Some attachments of this email were not kept:")]
        lines += [
            f"- {name}: {reasons.get(code, _('the file could not be read'))}"
            for name, code in refused
        ]
    post_message(
        ticket,
        author=Author.SYSTEM,
        text="\n".join(lines),
        channel=Channel.EMAIL,
        kind="attachment_refused",
    )


def _current(ticket: Ticket) -> Ticket:
    """Follow merges to the ticket that carries on the case."""
    for _hop in range(MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        target = Ticket.objects.filter(pk=ticket.merged_into_id).first()
        if target is None:
            break
        ticket = target
    return ticket


def _keep_failed(
    mail: ParsedMail, raw: bytes, mailbox: str, uid: int | None, exc: Exception
) -> Ingested:
    reason = without_secrets(f"{type(exc).__name__}: {exc}")[:200]
    try:
        with transaction.atomic():
            row = InboundMail.objects.create(
                message_id=mail.message_id,
                mailbox=mailbox,
                uid=uid,
                sender=mail.sender,
                subject=without_secrets(mail.subject)[:300],
                status=InboundStatus.FAILED,
                reason=reason,
                raw=raw,
                received_at=now(),
            )
    except IntegrityError:
        return Ingested(InboundMail.objects.get(message_id=mail.message_id), False)
    return Ingested(row, True)


def _unread(raw: bytes) -> ParsedMail:
    return ParsedMail(
        message_id=f"sha256.{hashlib.sha256(raw).hexdigest()}@kefu.invalid",
        synthetic_id=True,
        sender="",
        sender_name="",
        subject="",
        text=decode_bytes(raw[:2000]),
    )


def retry_failed(row: InboundMail) -> Ingested:
    """Process a mail kept as failed again (after the cause was fixed), from its raw bytes."""
    if row.status != InboundStatus.FAILED:
        return Ingested(row, False)
    raw, mailbox, uid = bytes(row.raw), row.mailbox, row.uid
    with transaction.atomic():
        InboundMail.objects.filter(pk=row.pk, status=InboundStatus.FAILED).delete()
        return ingest(raw, mailbox=mailbox, uid=uid)
