"""Console pages of incidents and surge alerts. Everyone who works with customers sees what is
going on and may link a ticket they can see to an ongoing incident; supervisors and
administrators open, update and resolve incidents and deal with surge alerts. Thin: parse,
call kefu.insights.incidents.actions, render."""

from __future__ import annotations

from itertools import islice
from typing import Any

from django.contrib import messages
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import Agent, SupportLanguage
from kefu.clock import now
from kefu.errors import ApiError
from kefu.tickets.categories import CATEGORIES, COINS, NETWORKS
from kefu.tickets.models import Ticket
from kefu.trust import access
from kefu.web.staff import customer_data_required, supervisor_required

from . import actions, forms
from .actions import ONGOING, IncidentDraft
from .announcements import latest_update, phase, phase_label, window_text
from .models import Incident, IncidentKind, IncidentStatus, IncidentTicket, SurgeAlert, SurgeStatus
from .notify import matching_tickets
from .surges import describe, suggest_incident

RECENT = 30
SUGGESTED_TICKETS = 50


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


@customer_data_required
def incident_list(request: HttpRequest) -> HttpResponse:
    at = now()
    incidents = list(
        Incident.objects.annotate(
            linked=Count("ticket_links"),
            told=Count("ticket_links", filter=Q(ticket_links__notified_at__isnull=False)),
        ).order_by(F("resolved_at").desc(nulls_first=True), "-opened_at")[:RECENT]
    )
    rows = [
        {"incident": i, "phase": phase(i, at), "label": phase_label(phase(i, at))}
        for i in incidents
    ]
    agent = _agent(request)
    surges = (
        SurgeAlert.objects.filter(status=SurgeStatus.OPEN) if access.is_supervisor(agent) else []
    )
    return render(
        request,
        "incidents/list.html",
        {
            "agent": agent,
            "rows": rows,
            "surges": [(s, describe(s)) for s in surges],
            "supervisor": access.is_supervisor(agent),
        },
    )


def _form_context(
    values: dict[str, Any], errors: dict[str, str], surge: SurgeAlert | None
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "surge": surge,
        "surge_label": describe(surge) if surge else "",
        "languages": [
            {
                "code": code,
                "name": name,
                "title": values.get(f"title_{code}", ""),
                "message": values.get(f"message_{code}", ""),
                "title_error": errors.get(f"title_{code}", ""),
                "message_error": errors.get(f"message_{code}", ""),
            }
            for code, name in SupportLanguage.choices
        ],
        "kinds": IncidentKind.choices,
        "statuses": [(s, label) for s, label in IncidentStatus.choices if s in ONGOING],
        "coins": COINS,
        "networks": NETWORKS,
        "categories": [(c.slug, c.label) for c in CATEGORIES.values()],
    }


@supervisor_required
def open_page(request: HttpRequest) -> HttpResponse:
    """The open form; ``?surge=<id>`` pre-fills it from a surge alert (edit, then confirm)."""
    agent = _agent(request)
    raw = request.POST.get("surge") or request.GET.get("surge") or ""
    surge = (
        SurgeAlert.objects.filter(pk=int(raw), status=SurgeStatus.OPEN).first()
        if raw.isdigit()
        else None
    )
    if request.method == "POST":
        try:
            draft = forms.draft_from_post(request.POST)
            incident = actions.open_incident(draft, by=agent, surge=surge)
        except ApiError as problem:
            messages.error(request, problem.message)
            context = _form_context(forms.posted(request.POST), problem.details, surge)
            return render(request, "incidents/open.html", {"agent": agent, **context}, status=400)
        messages.success(request, _("Incident opened."))
        return redirect("incidents:detail", pk=incident.pk)
    draft = (
        suggest_incident(surge)
        if surge
        else IncidentDraft(kind=IncidentKind.OTHER, titles={}, messages={})
    )
    context = _form_context(forms.initial(draft), {}, surge)
    return render(request, "incidents/open.html", {"agent": agent, **context})


