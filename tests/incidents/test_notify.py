"""When an incident is resolved, the customers of its open related tickets are told, in their
language, exactly once; closed, earlier and unrelated tickets are left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from kefu import clock
from kefu.accounts.models import Agent, Customer
from kefu.assistant.actions import start_conversation
from kefu.connectors.email.models import OutboundKind, OutboundMail
from kefu.connectors.webchat.outbox import customer_group
from kefu.errors import ApiError
from kefu.insights.incidents.actions import link_ticket, resolve
from kefu.insights.incidents.models import Incident, IncidentTicket, LinkSource
from kefu.insights.incidents.notify import notify_resolution
from kefu.jobs import run_now
from kefu.tickets.actions import open_chat
from kefu.tickets.models import Message, Status, Ticket
from kefu.tickets.opening import open_ticket
from kefu.tickets.timeline import conversation
from kefu.tickets.workflow import change_status

from ..staff import sign_in
from .conftest import RESOLVED, heard_by

pytestmark = pytest.mark.usefixtures("frozen")
TX = "0x" + "cd" * 32


def portal(category: str, text: str, language: str = "en", **fields: str) -> Ticket:
    customer = Customer.objects.get(exchange_uid="100001")
    defaults = {"tx_hash": TX, "amount": "100"} if category == "deposit" else {}
    if category == "withdrawal":
        defaults = {"amount": "100"}
    return open_ticket(
        channel="portal",
        subject=text[:60],
        text=text,
        customer=customer,
        category=category,
        fields={**defaults, **fields} or None,
        language=language,
    ).ticket


def notices(ticket: Ticket) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, kind="incident"))


@pytest.fixture
def tickets(desk: None, frozen: datetime, wang: Agent) -> dict[str, Ticket]:
    made: dict[str, Any] = {}
    with clock.frozen(frozen - timedelta(hours=1)):
        made["earlier"] = portal("deposit", "USDT deposit missing", coin="USDT", network="TRC20")
    made["portal_zh"] = portal(
        "deposit", "USDT 充值没到账", language="zh-hans", coin="USDT", network="TRC20"
    )
    made["email"] = open_ticket(
        channel="email",
        subject="Deposit late",
        text="My USDT deposit via TRC20 is late, please check",
        requester_email="alice@example.com",
        language="en",
    ).ticket
    made["erc20"] = portal("deposit", "USDT deposit missing", coin="USDT", network="ERC20")
    made["withdrawal"] = portal("withdrawal", "withdrawal stuck", coin="USDT", network="TRC20")
    made["closed"] = portal("deposit", "deposit missing", coin="USDT", network="TRC20")
    change_status(made["closed"], Status.CLOSED, by=wang)
    made["kyc_linked"] = portal("kyc", "My verification is stuck, also my TRC20 deposit")
    return made


def test_resolution_tells_open_related_tickets_once_in_their_language(
    open_trc20: Callable[..., Incident],
    supervisor: Agent,
    wang: Agent,
    tickets: dict[str, Ticket],
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident = open_trc20()
    link_ticket(incident, tickets["kyc_linked"], by=wang)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(incident, messages=RESOLVED, by=supervisor)

    told = {name for name, ticket in tickets.items() if notices(ticket)}
    assert told == {"portal_zh", "email", "kyc_linked"}
    [chinese] = notices(tickets["portal_zh"])
    assert "TRC20 充值延迟" in chinese.text
    assert "TRC20 充值已恢复正常。" in chinese.text and not chinese.internal
    assert chinese.author == "agent" and chinese.agent == supervisor
    assert chinese in conversation(tickets["portal_zh"], internal=False)  # the portal shows it
    [english] = notices(tickets["email"])
    assert "TRC20 deposits are back to normal." in english.text
    mail = OutboundMail.objects.filter(ticket=tickets["email"], kind=OutboundKind.REPLY)
    assert mail.count() == 1 and "back to normal" in mail.get().body

    links = IncidentTicket.objects.filter(incident=incident)
    assert {link.ticket_id: link.source for link in links} == {
        tickets["kyc_linked"].pk: LinkSource.AGENT,
        tickets["portal_zh"].pk: LinkSource.MATCHED,
        tickets["email"].pk: LinkSource.MATCHED,
    }
    assert {link.notified_language for link in links} == {"zh-hans", "en"}
    assert all(link.notified_at is not None for link in links)
    # Nothing changed the tickets' own state.
    tickets["portal_zh"].refresh_from_db()
    assert tickets["portal_zh"].status == Status.NEW and tickets["portal_zh"].assignee is None

    # A retried job, or the job run by hand, tells nobody twice.
    assert notify_resolution(incident.pk) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert run_now("incidents.notify_resolved", incident_id=incident.pk) == 0
    with pytest.raises(ApiError):
        resolve(incident, messages=RESOLVED, by=supervisor)
    assert sum(len(notices(t)) for t in tickets.values()) == 3
    assert OutboundMail.objects.filter(kind=OutboundKind.REPLY).count() == 1


def test_a_ticket_told_already_is_not_told_again_even_without_its_link(
    open_trc20: Callable[..., Incident], supervisor: Agent, tickets: dict[str, Ticket]
) -> None:
    incident = open_trc20()
    resolve(incident, messages=RESOLVED, by=supervisor)  # the job waits for a commit
    assert notify_resolution(incident.pk) == 2
    IncidentTicket.objects.filter(incident=incident).delete()  # as if the record were lost
    assert notify_resolution(incident.pk) == 0
    assert len(notices(tickets["portal_zh"])) == 1


def test_agents_link_tickets_they_can_see_from_the_incident_page(
    open_trc20: Callable[..., Incident], wang: Agent, tickets: dict[str, Ticket], client: Client
) -> None:
    incident = open_trc20()
    ticket = tickets["kyc_linked"]
    Ticket.objects.filter(pk=ticket.pk).update(assignee=wang)
    sign_in(client, wang)
    response = client.post(f"/en/console/incidents/{incident.pk}/link/", {"ticket": ticket.number})
    assert response.status_code == 302
    assert IncidentTicket.objects.filter(incident=incident, ticket=ticket).exists()
    page = client.get(f"/en/console/incidents/{incident.pk}/").content.decode()
    assert f'data-ticket="{ticket.number}"' in page

    hidden = Ticket.objects.create(channel="portal", category="deposit", subject="not Wang's")
    client.post(f"/en/console/incidents/{incident.pk}/link/", {"ticket": hidden.number})
    assert not IncidentTicket.objects.filter(ticket=hidden).exists()


def test_a_customer_still_in_the_chat_sees_the_notice_at_once(
    open_trc20: Callable[..., Incident],
    supervisor: Agent,
    desk: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = Customer.objects.get(exchange_uid="100003")
    conversation = start_conversation(customer, "en")
    conversation.state = {"facts": [{"kind": "network", "value": "TRC20"}]}
    conversation.save(update_fields=["state"])
    chat = open_chat(customer, "en", conversation)
    incident = open_trc20()

    def resolve_it() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            resolve(incident, messages=RESOLVED, by=supervisor)

    frame = heard_by(customer_group(chat.pk), resolve_it)["frame"]
    assert frame["type"] == "message" and frame["kind"] == "incident"
    assert "back to normal" in frame["text"] and frame["seq"] == chat.messages.get().seq
