"""Counting tickets into the contact history: ended intervals only, idempotent, never over
history supplied from elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu import clock
from kefu.insights.forecasting.rollup import roll_up_contacts
from kefu.insights.forecasting.tasks import ROLLUP_EVERY_SECONDS
from kefu.insights.models import ContactInterval, ContactRollup, ContactSource
from kefu.jobs import registry
from kefu.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db
NINE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def opened(minutes: float, channel: str = Channel.CHAT) -> Ticket:
    return Ticket.objects.create(channel=channel, created_at=NINE + timedelta(minutes=minutes))


def history() -> dict[tuple[str, str], int]:
    return {
        (f"{row.start:%H:%M}", row.channel): row.contacts for row in ContactInterval.objects.all()
    }


@pytest.fixture
def tickets() -> None:
    opened(5)
    opened(20)
    opened(40, Channel.EMAIL)
    opened(70)  # 10:10, still in progress at 10:15


def test_counts_ended_intervals_per_channel(tickets: None) -> None:
    result = roll_up_contacts(NINE + timedelta(minutes=75))
    assert history() == {("09:00", "chat"): 2, ("09:30", "email"): 1}
    assert (result.since, result.until) == (NINE, NINE + timedelta(hours=1))
    assert result.created == 2
    assert ContactRollup.objects.get().counted_until == NINE + timedelta(hours=1)


def test_running_again_changes_nothing(tickets: None) -> None:
    roll_up_contacts(NINE + timedelta(minutes=75))
    again = roll_up_contacts(NINE + timedelta(minutes=75))
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert history() == {("09:00", "chat"): 2, ("09:30", "email"): 1}


def test_next_run_counts_on_and_recounts_the_last_hour(tickets: None) -> None:
    roll_up_contacts(NINE + timedelta(minutes=75))
    opened(50)  # a ticket whose transaction committed after 09:30-10:00 had been counted
    Ticket.objects.filter(created_at=NINE + timedelta(minutes=5)).delete()
    later = roll_up_contacts(NINE + timedelta(minutes=100))
    assert history() == {
        ("09:00", "chat"): 1,
        ("09:30", "chat"): 1,
        ("09:30", "email"): 1,
        ("10:00", "chat"): 1,
    }
    assert (later.created, later.updated) == (2, 1)


def test_stale_counts_are_removed(tickets: None) -> None:
    roll_up_contacts(NINE + timedelta(minutes=75))
    Ticket.objects.filter(channel=Channel.EMAIL).delete()
    assert roll_up_contacts(NINE + timedelta(minutes=80)).deleted == 1
    assert ("09:30", "email") not in history()


def test_supplied_history_is_never_overwritten(tickets: None) -> None:
    ContactInterval.objects.create(
        start=NINE, channel="chat", contacts=50, source=ContactSource.DEMO
    )
    roll_up_contacts(NINE + timedelta(minutes=75))
    assert history()[("09:00", "chat")] == 50
    assert ContactInterval.objects.get(start=NINE, channel="chat").source == ContactSource.DEMO


def test_no_tickets_yet() -> None:
    result = roll_up_contacts(NINE)
    assert result.since is None and result.created == 0
    assert ContactRollup.objects.get().counted_until == NINE


def test_registered_as_a_periodic_job(tickets: None) -> None:
    spec = registry.get("insights.roll_up_contacts")
    assert registry.schedule()["insights.roll_up_contacts"] == ROLLUP_EVERY_SECONDS
    with clock.frozen(NINE + timedelta(minutes=75)):
        done = spec.func()
    assert done["created"] == 2 and done["until"] == "2026-11-23T10:00:00+00:00"
