"""What the Telegram connector remembers: who wrote to the bot (and which exchange account, if
any, they proved is theirs), which conversation each private chat is in, which updates were
already taken in, the one-time codes that link an account, and the outbox of what the bot says.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu import clock
from kefu.accounts.models import Customer
from kefu.tickets.models import Attachment, Message, Ticket
from kefu.trust.fields import EncryptedCharField


class TelegramContact(models.Model):
    """A Telegram user who wrote to the bot in private. Not an exchange customer until they
    link their account with a one-time code from the exchange (see :mod:`.linking`): until
    then the assistant treats them as an anonymous visitor, so no account data reaches them."""

    user_id = models.BigIntegerField(_("Telegram user id"), unique=True)
    chat_id = models.BigIntegerField(_("private chat id"))
    username = EncryptedCharField(_("username"), max_length=64, blank=True)
    first_name = EncryptedCharField(_("first name"), max_length=200, blank=True)
    language_code = models.CharField(_("Telegram language"), max_length=16, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("linked customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="telegram_contacts",
    )
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("blocked the bot at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("Telegram contact")
        verbose_name_plural = _("Telegram contacts")

    def __str__(self) -> str:
        return f"tg:{self.user_id}"


class TelegramConversation(models.Model):
    """The private chat a ticket's public messages are sent to."""

    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="telegram",
    )
    contact = models.ForeignKey(
        TelegramContact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="conversations",
    )
    chat_id = models.BigIntegerField(_("chat id"), db_index=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("Telegram conversation")
        verbose_name_plural = _("Telegram conversations")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.chat_id}"


class UpdateStatus(models.TextChoices):
    PROCESSED = "processed", _("processed")
    IGNORED = "ignored", _("ignored")
    FAILED = "failed", _("kept, not processed")


class ProcessedUpdate(models.Model):
    """One webhook update taken in. Telegram delivers an update again until it is acknowledged
    (and a slow answer counts as none), so the row is written in the transaction that does the
    update's work and its unique key makes every later delivery a no-op. What the user wrote is
    not kept here (it is on the ticket, masked), except for an update that failed."""

    bot_id = models.BigIntegerField(_("bot id"))
    update_id = models.BigIntegerField(_("update id"))
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    chat_id = models.BigIntegerField(_("chat id"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=UpdateStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Only for a failed update, masked, so that it can be processed again once fixed.
    raw = models.TextField(_("update (masked)"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=clock.now)

    class Meta:
        verbose_name = _("Telegram update")
        verbose_name_plural = _("Telegram updates")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["bot_id", "update_id"], name="telegram_update_once")
        ]

    def __str__(self) -> str:
        return f"{self.update_id} {self.kind} {self.status}"


class LinkCode(models.Model):
    """A one-time code that ties a Telegram user to an exchange account: made when the
    exchange sends its signed-in user to the link URL, used by ``/start link-<code>`` in the
    private chat. Only its hash is stored."""

    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        TelegramContact,
        verbose_name=_("used by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("Telegram link code")
        verbose_name_plural = _("Telegram link codes")

    def __str__(self) -> str:
        return f"{self.customer_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboundMessage(models.Model):
    """One Bot API call to make: a part of a reply (a long one is split), a file, a group
    answer. Written before anything is sent — for a ticket's message in the transaction that
    stores the message — and sent in order per chat by a background job, retried with back-off;
    429 waits ``retry_after``; 400 and 403 end it as failed with Telegram's reason."""

    chat_id = models.BigIntegerField(_("chat id"))
    method = models.CharField(_("method"), max_length=40)
    payload = models.JSONField(_("parameters"), default=dict)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="telegram_outbound",
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    part = models.PositiveSmallIntegerField(_("part"), default=0)
    attachment = models.ForeignKey(
        Attachment,
        verbose_name=_("attachment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Notices that are not messages (the end of a chat) are sent once per ticket and key.
    key = models.CharField(_("key"), max_length=40, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OutboundStatus.choices,
        default=OutboundStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=clock.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    error_code = models.IntegerField(_("error code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    telegram_message_id = models.BigIntegerField(_("Telegram message id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram outbound message")
        verbose_name_plural = _("Telegram outbound messages")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="telegram_out_due"),
            models.Index(fields=["chat_id", "status"], name="telegram_out_chat"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "part"],
                condition=models.Q(message__isnull=False),
                name="telegram_out_once_per_part",
            ),
            models.UniqueConstraint(
                fields=["ticket", "key"],
                condition=~models.Q(key=""),
                name="telegram_out_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} → {self.chat_id} ({self.status})"
