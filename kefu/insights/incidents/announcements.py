"""What customers read about incidents, in their language: the banner of the help center and
the widget, the assistant's notice, and the message on a ticket when it is over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.clock import now

from .models import Incident, IncidentStatus, IncidentUpdate

SCHEDULED = "scheduled"


def phase(incident: Incident, at: datetime) -> str:
    """The status customers see: "scheduled" before an announced window starts."""
    return SCHEDULED if incident.is_upcoming(at) else incident.status


def phase_label(key: str) -> str:
    if key == SCHEDULED:
        return _("Scheduled")
    return str(dict(IncidentStatus.choices).get(key, key))


def window_text(incident: Incident) -> str:
    """The scheduled window in UTC ("2026-12-01 02:00 – 04:00 UTC"), or ""."""
    if incident.starts_at is None:
        return ""
    start = incident.starts_at.astimezone(UTC)
    if incident.ends_at is None:
        return _("from %(start)s UTC") % {"start": f"{start:%Y-%m-%d %H:%M}"}
    end = incident.ends_at.astimezone(UTC)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end_text} UTC"


def latest_update(incident: Incident) -> IncidentUpdate | None:
    """The newest update (from a prefetch of ``updates`` when there is one)."""
    updates = list(incident.updates.all())
    return updates[-1] if updates else None


def ongoing(*, banner_only: bool = False) -> list[Incident]:
    """Unresolved incidents with their updates, ongoing ones before scheduled, newest first."""
    incidents = Incident.objects.filter(resolved_at__isnull=True).prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("posted_at", "id"))
    )
    if banner_only:
        incidents = incidents.filter(banner=True)
    at = now()
    return sorted(incidents, key=lambda i: (i.is_upcoming(at), -i.updated_at.timestamp()))


@dataclass(frozen=True)
class Banner:
    id: int
    kind: str
    status: str
    status_label: str
    title: str
    message: str
    window: str
    starts_at: datetime | None
    ends_at: datetime | None
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "status_label": self.status_label,
            "title": self.title,
            "message": self.message,
            "window": self.window,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "updated_at": self.updated_at.isoformat(),
        }


def banners(language: str) -> list[Banner]:
    """The banners to show now, in ``language``."""
    at = now()
    shown = []
    with translation.override(language):
        for incident in ongoing(banner_only=True):
            update = latest_update(incident)
            key = phase(incident, at)
            shown.append(
                Banner(
                    id=incident.pk,
                    kind=incident.kind,
                    status=key,
                    status_label=phase_label(key),
                    title=incident.title_in(language),
                    message=update.message_in(language) if update else "",
                    window=window_text(incident),
                    starts_at=incident.starts_at,
                    ends_at=incident.ends_at,
                    updated_at=incident.updated_at,
                )
            )
    return shown


def assistant_notice(incident: Incident, language: str) -> str:
    """What the assistant says first when a question is about an ongoing incident."""
    update = latest_update(incident)
    with translation.override(language):
        key = phase(incident, now())
        window = window_text(incident)
        if key == SCHEDULED:
            head = _("Scheduled maintenance: %(title)s (%(window)s).") % {
                "title": incident.title_in(language),
                "window": window,
            }
        else:
            head = _("Known issue: %(title)s (status: %(status)s).") % {
                "title": incident.title_in(language),
                "status": phase_label(key).lower(),
            }
        message = update.message_in(language) if update else ""
    return f"{head}\n{message}".strip()


def resolution_notice(incident: Incident, update: IncidentUpdate, language: str) -> str:
    """The public message on a related ticket once the incident is resolved."""
    with translation.override(language):
        head = _("Resolved: %(title)s") % {"title": incident.title_in(language)}
    return f"{head}\n\n{update.message_in(language)}".strip()
