"""The case: a ticket holds what was said (messages) whatever the channel; a live chat is a
ticket whose channel is chat.

Messages are numbered per ticket without gaps (``seq``) so that a client can resume from the last
number it saw, and carry the sender's ``client_id`` so that a retried send is stored once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Customer, SupportLanguage, Team


class Channel(models.TextChoices):
    CHAT = "chat", _("live chat")
    EMAIL = "email", _("email")
    PORTAL = "portal", _("portal")
    TELEGRAM = "telegram", _("Telegram")
    API = "api", _("API")


class Status(models.TextChoices):
    NEW = "new", _("new")
    OPEN = "open", _("open")
    PENDING = "pending", _("pending")
    ON_HOLD = "on_hold", _("on hold")
    SOLVED = "solved", _("solved")
    CLOSED = "closed", _("closed")


class ChatState(models.TextChoices):
    ASSISTANT = "assistant", _("with the assistant")
    QUEUED = "queued", _("waiting for a person")
    ASSIGNED = "assigned", _("with a person")
    ENDED = "ended", _("ended")


class Priority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class Resolution(models.TextChoices):
    SOLVED = "solved", _("solved")
    ANSWERED = "answered", _("question answered")
    DUPLICATE = "duplicate", _("duplicate")
    NO_RESPONSE = "no_response", _("customer did not respond")
    TRANSFERRED_TO_TICKET = "transferred_to_ticket", _("continued as a ticket")
    ABANDONED = "abandoned", _("customer left the queue")
    OTHER = "other", _("other")


class Ticket(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="new")
    chat_state = models.CharField(
        _("chat state"), max_length=10, choices=ChatState.choices, blank=True
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    language = models.CharField(
        _("language"), max_length=10, choices=SupportLanguage.choices, default=SupportLanguage.EN
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    conversation = models.OneToOneField(
        "assistant.Conversation",
        verbose_name=_("assistant conversation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    last_seq = models.PositiveIntegerField(_("last message number"), default=0)
    customer_delivered_seq = models.PositiveIntegerField(default=0)
    customer_read_seq = models.PositiveIntegerField(default=0)
    agent_delivered_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    resolution = models.CharField(
        _("resolution"), max_length=30, choices=Resolution.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("chat ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"K{self.pk:06d}"


class Author(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    ASSISTANT = "assistant", _("assistant")
    AGENT = "agent", _("agent")
    SYSTEM = "system", _("system")


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField(_("number"))
    author = models.CharField(_("author"), max_length=10, choices=Author.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    internal = models.BooleanField(_("internal note"), default=False)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    attachment = models.ForeignKey(
        Attachment, verbose_name=_("attachment"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["ticket", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["ticket", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket}#{self.seq}"


class SatisfactionRating(models.Model):
    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")

    def __str__(self) -> str:
        return f"{self.ticket}: {self.score}"


class CannedReply(models.Model):
    """A prepared answer; ``{customer_name}``, ``{agent_name}``, ``{ticket_number}`` are filled."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"))
    language = models.CharField(
        _("language"), max_length=10, choices=SupportLanguage.choices, default=SupportLanguage.EN
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
