"""The agents' ticket desk: lists with filters, time-to-breach order, saved views and bulk
actions, and the ticket page with conversation, fields, clocks, events and every action.
Views parse and call kefu.tickets; the rules live there."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import Agent, SavedTicketView, Team
from kefu.clock import now
from kefu.errors import ApiError
from kefu.tickets import workflow
from kefu.tickets.categories import CATEGORIES
from kefu.tickets.models import Channel, Priority, Status, Ticket, ticket_number
from kefu.tickets.timeline import conversation, export, ticket_events
from kefu.trust import access
from kefu.trust.audit import record_ticket_view, request_ip

from .staff import customer_data_required

ACTIVE = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]
SORTS: dict[str, list[Any]] = {
    "breach": [F("next_breach_at").asc(nulls_last=True), "-priority_rank", "created_at"],
    "updated": ["-updated_at"],
    "created": ["-created_at"],
    "oldest": ["created_at"],
}
FILTER_KEYS = ("status", "priority", "team", "category", "assignee", "q", "sort")
desk_login = customer_data_required


def filtered_tickets(params: Any, agent: Agent) -> QuerySet[Ticket]:
    """The tickets ``agent`` may see that match the list page's filters (a QueryDict or
    dict), sorted."""
    tickets = access.visible_tickets(
        agent, Ticket.objects.select_related("customer", "assignee", "team")
    ).filter(merged_into__isnull=True)
    status = params.get("status", "active")
    if status == "active":
        tickets = tickets.filter(status__in=ACTIVE)
    elif status in Status.values:
        tickets = tickets.filter(status=status)
    if params.get("priority") in Priority.values:
        tickets = tickets.filter(priority=params["priority"])
    if params.get("team"):
        tickets = tickets.filter(team__slug=params["team"])
    if params.get("category") in CATEGORIES:
        tickets = tickets.filter(category=params["category"])
    assignee = params.get("assignee", "")
    if assignee == "me":
        tickets = tickets.filter(assignee=agent)
    elif assignee == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    if q := params.get("q", "").strip():
        number = q.upper().lstrip("#K")
        match = Q(subject__icontains=q) | Q(requester_email__iexact=q)
        match |= Q(customer__exchange_uid=q)
        if number.isdigit():
            match |= Q(pk=int(number))
        tickets = tickets.filter(match)
    tickets = tickets.annotate(
        priority_rank=Case(
            When(priority=Priority.URGENT, then=Value(3)),
            When(priority=Priority.HIGH, then=Value(2)),
            When(priority=Priority.NORMAL, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    return tickets.order_by(*SORTS.get(params.get("sort", "breach"), SORTS["breach"]))


@desk_login
def ticket_list(request: HttpRequest) -> HttpResponse:
    agent: Agent = request.user  # type: ignore[assignment]
    params = request.GET
    tickets = list(filtered_tickets(params, agent)[:200])
    current = {k: params.get(k, "") for k in FILTER_KEYS}
    return render(
        request,
        "console/tickets.html",
        {
            "agent": agent,
            "tickets": tickets,
            "now": now(),
            "filters": current,
            "query": urlencode({k: v for k, v in current.items() if v}),
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "teams": Team.objects.all(),
            "categories": CATEGORIES.values(),
            "saved_views": agent.saved_views.all(),
        },
    )


@desk_login
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    agent: Agent = request.user  # type: ignore[assignment]
    name = request.POST.get("name", "").strip()[:60]
    query = request.POST.get("query", "")[:500]
    if name:
        SavedTicketView.objects.update_or_create(agent=agent, name=name, defaults={"query": query})
        messages.success(request, _("View saved."))
    return redirect(f"{_list_url()}?{query}")


@desk_login
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on the checked tickets; each is its own transaction, so one refusal (a
    closed ticket cannot be reopened) does not undo the others, and it is reported."""
    agent: Agent = request.user  # type: ignore[assignment]
    ids = [int(i) for i in request.POST.getlist("ticket") if i.isdigit()]
    action = request.POST.get("action", "")
    done, refused = 0, []
    found = access.visible_tickets(agent).in_bulk(ids)
    for pk in ids:
        ticket = found.get(pk)
        if ticket is None:  # never say whether someone else's ticket exists
            refused.append(_("%(number)s: no such ticket.") % {"number": ticket_number(pk)})
            continue
        try:
            _apply(ticket, action, agent, request.POST)
            done += 1
        except ApiError as problem:
            refused.append(f"{ticket.number}: {problem.message}")
    messages.info(request, _("%(count)d tickets updated.") % {"count": done})
    for line in refused:
        messages.error(request, line)
    return redirect(f"{_list_url()}?{request.POST.get('query', '')}")


