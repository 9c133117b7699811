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


class Kind(models.TextChoices):
    REQUEST = "request", _("request")
    COMPLAINT = "complaint", _("complaint")


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
    # Indexes cost every write of this wide, often updated row (a row update the scan or a
    # reply makes rewrites each index entry), so a column has one only where a query needs it:
    # customer lookups use (customer, status); assignees, merges and duplicates are looked up
    # by value only, so their indexes leave out the (many) empty ones.
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
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
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REQUEST)
    category = models.CharField(_("category"), max_length=40, blank=True)
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    requester_email = models.EmailField(_("requester email"), blank=True)
    cc = models.JSONField(_("CC"), default=list, blank=True)
    requested_priority = models.CharField(
        _("requested priority"), max_length=10, choices=Priority.choices, blank=True
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
        db_index=False,
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
        db_index=False,
    )
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
        db_index=False,
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
    # While a chat waits: when a process last had a socket of its customer (see routing).
    customer_seen_at = models.DateTimeField(_("customer last seen at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    awaiting_agent_since = models.DateTimeField(
        _("waiting for an agent since"), null=True, blank=True
    )
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # SLA clocks: deadlines, moved forward by pauses; ``next_breach_at`` is the earliest running
    # one so that lists sort by time to breach and the scanner reads one index.
    sla_policy = models.ForeignKey(
        "SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # only deleting a policy looks tickets up by it
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    next_breach_at = models.DateTimeField(_("next breach at"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("SLA paused at"), null=True, blank=True)
    sla_warned = models.JSONField(_("SLA clocks warned"), default=list, blank=True)
    sla_breached = models.JSONField(_("SLA clocks breached"), default=list, blank=True)
    # When the resolution clock (re)started, and the pauses since ([start, end] ISO pairs), so a
    # new priority can recompute deadlines from their start; and when the scanner next has to
    # warn or breach (the one column it reads).
    sla_started_at = models.DateTimeField(_("SLA started at"), null=True, blank=True)
    sla_pauses = models.JSONField(_("SLA pauses"), default=list, blank=True)
    sla_next_check_at = models.DateTimeField(_("next SLA check at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["next_breach_at"], name="ticket_next_breach"),
            models.Index(fields=["sla_next_check_at", "id"], name="ticket_sla_next_check"),
            models.Index(fields=["customer", "status"], name="ticket_customer_status"),
            # Exact matches only (addresses are stored lower-cased): no pattern-ops twin.
            models.Index(fields=["requester_email"], name="ticket_requester_email"),
            models.Index(
                fields=["assignee"], condition=Q(assignee__isnull=False), name="ticket_assignee"
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="ticket_merged_into",
            ),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="ticket_duplicate_of",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return ticket_number(self.pk)


def ticket_number(pk: int) -> str:
    """The number customers quote ("K000123")."""
    return f"K{pk:06d}"


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
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
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
        indexes = [
            # A retried portal or API submission is found by its client id before a ticket
            # exists to scope the search.
            models.Index(fields=["client_id"], condition=~Q(client_id=""), name="message_client_id")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_number}#{self.seq}"

    @property
    def ticket_number(self) -> str:
        return ticket_number(self.ticket_id)


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


class BusinessHours(models.Model):
    """When a team works, for SLA clocks that only run in working time. ``week`` maps ISO
    weekday numbers ("1" = Monday) to lists of ["HH:MM", "HH:MM"] intervals in ``timezone``."""

    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    week = models.JSONField(_("weekly hours"), default=dict)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Targets for one kind of ticket; the most specific matching policy applies (see sla)."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    min_vip_tier = models.PositiveSmallIntegerField(_("minimum VIP tier"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"))
    warn_before_minutes = models.PositiveIntegerField(_("warn before breach (minutes)"), default=15)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE
    )
    business_hours = models.ForeignKey(
        BusinessHours,
        verbose_name=_("business hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Empty: the clock runs 24/7."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
