"""What the assistant remembers of a conversation: its turns, the flow in progress, hand-over.

Live chat (the routing and connectors apps) attaches people to the same conversation; the
assistant only reads ``human_active`` to know it must stay silent.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Customer, SupportLanguage


class HandoffPriority(models.TextChoices):
    URGENT = "urgent", _("urgent")
    HIGH = "high", _("high")
    NORMAL = "normal", _("normal")


class Conversation(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistant_conversations",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=SupportLanguage.choices, default=SupportLanguage.EN
    )
    state = models.JSONField(
        _("state"), default=dict, blank=True, help_text=_("The flow in progress and its slots.")
    )
    failures = models.PositiveSmallIntegerField(_("unanswered messages"), default=0)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handoff_reason = models.CharField(_("hand-over reason"), max_length=40, blank=True)
    handoff_priority = models.CharField(
        _("hand-over priority"), max_length=10, choices=HandoffPriority.choices, blank=True
    )
    handoff_summary = models.JSONField(_("hand-over summary"), default=dict, blank=True)
    human_active = models.BooleanField(
        _("a person has taken over"),
        default=False,
        help_text=_("While set, the assistant stays silent in this conversation."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assistant conversation")
        verbose_name_plural = _("assistant conversations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.public_id)


class Turn(models.Model):
    class Role(models.TextChoices):
        CUSTOMER = "customer", _("customer")
        ASSISTANT = "assistant", _("assistant")

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="turns"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    text = models.TextField(_("text"), help_text=_("Secrets are masked before they are stored."))
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    intent = models.CharField(_("intent"), max_length=120, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    entities = models.JSONField(_("entities"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("turn")
        verbose_name_plural = _("turns")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"