def _apply(ticket: Ticket, action: str, agent: Agent, post: Any) -> None:
    if action == "assign_me":
        workflow.assign_ticket(ticket, agent, by=agent)
    elif action.startswith("status:"):
        workflow.change_status(ticket, action.split(":", 1)[1], by=agent)
    elif action.startswith("priority:"):
        workflow.change_priority(ticket, action.split(":", 1)[1], by=agent)
    elif action == "tag" and post.get("tag", "").strip():
        workflow.set_tags(ticket, [*ticket.tags, post["tag"]], by=agent)
    else:
        raise ApiError("unknown_action", "Unknown bulk action.")


@desk_login
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    agent: Agent = request.user  # type: ignore[assignment]
    ticket = get_object_or_404(
        access.visible_tickets(
            agent, Ticket.objects.select_related("customer", "assignee", "team", "merged_into")
        ),
        pk=number,
    )
    if request.method == "POST":
        try:
            message = _ticket_action(ticket, agent, request)
        except ApiError as problem:
            messages.error(request, problem.message)
        else:
            if message:
                messages.success(request, message)
        if not access.visible_tickets(agent).filter(pk=ticket.pk).exists():
            return redirect(_list_url())  # handed to someone this agent may not follow
        return redirect("desk-ticket", number=ticket.pk)
    category = CATEGORIES.get(ticket.category)
    labels = {spec.name: spec.label for spec in category.fields} if category else {}
    record_ticket_view(agent, ticket, ip=request_ip(request))
    return render(
        request,
        "console/ticket.html",
        {
            "agent": agent,
            "ticket": ticket,
            "now": now(),
            "messages_list": conversation(ticket, internal=True),
            "events": ticket_events(ticket),
            "fields": [(labels.get(k, k), v) for k, v in ticket.fields.items()],
            "clocks": _clocks(ticket),
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "agents": access.assignable_agents().order_by("username"),
            "merged": ticket.merged_tickets.all(),
        },
    )


def _ticket_action(ticket: Ticket, agent: Agent, request: HttpRequest) -> str:
    post = request.POST
    action = post.get("action", "")
    if action == "reply":
        channel = Channel.EMAIL if post.get("by_email") and ticket.requester_email else ""
        workflow.agent_reply(
            ticket,
            agent=agent,
            text=post.get("text", ""),
            status=post.get("status_after") or Status.PENDING,
            channel=channel,
        )
        return _("Reply sent.")
    if action == "note":
        workflow.add_note(ticket, agent=agent, text=post.get("text", ""))
        return _("Note added.")
    if action == "status":
        workflow.change_status(ticket, post.get("status", ""), by=agent)
        return _("Status changed.")
    if action == "priority":
        workflow.change_priority(ticket, post.get("priority", ""), by=agent)
        return _("Priority changed.")
    if action == "assign":
        raw = post.get("agent", "")
        assignee = None  # an empty choice unassigns
        if raw:
            assignee = (
                access.assignable_agents().filter(pk=int(raw) if raw.isdigit() else 0).first()
            )
            if assignee is None:
                raise ApiError("agent_not_found", "No such agent.", 404)
        workflow.assign_ticket(ticket, assignee, by=agent)
        return _("Assignee changed.")
    if action == "tags":
        workflow.set_tags(ticket, post.get("tags", "").split(","), by=agent)
        return _("Tags saved.")
    if action == "escalate":
        workflow.escalate(ticket, reason="agent", by=agent, note=post.get("note", "")[:500])
        return _("Escalated.")
    if action == "merge":
        raw = post.get("into", "").strip().upper().lstrip("#K")
        target = (
            access.visible_tickets(agent).filter(pk=int(raw)).first() if raw.isdigit() else None
        )
        if target is None:
            raise ApiError("unknown_ticket", "No ticket with that number.")
        workflow.merge(ticket, target, by=agent)
        return _("Merged into %(number)s.") % {"number": target.number}
    raise ApiError("unknown_action", "Unknown action.")


@desk_login
def ticket_export(request: HttpRequest, number: int) -> JsonResponse:
    ticket = get_object_or_404(access.visible_tickets(request.user), pk=number)
    response = JsonResponse(export(ticket), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{ticket.number}.json"'
    return response


def _clocks(ticket: Ticket) -> list[dict[str, Any]]:
    at = now()
    clocks = [
        ("first_response", _("First response"), ticket.first_response_due),
        ("next_response", _("Next response"), ticket.next_response_due),
        ("resolution", _("Resolution"), ticket.resolution_due),
    ]
    return [
        {
            "key": key,
            "label": label,
            "due": due,
            "minutes_left": int((due - at).total_seconds() // 60) if due else None,
            "breached": key in ticket.sla_breached,
            "paused": ticket.sla_paused_at is not None,
        }
        for key, label, due in clocks
        if due is not None
    ]


def _list_url() -> str:
    return reverse("desk-tickets")
