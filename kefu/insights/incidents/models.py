"""Models of incidents and surge alerts.

An incident is what the exchange tells everyone at once: maintenance, delayed deposits on a
network, an outage. Its words are written per language (every supported language: an
announcement a user cannot read is no announcement) and change over a timeline of updates;
tickets it concerns are linked, and the link records whether (and when) the customer was told
that it is over. A surge alert is the desk noticing, before anyone says so, that many customers
are asking the same thing.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import SupportLanguage
from kefu.tickets.models import Ticket


class IncidentKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    DEPOSITS_DELAYED = "deposits_delayed", _("Deposits delayed")
    WITHDRAWALS_DELAYED = "withdrawals_delayed", _("Withdrawals delayed")
    TRADING_HALTED = "trading_halted", _("Trading halted or outage")
    OTHER = "other", _("Other")


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


def in_language(texts: dict[str, str], language: str) -> str:
    """A per-language text in ``language``, else English, else any (never empty by mistake)."""
    return (
        texts.get(language)
        or texts.get(SupportLanguage.EN)
        or next((t for t in texts.values() if t), "")
    )


class Incident(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=IncidentStatus.choices,
        default=IncidentStatus.INVESTIGATING,
    )
    title = models.JSONField(_("title"), default=dict, help_text=_("One title per language."))
    coins = models.JSONField(_("affected coins"), default=list, blank=True)
    networks = models.JSONField(_("affected networks"), default=list, blank=True)
    categories = models.JSONField(_("ticket categories"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    starts_at = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("scheduled end"), null=True, blank=True)
    banner = models.BooleanField(_("banner shown"), default=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last update at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["resolved_at"], name="incident_resolved_at")]

    def __str__(self) -> str:
        return self.title_in(SupportLanguage.EN) or f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None

    @property
    def started_at(self) -> datetime:
        """When the trouble began: the scheduled start of maintenance, else the opening."""
        return self.starts_at or self.opened_at

    def is_upcoming(self, at: datetime) -> bool:
        """Announced ahead and not started yet."""
        return self.is_active and self.starts_at is not None and self.starts_at > at

    def title_in(self, language: str) -> str:
        return in_language(self.title or {}, language)


class IncidentUpdate(models.Model):
    """One step of the timeline: a status and what customers are told, in every language."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="updates"
    )
    status = models.CharField(_("status"), max_length=20, choices=IncidentStatus.choices)
    messages = models.JSONField(_("messages"), default=dict)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        ordering = ["posted_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.status}"

    def message_in(self, language: str) -> str:
        return in_language(self.messages or {}, language)


class LinkSource(models.TextChoices):
    AGENT = "agent", _("linked by an agent")
    MATCHED = "matched", _("matched on resolution")


class IncidentTicket(models.Model):
    """A ticket the incident concerns, and the record of telling its customer it is over."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="ticket_links"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="incident_links"
    )
    source = models.CharField(_("source"), max_length=10, choices=LinkSource.choices)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)
    notified_at = models.DateTimeField(_("customer told at"), null=True, blank=True)
    notified_seq = models.PositiveIntegerField(_("message number"), null=True, blank=True)
    notified_language = models.CharField(_("told in"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("ticket of an incident")
        verbose_name_plural = _("tickets of incidents")
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="incident_ticket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.ticket_id}"


class SurgeStatus(models.TextChoices):
    OPEN = "open", _("open")
    INCIDENT = "incident", _("incident opened")
    DISMISSED = "dismissed", _("dismissed")
    SUBSIDED = "subsided", _("subsided")


class SurgeAlert(models.Model):
    """A cluster of similar questions arriving well above their usual rate.

    ``key`` names the cluster (a topic the assistant recognises, optionally narrowed to one
    network, or a text signature); while an alert of a key is open the cluster is not raised
    again. Sample questions are stored as they were stored at first: with secrets masked.
    """

    key = models.CharField(_("cluster"), max_length=200)
    topic = models.CharField(_("topic"), max_length=120, blank=True)
    network = models.CharField(_("network"), max_length=20, blank=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    signature = models.JSONField(_("signature words"), default=list, blank=True)
    count = models.PositiveIntegerField(_("questions in the window"))
    usual = models.FloatField(_("usual questions in the window"))
    history = models.JSONField(_("the same window on previous days"), default=list, blank=True)
    peak_count = models.PositiveIntegerField(_("peak"), default=0)
    window_minutes = models.PositiveIntegerField(_("window (minutes)"))
    samples = models.JSONField(_("sample questions"), default=list, blank=True)
    coins = models.JSONField(_("coins named"), default=list, blank=True)
    networks = models.JSONField(_("networks named"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SurgeStatus.choices, default=SurgeStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surge_alerts",
    )

    class Meta:
        verbose_name = _("surge alert")
        verbose_name_plural = _("surge alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(status="open"), name="surge_alert_open_key_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "-raised_at"], name="surge_alert_status")]

    def __str__(self) -> str:
        return self.key
