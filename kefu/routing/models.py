"""Queues, agents' presence and capacity, and the chats waiting for a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Skill, SupportLanguage, Team


class PriorityClass(models.IntegerChoices):
    """Served highest first; aging lifts a waiting chat by one class per aging interval."""

    NORMAL = 0, _("normal")
    VIP = 1, _("VIP")
    VIP_HIGH = 2, _("VIP, high tier")
    SECURITY = 3, _("security emergency")


class Queue(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE)
    language = models.CharField(_("language"), max_length=10, choices=SupportLanguage.choices)
    skill = models.ForeignKey(
        Skill,
        verbose_name=_("required skill"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("If set, only agents with this skill take chats from the queue."),
    )
    fallback = models.ForeignKey(
        "self",
        verbose_name=_("overflow queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overflow_after = models.PositiveIntegerField(
        _("overflow after (seconds)"),
        default=300,
        help_text=_("A chat waiting this long moves to the overflow queue."),
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["team", "language"], name="queue_team_language")
        ]

    def __str__(self) -> str:
        return self.name


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("online")
    AWAY = "away", _("away")
    OFFLINE = "offline", _("offline")


class Presence(models.Model):
    """An agent's availability. ``seen_at`` is refreshed while a console is connected, so a
    console that vanished (closed laptop, killed server) is noticed without a goodbye."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="presence",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PresenceStatus.choices, default="offline"
    )
    capacity = models.PositiveSmallIntegerField(_("concurrent chats"), default=3)
    idle_since = models.DateTimeField(
        _("idle since"), default=timezone.now, help_text=_("Longest idle is offered first.")
    )
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presence")

    def __str__(self) -> str:
        return f"{self.agent}: {self.status}"


class QueueEntry(models.Model):
    """A chat waiting for a person; deleted when it is assigned."""

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="entries"
    )
    priority_class = models.PositiveSmallIntegerField(
        _("priority class"), choices=PriorityClass.choices, default=PriorityClass.NORMAL
    )
    enqueued_at = models.DateTimeField(_("waiting since"), default=timezone.now, db_index=True)
    requeued = models.BooleanField(
        _("re-queued"), default=False, help_text=_("Lost its agent: served before anyone else.")
    )
    overflowed = models.BooleanField(_("overflowed"), default=False)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    estimate_seconds = models.FloatField(_("first wait estimate (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("queue entry")
        verbose_name_plural = _("queue entries")
        ordering = ["enqueued_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} in {self.queue_id}"
