"""The ticket API for the exchange's app, and the agents' desk: filters, time-to-breach order,
saved views and bulk actions."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent, Customer, SavedTicketView, Team
from kefu.tickets.models import Channel, Priority, Status, Ticket
from kefu.tickets.opening import open_ticket

from ..staff import sign_in
from .conftest import TX

pytestmark = pytest.mark.usefixtures("frozen_clock")


def signed(uid: str = "100001") -> dict[str, Any]:
    expires = int(time.time()) + 600
    return {
        "customer_id": uid,
        "customer_expires": expires,
        "customer_signature": sign_customer(uid, expires),
    }


def test_api_opens_reads_and_answers_only_its_customer(li_wei: Customer) -> None:
    client = Client()
    body = {
        **signed(),
        "category": "deposit",
        "subject": "missing deposit",
        "text": "250 USDT not credited",
        "fields": {"coin": "USDT", "network": "TRC20", "tx_hash": TX, "amount": "250"},
        "client_id": "app-1",
    }
    created = client.post("/api/v1/tickets/", body, content_type="application/json")
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["number"].startswith("K") and ticket["timeline"][0]["key"] == "received"
    again = client.post("/api/v1/tickets/", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["number"] == ticket["number"]

    url = f"/api/v1/tickets/{ticket['public_id']}"
    reply = client.post(
        f"{url}/replies", {**signed(), "text": "any news?"}, content_type="application/json"
    )
    assert reply.status_code == 201 and len(reply.json()["messages"]) == 2
    stranger = client.post(f"{url}/read", signed("100003"), content_type="application/json")
    assert stranger.status_code == 404 and stranger.json()["code"] == "ticket_not_found"


def test_a_new_tickets_answer_is_what_reading_it_back_shows(li_wei: Customer) -> None:
    """The creation answer is built from what opening wrote, not read back: it must not
    differ from a read in anything, duplicate link, priority events and notices included."""
    client = Client()
    deposit = {
        **signed(),
        "category": "deposit",
        "text": "250 USDT not credited",
        "fields": {"coin": "USDT", "network": "TRC20", "tx_hash": TX, "amount": "250"},
    }
    first = client.post("/api/v1/tickets/", deposit, content_type="application/json")
    repeat = client.post(
        "/api/v1/tickets/",
        {
            **deposit,
            "text": f"still nothing for {TX}, my password is Hunter2Hunter2!",
            "requested_priority": "urgent",
        },
        content_type="application/json",
    )
    assert first.status_code == repeat.status_code == 201
    created = repeat.json()
    assert created["duplicate_of"] == first.json()["number"]
    assert [m["author"] for m in created["messages"]] == ["customer", "system", "system"]
    assert "Hunter2" not in str(created)
    read = client.post(
        f"/api/v1/tickets/{created['public_id']}/read", signed(), content_type="application/json"
    )
    assert read.status_code == 200 and read.json() == created
    assert [step["key"] for step in created["timeline"]] == ["received", "linked"]


def test_api_reports_every_bad_field_and_bad_signatures(li_wei: Customer) -> None:
    client = Client()
    bad = client.post(
        "/api/v1/tickets/",
        {**signed(), "category": "deposit", "text": "x", "fields": {"coin": "??"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_fields"
    assert {"coin", "network", "tx_hash", "amount"} <= set(bad.json()["details"])
    forged = {**signed(), "customer_signature": "0" * 64, "text": "hi"}
    refused = client.post("/api/v1/tickets/", forged, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "bad_signature"
    unknown = client.post(
        "/api/v1/tickets/",
        {**signed(), "category": "nope", "text": "hi"},
        content_type="application/json",
    )
    assert unknown.json()["code"] == "unknown_category"
    assert not Ticket.objects.exists()


def _open(customer: Customer, category: str, text: str) -> Ticket:
    return open_ticket(
        channel=Channel.PORTAL, subject=text, text=text, customer=customer, category=category
    ).ticket


def test_desk_sorts_by_time_to_breach_saves_views_and_applies_bulk_actions(
    li_wei: Customer, wang: Agent
) -> None:
    wang.teams.add(*Team.objects.filter(slug__in=["account-kyc", "security"]))  # sees their tickets
    vip = Customer.objects.get(exchange_uid="100004")
    normal = _open(li_wei, "kyc", "verification pending for days")
    urgent = _open(vip, "account_security", "unknown login from abroad")
    assert urgent.priority == Priority.URGENT
    client = sign_in(Client(), wang)

    page = client.get("/en/console/tickets/").content.decode()
    assert page.index(urgent.number) < page.index(normal.number)  # the sooner breach first
    filtered = client.get("/en/console/tickets/?category=kyc").content.decode()
    assert normal.number in filtered and urgent.number not in filtered

    client.post("/en/console/tickets/views/", {"name": "KYC", "query": "category=kyc"})
    assert SavedTicketView.objects.get(agent=wang, name="KYC").query == "category=kyc"

    client.post(
        "/en/console/tickets/bulk/",
        {"ticket": [normal.pk, urgent.pk], "action": "status:on_hold"},
    )
    client.post("/en/console/tickets/bulk/", {"ticket": [normal.pk], "action": "assign_me"})
    normal.refresh_from_db()
    urgent.refresh_from_db()
    assert (normal.status, urgent.status) == (Status.ON_HOLD, Status.ON_HOLD)
    assert normal.assignee == wang

    client.post(f"/en/console/tickets/{urgent.pk}/", {"action": "note", "text": "called them"})
    client.post(
        f"/en/console/tickets/{urgent.pk}/",
        {"action": "reply", "text": "Your account is frozen now.", "status_after": "solved"},
    )
    urgent.refresh_from_db()
    assert urgent.status == Status.SOLVED and urgent.messages.filter(internal=True).count() == 1
    exported = client.get(f"/en/console/tickets/{urgent.pk}/export").json()
    assert [m["internal"] for m in exported["messages"]].count(True) == 1
    assert Client().get("/en/console/tickets/").status_code == 302  # agents only
