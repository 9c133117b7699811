"""Models of the insights app: the contact history the forecast reads.

Forecasting needs a long, regular series (contacts per 30 minutes), not a query over every
ticket ever opened; a job rolls tickets up into it as intervals end, and the demo writes months
of generated history before its first ticket so a fresh desk has something to forecast from.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactSource(models.TextChoices):
    ROLLUP = "rollup", _("counted from tickets")
    DEMO = "demo", _("generated demo history")
    IMPORT = "import", _("imported")


class ContactInterval(models.Model):
    """Contacts (tickets opened) on one channel in the 30 minutes from ``start`` (UTC).

    Intervals without a row had no contacts; the history runs from the first row to the last
    interval that has ended.
    """

    start = models.DateTimeField(_("interval start"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10)
    contacts = models.PositiveIntegerField(_("contacts"), default=0)
    source = models.CharField(
        _("source"), max_length=10, choices=ContactSource.choices, default=ContactSource.ROLLUP
    )

    class Meta:
        verbose_name = _("contact interval")
        verbose_name_plural = _("contact intervals")
        ordering = ["start", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["start", "channel"], name="contact_interval_unique")
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.channel}: {self.contacts}"


class ContactRollup(models.Model):
    """How far tickets have been counted into :class:`ContactInterval` (one row per counter).

    Intervals without a row read as zero contacts, so the forecast must know where counting
    stopped: a lagging job must not look like a quiet afternoon.
    """

    name = models.CharField(_("name"), max_length=40, unique=True)
    counted_until = models.DateTimeField(_("counted until"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact rollup")
        verbose_name_plural = _("contact rollups")

    def __str__(self) -> str:
        return f"{self.name} until {self.counted_until}"
