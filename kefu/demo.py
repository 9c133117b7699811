"""Loading the demo exchange on first start, once per database."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from kefu.accounts.demo_data import load_demo_accounts
from kefu.events.models import Event
from kefu.events.services import record_event
from kefu.exchange.demo_data import load_demo_exchange
from kefu.helpcenter.demo_data import load_demo_helpcenter
from kefu.insights.demo_tickets import load_demo_ticket_history
from kefu.insights.forecasting.demo_history import load_demo_contact_history
from kefu.insights.incidents.demo_data import load_demo_incidents
from kefu.insights.quality.demo_data import load_demo_quality
from kefu.routing.demo_data import load_demo_routing
from kefu.tickets.sla.policy import ensure_default_policies
from kefu.trust.demo_data import load_demo_channels

DEMO_SUBJECT = ("kefu.demo", "beacon")


def demo_loaded() -> bool:
    return Event.objects.filter(kind="demo.loaded").exists()


def load_demo(progress: Callable[[int, int, str], None] | None = None) -> str | None:
    """Load demo staff, customers, help center and back office unless done before; returns the
    staff password."""
    ensure_default_policies()  # SLA targets; demo data from before tickets gains them too
    if demo_loaded():
        load_demo_routing()  # demo data from before live chat existed gains its queues
        load_demo_channels()  # and, from before the channel checker, its official channels
        return None
    with transaction.atomic():
        password = load_demo_accounts()
        report = load_demo_helpcenter(progress=progress)
        exchange = load_demo_exchange()
        load_demo_routing()
        load_demo_channels()
        load_demo_ticket_history()
        load_demo_contact_history()
        load_demo_incidents()
        load_demo_quality()
        record_event(
            "demo.loaded",
            DEMO_SUBJECT,
            data={"articles": dict(report.articles), "exchange": exchange},
        )
    return password