@customer_data_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    agent = _agent(request)
    incident = get_object_or_404(Incident, pk=pk)
    at = now()
    visible = access.visible_tickets(agent)
    links = (
        IncidentTicket.objects.filter(incident=incident, ticket__in=visible)
        .select_related("ticket", "ticket__customer", "linked_by")
        .order_by("linked_at", "id")
    )
    supervisor = access.is_supervisor(agent)
    suggested: list[Ticket] = []
    if supervisor and incident.is_active:
        visible_ids = (
            set(visible.values_list("pk", flat=True)) if not access.sees_everything(agent) else None
        )
        suggested = list(
            islice(
                (
                    t
                    for t in matching_tickets(incident)
                    if visible_ids is None or t.pk in visible_ids
                ),
                SUGGESTED_TICKETS,
            )
        )
    updates = [
        {
            "update": u,
            "label": phase_label(u.status),
            "messages": [
                (name, u.messages.get(code, "")) for code, name in SupportLanguage.choices
            ],
        }
        for u in incident.updates.select_related("posted_by").order_by("posted_at", "id")
    ]
    current = latest_update(incident)
    return render(
        request,
        "incidents/detail.html",
        {
            "agent": agent,
            "incident": incident,
            "phase": phase_label(phase(incident, at)),
            "window": window_text(incident),
            "titles": [
                (name, incident.title.get(code, "")) for code, name in SupportLanguage.choices
            ],
            "updates": updates,
            "links": links,
            "linked_total": incident.ticket_links.count(),
            "told_total": incident.ticket_links.filter(notified_at__isnull=False).count(),
            "suggested": suggested,
            "supervisor": supervisor,
            "statuses": [(s, label) for s, label in IncidentStatus.choices if s in ONGOING],
            "languages": SupportLanguage.choices,
            "current_messages": current.messages if current else {},
            "categories": [
                str(CATEGORIES[c].label) for c in incident.categories if c in CATEGORIES
            ],
            "surges": [(s, describe(s)) for s in incident.surge_alerts.all()],
        },
    )


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    try:
        action(incident)
    except ApiError as problem:
        details = "; ".join(problem.details.values()) if problem.details else ""
        messages.error(request, f"{problem.message} {details}".strip())
    else:
        messages.success(request, done)
    return redirect("incidents:detail", pk=pk)


@supervisor_required
@require_POST
def post_update(request: HttpRequest, pk: int) -> HttpResponse:
    agent, post = _agent(request), request.POST
    return _act(
        request,
        pk,
        lambda i: actions.post_update(
            i, status=post.get("status", ""), messages=forms.texts(post, "message"), by=agent
        ),
        _("Update posted."),
    )


@supervisor_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    agent, post = _agent(request), request.POST
    return _act(
        request,
        pk,
        lambda i: actions.resolve(i, messages=forms.texts(post, "message"), by=agent),
        _("Resolved. Customers with open related tickets are being told."),
    )


@supervisor_required
@require_POST
def banner(request: HttpRequest, pk: int) -> HttpResponse:
    agent, shown = _agent(request), request.POST.get("shown") == "1"
    return _act(
        request,
        pk,
        lambda i: actions.set_banner(i, shown, by=agent),
        _("Banner shown.") if shown else _("Banner hidden."),
    )


def _ticket(agent: Agent, raw: str) -> Ticket:
    number = raw.strip().upper().lstrip("#K")
    ticket = (
        access.visible_tickets(agent).filter(pk=int(number)).first() if number.isdigit() else None
    )
    if ticket is None:
        raise ApiError("unknown_ticket", _("No ticket with that number."))
    return ticket


@customer_data_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """Any agent may tie a ticket they can see to an ongoing incident."""
    agent = _agent(request)
    return _act(
        request,
        pk,
        lambda i: actions.link_ticket(i, _ticket(agent, request.POST.get("ticket", "")), by=agent),
        _("Ticket linked: its customer will be told when this is resolved."),
    )


@supervisor_required
@require_POST
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    agent = _agent(request)
    return _act(
        request,
        pk,
        lambda i: actions.unlink_ticket(
            i, _ticket(agent, request.POST.get("ticket", "")), by=agent
        ),
        _("Ticket unlinked."),
    )


@supervisor_required
def surge_list(request: HttpRequest) -> HttpResponse:
    alerts = list(SurgeAlert.objects.select_related("incident")[:RECENT])
    return render(
        request,
        "incidents/surges.html",
        {"agent": _agent(request), "alerts": [(a, describe(a)) for a in alerts]},
    )


@supervisor_required
@require_POST
def dismiss_surge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(SurgeAlert, pk=pk)
    try:
        actions.dismiss_surge(alert, by=_agent(request))
    except ApiError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("Alert dismissed."))
    return redirect("incidents:surges")
