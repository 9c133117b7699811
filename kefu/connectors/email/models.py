"""What the email channel remembers: where each mailbox was read up to, every mail received (once,
by Message-ID, with its raw bytes), which Message-IDs belong to which ticket, and the outbox."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import Ticket


class MailboxState(models.Model):
    """How far a mailbox has been read. UIDs only mean something within one UIDVALIDITY: when the
    server changes it (the folder was recreated) reading starts again from the first UID, and the
    Message-ID key of :class:`InboundMail` keeps what was already taken from being taken twice."""

    key = models.CharField(_("mailbox"), max_length=300, unique=True)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), default=0)
    last_uid = models.BigIntegerField(_("last UID read"), default=0)
    polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.key


class InboundStatus(models.TextChoices):
    OPENED = "opened", _("opened a ticket")
    APPENDED = "appended", _("added to a ticket")
    RATE_LIMITED = "rate_limited", _("added to a ticket (sender over the limit)")
    IGNORED = "ignored", _("ignored (automatic mail)")
    FAILED = "failed", _("kept, not processed")


class InboundMail(models.Model):
    """One mail received, whatever became of it. Written in the same transaction as the ticket
    or message it produced, so a crash before the commit leaves nothing and the retry does it
    all; the unique Message-ID makes any second delivery or re-read a no-op."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    mailbox = models.CharField(_("mailbox"), max_length=300, blank=True)
    uid = models.BigIntegerField(_("UID"), null=True, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=InboundStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mails",
    )
    message_seq = models.PositiveIntegerField(_("message number"), null=True, blank=True)
    raw = models.BinaryField(_("raw mail"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mail")
        ordering = ["-id"]
        indexes = [models.Index(fields=["sender", "status", "received_at"], name="inbound_rate")]

    def __str__(self) -> str:
        return self.message_id


class ThreadLink(models.Model):
    """A Message-ID we received or sent for a ticket: replies name it in In-Reply-To or
    References, which is how they find their ticket."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="mail_ids"
    )
    outbound = models.BooleanField(_("sent by us"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("mail thread link")
        verbose_name_plural = _("mail thread links")

    def __str__(self) -> str:
        return f"{self.message_id} → {self.ticket_id}"


class OutboundKind(models.TextChoices):
    ACKNOWLEDGEMENT = "ack", _("acknowledgement")
    REPLY = "reply", _("reply")
    NOTIFICATION = "notification", _("notification")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboundMail(models.Model):
    """A mail to send. Its Message-ID is fixed when it is queued, so a retry after a lost answer
    from the SMTP server is the same mail (receivers drop the copy), and one row is one mail:
    acknowledgements are unique per ticket and replies per ticket message."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="outbound_mails"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutboundKind.choices)
    message_seq = models.PositiveIntegerField(_("message number"), null=True, blank=True)
    to = models.CharField(_("to"), max_length=254)
    cc = models.JSONField(_("CC"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    auto_submitted = models.BooleanField(_("automatic"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboundStatus.choices,
        default=OutboundStatus.QUEUED,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound mail")
        verbose_name_plural = _("outbound mail")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=models.Q(kind="ack"),
                name="outbound_one_ack_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["ticket", "message_seq"],
                condition=models.Q(message_seq__isnull=False),
                name="outbound_one_mail_per_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.to} {self.subject}"
