"""Every change to an incident: open, post an update, resolve, banner on or off, link tickets,
and closing surge alerts. Each writes in one transaction and records an event; bad input is
refused whole, with every problem named, before anything is written.

The words customers read are required in every supported language: a title and a message
missing in one is refused with the stable code ``language_missing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent, SupportLanguage
from kefu.clock import now
from kefu.errors import ApiError
from kefu.events.services import record_event
from kefu.jobs import enqueue
from kefu.tickets.categories import CATEGORIES, COINS, NETWORKS
from kefu.tickets.models import Ticket

from .models import (
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTicket,
    IncidentUpdate,
    LinkSource,
    SurgeAlert,
    SurgeStatus,
)

MAX_TITLE = 200
MAX_MESSAGE = 2000
MAX_KEYWORDS = 20
MAX_KEYWORD = 40
ONGOING = [s for s in IncidentStatus.values if s != IncidentStatus.RESOLVED]


@dataclass
class IncidentDraft:
    """An incident as the supervisor's form (or a surge alert's suggestion) describes it."""

    kind: str
    titles: dict[str, str]
    messages: dict[str, str]
    status: str = IncidentStatus.INVESTIGATING
    coins: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    banner: bool = True


def _language_name(language: str) -> str:
    return str(dict(SupportLanguage.choices).get(language, language))


class _Problems:
    """Every problem of a submission, keyed by form field; missing languages kept apart so the
    error code can say that that is all there is to fix."""

    def __init__(self) -> None:
        self.details: dict[str, str] = {}
        self.missing: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.details.setdefault(key, message)

    def texts(self, values: Any, prefix: str, limit: int) -> dict[str, str]:
        values = values if isinstance(values, Mapping) else {}
        clean: dict[str, str] = {}
        for language in SupportLanguage.values:
            raw = values.get(language)
            text = raw.strip() if isinstance(raw, str) else ""
            key = f"{prefix}_{language}"
            if not text:
                self.missing.append(key)
                self.add(
                    key, _("Required in %(language)s.") % {"language": _language_name(language)}
                )
            elif len(text) > limit:
                self.add(key, _("At most %(limit)d characters.") % {"limit": limit})
            else:
                clean[language] = text
        return clean

    def raise_if_any(self) -> None:
        if not self.details:
            return
        if set(self.details) == set(self.missing):
            languages = sorted({k.split("_", 1)[1] for k in self.missing})
            raise ApiError(
                "language_missing",
                "Write it in every supported language; missing: "
                + ", ".join(_language_name(lang) for lang in languages)
                + ".",
                details=self.details,
            )
        raise ApiError("invalid_incident", "Some fields need another look.", details=self.details)


def _choices(
    problems: _Problems, values: Iterable[Any], allowed: Iterable[str], key: str, upper: bool
) -> list[str]:
    known = set(allowed)
    clean: list[str] = []
    for raw in values:
        value = str(raw).strip()
        value = value.upper() if upper else value
        if not value:
            continue
        if value not in known:
            problems.add(key, _("Unknown: %(value)s.") % {"value": value[:40]})
        elif value not in clean:
            clean.append(value)
    return clean


def validate_draft(draft: IncidentDraft) -> IncidentDraft:
    """The draft, cleaned; every problem at once (ApiError with details per form field)."""
    problems = _Problems()
    if draft.kind not in IncidentKind.values:
        problems.add("kind", _("Choose a kind."))
    if draft.status not in ONGOING:
        problems.add("status", _("An incident opens investigating, identified or monitoring."))
    titles = problems.texts(draft.titles, "title", MAX_TITLE)
    messages = problems.texts(draft.messages, "message", MAX_MESSAGE)
    coins = _choices(problems, draft.coins, COINS, "coins", upper=True)
    networks = _choices(problems, draft.networks, NETWORKS, "networks", upper=True)
    categories = _choices(problems, draft.categories, CATEGORIES, "categories", upper=False)
    keywords = [k.strip() for k in draft.keywords if isinstance(k, str) and k.strip()]
    if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD for k in keywords):
        problems.add(
            "keywords",
            _("At most %(count)d keywords of %(limit)d characters.")
            % {"count": MAX_KEYWORDS, "limit": MAX_KEYWORD},
        )
    if draft.ends_at is not None and draft.starts_at is None:
        problems.add("starts_at", _("A window with an end needs a start."))
    if draft.starts_at and draft.ends_at and draft.ends_at <= draft.starts_at:
        problems.add("ends_at", _("The end must come after the start."))
    problems.raise_if_any()
    return replace(
        draft,
        titles=titles,
        messages=messages,
        coins=coins,
        networks=networks,
        categories=categories,
        keywords=list(dict.fromkeys(keywords)),
    )


def open_incident(draft: IncidentDraft, *, by: Agent, surge: SurgeAlert | None = None) -> Incident:
    """Open an incident with its first update; from a surge alert, that alert is closed."""
    clean = validate_draft(draft)
    with transaction.atomic():
        at = now()
        incident = Incident.objects.create(
            kind=clean.kind,
            status=clean.status,
            title=clean.titles,
            coins=clean.coins,
            networks=clean.networks,
            categories=clean.categories,
            keywords=clean.keywords,
            starts_at=clean.starts_at,
            ends_at=clean.ends_at,
            banner=clean.banner,
            opened_by=by,
            opened_at=at,
            updated_at=at,
        )
        IncidentUpdate.objects.create(
            incident=incident,
            status=clean.status,
            messages=clean.messages,
            posted_by=by,
            posted_at=at,
        )
        if surge is not None:
            _close_surge(surge, SurgeStatus.INCIDENT, by=by, incident=incident)
        record_event(
            "incident.opened",
            incident,
            actor=by,
            data={
                "kind": clean.kind,
                "status": clean.status,
                "coins": clean.coins,
                "networks": clean.networks,
                "categories": clean.categories,
                "scheduled": clean.starts_at.isoformat() if clean.starts_at else None,
                "surge": surge.pk if surge is not None else None,
            },
        )
    return incident


def post_update(incident: Incident, *, status: str, messages: Any, by: Agent) -> IncidentUpdate:
    """A new step of the timeline; resolving is :func:`resolve` (it tells customers)."""
    problems = _Problems()
    if status not in ONGOING:
        problems.add("status", _("Choose investigating, identified or monitoring."))
    clean = problems.texts(messages, "message", MAX_MESSAGE)
    problems.raise_if_any()
    with transaction.atomic():
        locked = _lock_active(incident)
        at = now()
        update = IncidentUpdate.objects.create(
            incident=locked, status=status, messages=clean, posted_by=by, posted_at=at
        )
        before = locked.status
        locked.status = status
        locked.updated_at = at
        locked.save(update_fields=["status", "updated_at"])
        record_event("incident.updated", locked, actor=by, data={"from": before, "to": status})
    incident.refresh_from_db()
    return update


def resolve(incident: Incident, *, messages: Any, by: Agent) -> Incident:
    """Close the incident with a last message per language, take its banner down, and tell
    the customers of its open tickets (a background job; once per ticket however often it
    runs)."""
    problems = _Problems()
    clean = problems.texts(messages, "message", MAX_MESSAGE)
    problems.raise_if_any()
    with transaction.atomic():
        locked = _lock_active(incident)
        at = now()
        IncidentUpdate.objects.create(
            incident=locked,
            status=IncidentStatus.RESOLVED,
            messages=clean,
            posted_by=by,
            posted_at=at,
        )
        before = locked.status
        locked.status = IncidentStatus.RESOLVED
        locked.resolved_at = at
        locked.resolved_by = by
        locked.updated_at = at
        locked.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])
        record_event("incident.resolved", locked, actor=by, data={"from": before})
        enqueue("incidents.notify_resolved", incident_id=locked.pk)
    incident.refresh_from_db()
    return incident


def set_banner(incident: Incident, shown: bool, *, by: Agent) -> Incident:
    with transaction.atomic():
        locked = _lock_active(incident)
        if locked.banner != shown:
            locked.banner = shown
            locked.save(update_fields=["banner"])
            record_event("incident.banner_changed", locked, actor=by, data={"shown": shown})
    incident.refresh_from_db()
    return incident


def link_ticket(incident: Incident, ticket: Ticket, *, by: Agent | None) -> IncidentTicket:
    """Tie a ticket to an ongoing incident (its customer is told when it is resolved). Linking
    again changes nothing."""
    with transaction.atomic():
        locked = _lock_active(incident)
        existing = IncidentTicket.objects.filter(incident=locked, ticket=ticket).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                link = IncidentTicket.objects.create(
                    incident=locked,
                    ticket=ticket,
                    source=LinkSource.AGENT,
                    linked_by=by,
                    linked_at=now(),
                )
        except IntegrityError:  # linked at the same moment by someone else
            return IncidentTicket.objects.get(incident=locked, ticket=ticket)
        record_event("ticket.incident_linked", ticket, actor=by, data={"incident": locked.pk})
        record_event("incident.ticket_linked", locked, actor=by, data={"ticket": ticket.number})
    return link


def unlink_ticket(incident: Incident, ticket: Ticket, *, by: Agent) -> None:
    with transaction.atomic():
        locked = _lock_active(incident)
        deleted, _rows = IncidentTicket.objects.filter(
            incident=locked, ticket=ticket, notified_at__isnull=True
        ).delete()
        if deleted:
            record_event("ticket.incident_unlinked", ticket, actor=by, data={"incident": locked.pk})
            record_event(
                "incident.ticket_unlinked", locked, actor=by, data={"ticket": ticket.number}
            )


def dismiss_surge(alert: SurgeAlert, *, by: Agent) -> SurgeAlert:
    with transaction.atomic():
        _close_surge(alert, SurgeStatus.DISMISSED, by=by)
    alert.refresh_from_db()
    return alert


def _close_surge(
    alert: SurgeAlert, status: str, *, by: Agent | None, incident: Incident | None = None
) -> None:
    locked = SurgeAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != SurgeStatus.OPEN:
        raise ApiError("surge_closed", "This alert has already been dealt with.", 409)
    locked.status = status
    locked.closed_at = now()
    locked.closed_by = by
    locked.incident = incident
    locked.save(update_fields=["status", "closed_at", "closed_by", "incident"])
    record_event(
        "surge.closed",
        locked,
        actor=by,
        data={"status": status, "incident": incident.pk if incident else None},
    )


def _lock_active(incident: Incident) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.resolved_at is not None:
        raise ApiError("incident_resolved", "This incident is already resolved.", 409)
    return locked
