"""Pages around live chat: the demo exchange that embeds the widget, the agent console and the
supervisor wall. The pages are shells; the widget and console talk to ``/ws/``
(docs/chat-protocol.md).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent, Customer, Role, Team
from kefu.exchange.backoffice import DEFAULT_BACKEND
from kefu.tickets.models import CannedReply
from kefu.trust import access

from .staff import customer_data_required, supervisor_required

WIDGET_SIGNATURE_LIFETIME = 24 * 3600
DEMO_BACKENDS = "kefu.exchange.demo."  # the demo back office, up or in a simulated outage


def demo_exchange(request: HttpRequest) -> HttpResponse:
    """A fictional exchange's page. Its server signs the signed-in user for the widget, exactly
    as a real exchange would; ``?as=anonymous`` shows the widget to a visitor.

    It signs in whichever customer it is asked for, so it exists only while Kefu runs beside
    the demo exchange: with a real exchange's back office it would let anyone read anyone's
    chats and tickets."""
    backend = getattr(settings, "KEFU_EXCHANGE_BACKEND", DEFAULT_BACKEND)
    if not backend.startswith(DEMO_BACKENDS):
        raise Http404
    who = request.GET.get("as", "100001")
    customer = None if who == "anonymous" else Customer.objects.filter(exchange_uid=who).first()
    identity = None
    if customer is not None:
        expires = int(time.time()) + WIDGET_SIGNATURE_LIFETIME
        identity = {
            "customer_id": customer.exchange_uid,
            "expires": expires,
            "signature": sign_customer(customer.exchange_uid, expires),
        }
    return render(
        request,
        "web/demo_exchange.html",
        {
            "customer": customer,
            "identity": identity,
            "customers": Customer.objects.all()[:10],
        },
    )


def _console_context(agent: Agent) -> dict[str, object]:
    canned = [
        {"id": c.pk, "title": c.title, "body": c.body, "language": c.language}
        for c in CannedReply.objects.all()
    ]
    teams = [{"slug": t.slug, "name": t.name} for t in Team.objects.all()]
    agents = [
        {"id": a.pk, "name": str(a)}
        for a in access.assignable_agents().filter(role__in=[Role.AGENT, Role.SUPERVISOR])
    ]
    return {
        "agent": agent,
        "console_data": {
            "agent": {"id": agent.pk, "name": str(agent), "role": agent.role},
            "canned": canned,
            "teams": teams,
            "agents": agents,
        },
    }


@customer_data_required
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "console/console.html", _console_context(request.user))  # type: ignore[arg-type]


@supervisor_required
def supervisor(request: HttpRequest) -> HttpResponse:
    """The wall itself comes over the console socket, scoped to the supervisor's teams."""
    agent: Agent = request.user  # type: ignore[assignment]
    return render(request, "console/supervisor.html", _console_context(agent))
