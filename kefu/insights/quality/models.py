"""Models of quality review: the rubric supervisors score on, and the reviews themselves.

A review keeps a copy of the criteria it was scored on (``criteria``, with the rubric's version),
so editing the rubric later never changes an old score or what it meant.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import Ticket


class Rubric(models.Model):
    """A named set of weighted criteria. Exactly one is active: new reviews are scored on it."""

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(
        _("active"), default=False, help_text=_("New reviews are scored on the active rubric.")
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Goes up when its criteria change.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("quality rubric")
        verbose_name_plural = _("quality rubrics")
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="quality_one_active_rubric"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def validate_constraints(self, exclude: Any = None) -> None:
        # Not a form error: activating one rubric deactivates the others (rubrics.activate).
        super().validate_constraints(exclude={*(exclude or ()), "is_active"})


class Criterion(models.Model):
    """One thing a reviewer scores, from ``scale_min`` (worst) to ``scale_max`` (best); its
    weight is its share of the total."""

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("rubric"), on_delete=models.CASCADE, related_name="criteria"
    )
    key = models.SlugField(_("key"), max_length=40, help_text=_("Stable id, e.g. security."))
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh_hans = models.CharField(_("label (Chinese)"), max_length=100, blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    guidance_zh_hans = models.TextField(_("guidance (Chinese)"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1)]
    )
    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=0)
    scale_max = models.PositiveSmallIntegerField(
        _("highest score"), default=4, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "key"], name="quality_criterion_key_unique"),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")), name="quality_criterion_scale"
            ),
        ]

    def __str__(self) -> str:
        return self.label_en

    def snapshot(self) -> dict[str, Any]:
        """What a review keeps of this criterion."""
        return {
            "key": self.key,
            "label_en": self.label_en,
            "label_zh_hans": self.label_zh_hans,
            "guidance_en": self.guidance_en,
            "guidance_zh_hans": self.guidance_zh_hans,
            "weight": self.weight,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
        }


def criterion_text(snapshot: dict[str, Any], field: str, language: str | None = None) -> str:
    """A snapshot's label or guidance in the current language, English when untranslated."""
    language = (language or get_language() or "en").lower()
    if language.startswith("zh") and snapshot.get(f"{field}_zh_hans"):
        return str(snapshot[f"{field}_zh_hans"])
    return str(snapshot.get(f"{field}_en", snapshot.get("key", "")))


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("scored")


class SampleReason(models.TextChoices):
    LOW_CSAT = "low_csat", _("low satisfaction")
    COMPLAINT = "complaint", _("complaint or escalation")
    LONG_HANDLE = "long_handle", _("long handle time")
    RANDOM = "random", _("random")


class Review(models.Model):
    """One conversation of one agent, sampled for review and, once scored, its scores."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="reviews"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent reviewed"),
        on_delete=models.CASCADE,
        related_name="quality_reviews",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_reviews_given",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reason = models.CharField(
        _("why sampled"), max_length=20, choices=SampleReason.choices, default=SampleReason.RANDOM
    )
    # When the conversation ended (chat) or was solved (ticket): the period it is sampled for.
    handled_at = models.DateTimeField(_("conversation ended at"), db_index=True)
    rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("rubric"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    rubric_version = models.PositiveIntegerField(_("rubric version"), null=True, blank=True)
    criteria = models.JSONField(_("criteria scored on"), default=list, blank=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    total = models.DecimalField(
        _("weighted total (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("sampled at"), default=timezone.now)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent"], name="quality_review_unique"),
        ]
        indexes = [models.Index(fields=["agent", "status", "scored_at"], name="quality_agent")]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.agent}"
