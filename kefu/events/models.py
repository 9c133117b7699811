"""The audit trail: one row per state change, written by action services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImmutableHistory(PermissionError):
    """Raised on an attempt to change or delete a row of an append-only history (events, access
    records, sign-in records): the audit trail is written once."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableHistory(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableHistory(f"{self.model._meta.verbose_name_plural} cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A history row: inserted once, then never updated or deleted, one by one or in bulk."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableHistory(f"{self._meta.verbose_name_plural} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableHistory(f"{self._meta.verbose_name_plural} cannot be deleted.")


class Event(AppendOnlyModel):
    """Something that changed, who changed it and what it was about.

    Events are append-only. Metrics, notifications and audit views are derived from them.
    """

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}:{self.subject_id}"
