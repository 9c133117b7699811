"""The customer portal: open a ticket with its category's fields, follow it on a public
timeline, reply, ask for a supervisor and rate the resolution.

The exchange signs its user into the portal the same way it signs the chat widget (see
kefu.accounts.identity); the portal then remembers the customer in the session.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.identity import identify
from kefu.accounts.models import Customer
from kefu.errors import ApiError
from kefu.tickets.actions import rate
from kefu.tickets.categories import CATEGORIES, get_category
from kefu.tickets.downloads import attachment_response
from kefu.tickets.models import Attachment, Channel, SatisfactionRating, Status, Ticket
from kefu.tickets.opening import NewFile, open_ticket
from kefu.tickets.timeline import conversation, public_timeline
from kefu.tickets.workflow import customer_reply, escalation_opens_at, request_escalation
from kefu.trust import ratelimit

from .portal_forms import NewTicketForm, RatingForm, ReplyForm

SESSION_KEY = "kefu_customer"
View = Callable[..., HttpResponseBase]


def sign_in(request: HttpRequest) -> HttpResponse:
    """Entry from the exchange: ``?uid=…&expires=…&signature=…``."""
    try:
        customer = identify(
            request.GET.get("uid"), request.GET.get("signature"), request.GET.get("expires")
        )
    except ApiError as problem:
        return render(request, "web/portal/signed_out.html", {"problem": problem}, status=403)
    if customer is None:
        return render(request, "web/portal/signed_out.html", {}, status=403)
    request.session.cycle_key()
    request.session[SESSION_KEY] = customer.pk
    return redirect("portal-tickets")


def customer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        pk = request.session.get(SESSION_KEY)
        customer = Customer.objects.filter(pk=pk).first() if pk else None
        if customer is None:
            return render(request, "web/portal/signed_out.html", {}, status=403)
        return view(request, customer, *args, **kwargs)

    return wrapper


@customer_required
def my_tickets(request: HttpRequest, customer: Customer) -> HttpResponse:
    tickets = Ticket.objects.filter(customer=customer).exclude(channel=Channel.CHAT)
    return render(request, "web/portal/tickets.html", {"customer": customer, "tickets": tickets})


@customer_required
def choose_category(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "web/portal/choose_category.html",
        {"customer": customer, "categories": CATEGORIES.values()},
    )


@customer_required
def new_ticket(request: HttpRequest, customer: Customer, category: str) -> HttpResponse:
    try:
        kind = get_category(category)
    except ApiError:
        raise Http404 from None
    form = NewTicketForm(kind, request.POST or None, request.FILES or None)
    limited: ratelimit.RateLimited | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("attachment")
        files = [NewFile(upload.name, upload.read())] if upload else []
        try:
            ratelimit.hit_request(request, "ticket_create", customer=customer.pk)
            opened = open_ticket(
                channel=Channel.PORTAL,
                subject=form.cleaned_data["subject"],
                text=form.cleaned_data["text"],
                customer=customer,
                category=kind.slug,
                fields=form.category_fields(),
                requested_priority=form.cleaned_data.get("requested_priority") or "",
                files=files,
                client_id=request.POST.get("client_id", "")[:64],
            )
        except ApiError as problem:
            _form_errors(form, problem)
            limited = problem if isinstance(problem, ratelimit.RateLimited) else None
        else:
            if opened.duplicate_of is not None:
                messages.info(
                    request,
                    _("We linked this to your open ticket %(number)s.")
                    % {"number": opened.duplicate_of.number},
                )
            return redirect("portal-ticket", public_id=opened.ticket.public_id)
    response = render(
        request,
        "web/portal/new_ticket.html",
        {"customer": customer, "category": kind, "form": form},
        status=429 if limited else 200,
    )
    if limited:  # the form comes back as typed, with the reason, and nothing is stored
        response["Retry-After"] = str(limited.retry_after)
    return response


@customer_required
def ticket_page(request: HttpRequest, customer: Customer, public_id: str) -> HttpResponse:
    ticket = _own_ticket(customer, public_id)
    reply_form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and reply_form.is_valid():
        upload = reply_form.cleaned_data.get("attachment")
        files = [NewFile(upload.name, upload.read())] if upload else []
        try:
            message = customer_reply(
                ticket, text=reply_form.cleaned_data["text"], channel=Channel.PORTAL, files=files
            )
        except ApiError as problem:
            _form_errors(reply_form, problem)
        else:
            return redirect("portal-ticket", public_id=message.ticket.public_id)
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    return render(
        request,
        "web/portal/ticket.html",
        {
            "customer": customer,
            "ticket": ticket,
            "timeline": public_timeline(ticket),
            "messages_list": conversation(ticket, internal=False),
            "reply_form": reply_form,
            "rating": rating,
            "rating_form": RatingForm() if _ratable(ticket) and rating is None else None,
            "escalation_opens_at": escalation_opens_at(ticket),
        },
    )


@customer_required
def ticket_state(request: HttpRequest, customer: Customer, public_id: str) -> JsonResponse:
    """What the open ticket page polls to know it should refresh."""
    ticket = _own_ticket(customer, public_id)
    return JsonResponse(
        {
            "status": ticket.status,
            "last_seq": ticket.last_seq,
            "steps": len(public_timeline(ticket)),
        }
    )


@customer_required
def escalate(request: HttpRequest, customer: Customer, public_id: str) -> HttpResponse:
    ticket = _own_ticket(customer, public_id)
    if request.method == "POST":
        try:
            request_escalation(ticket, reason=request.POST.get("reason", ""))
            messages.success(request, _("A supervisor will follow your ticket."))
        except ApiError as problem:
            messages.error(request, problem.message)
    return redirect("portal-ticket", public_id=ticket.public_id)


@customer_required
def rate_ticket(request: HttpRequest, customer: Customer, public_id: str) -> HttpResponse:
    ticket = _own_ticket(customer, public_id)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate(ticket, form.cleaned_data["score"], form.cleaned_data["comment"])
            messages.success(request, _("Thank you for your rating."))
        except ApiError as problem:
            messages.error(request, problem.message)
    return redirect("portal-ticket", public_id=ticket.public_id)


@customer_required
def attachment(request: HttpRequest, customer: Customer, public_id: str, pk: int) -> FileResponse:
    ticket = _own_ticket(customer, public_id)
    ids = [ticket.pk, *ticket.merged_tickets.values_list("pk", flat=True)]
    found = Attachment.objects.filter(pk=pk, ticket_id__in=ids).first()
    if found is None:
        raise Http404
    return attachment_response(found)


def _own_ticket(customer: Customer, public_id: str) -> Ticket:
    ticket = Ticket.objects.filter(public_id=public_id, customer=customer).first()
    if ticket is None:
        raise Http404
    return ticket


def _ratable(ticket: Ticket) -> bool:
    return ticket.status in (Status.SOLVED, Status.CLOSED) and ticket.merged_into_id is None


def _form_errors(form: Any, problem: ApiError) -> None:
    if problem.details:
        for name, text in problem.details.items():
            field = f"field_{name}" if f"field_{name}" in form.fields else None
            form.add_error(field, text)
    elif problem.code.startswith("attachment"):
        form.add_error("attachment", problem.message)
    else:
        form.add_error(None, problem.message)
