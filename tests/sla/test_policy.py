"""Which policy applies: the most specific match, ties to the stricter targets."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.accounts.models import Customer, Team
from kefu.tickets.models import Channel, Kind, SlaPolicy, Ticket
from kefu.tickets.sla.policy import choose_policy, ensure_default_policies

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults() -> list[SlaPolicy]:
    SlaPolicy.objects.all().delete()
    return ensure_default_policies()


def ticket(vip_tier: int = 0, **fields: Any) -> Ticket:
    customer = Customer.objects.create(
        exchange_uid=f"policy-{Customer.objects.count()}", vip_tier=vip_tier
    )
    fields.setdefault("channel", Channel.PORTAL)
    return Ticket(customer=customer, **fields)


def chosen(t: Ticket) -> str | None:
    policy = choose_policy(t)
    return policy.name if policy else None


def test_default_policies_by_priority_vip_and_kind(defaults: list[SlaPolicy]) -> None:
    assert [p.name for p in defaults] == ["Urgent", "High", "Normal", "Low", "VIP", "Complaints"]
    assert chosen(ticket(priority="normal")) == "Normal"
    assert chosen(ticket(priority="low")) == "Low"
    assert chosen(ticket(priority="urgent")) == "Urgent"
    assert chosen(ticket(vip_tier=2, priority="normal")) == "VIP"  # a tie: VIP is stricter
    assert chosen(ticket(vip_tier=2, priority="urgent")) == "Urgent"  # and urgent stricter still
    assert chosen(ticket(priority="normal", kind=Kind.COMPLAINT)) == "Complaints"
    assert chosen(Ticket(channel=Channel.CHAT, priority="high")) == "High"  # no customer: tier 0
    complaints = SlaPolicy.objects.get(name="Complaints")
    assert complaints.business_hours is not None
    assert complaints.business_hours.timezone == "Asia/Shanghai"


def test_defaults_are_created_once_and_edits_kept(defaults: list[SlaPolicy]) -> None:
    SlaPolicy.objects.filter(name="Normal").update(first_response_minutes=999)
    again = ensure_default_policies()
    assert len(again) == 6 and SlaPolicy.objects.count() == 6
    assert SlaPolicy.objects.get(name="Normal").first_response_minutes == 999


def test_more_criteria_win(defaults: list[SlaPolicy]) -> None:
    team = Team.objects.create(slug="sla-team", name="SLA team")
    SlaPolicy.objects.create(
        name="Email high",
        priority="high",
        channel=Channel.EMAIL,
        first_response_minutes=600,  # looser, but more specific
        next_response_minutes=600,
        resolution_minutes=6000,
    )
    SlaPolicy.objects.create(
        name="Team email high",
        priority="high",
        channel=Channel.EMAIL,
        team=team,
        first_response_minutes=700,
        next_response_minutes=700,
        resolution_minutes=7000,
    )
    assert chosen(ticket(priority="high", channel=Channel.EMAIL)) == "Email high"
    assert chosen(ticket(priority="high", channel=Channel.PORTAL)) == "High"
    assert chosen(ticket(priority="high", channel=Channel.EMAIL, team=team)) == "Team email high"


def test_a_higher_tier_gets_its_own_stricter_policy(defaults: list[SlaPolicy]) -> None:
    SlaPolicy.objects.create(
        name="VIP 5",
        min_vip_tier=5,
        first_response_minutes=20,
        next_response_minutes=60,
        resolution_minutes=600,
    )
    assert chosen(ticket(vip_tier=4, priority="low")) == "VIP"
    assert chosen(ticket(vip_tier=5, priority="low")) == "VIP 5"


def test_no_policy_no_clocks(db: Any) -> None:
    SlaPolicy.objects.all().delete()
    assert choose_policy(ticket(priority="normal")) is None
