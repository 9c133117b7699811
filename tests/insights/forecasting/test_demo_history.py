"""The demo's months of contact history: shaped like a 24/7 exchange, seeded, and never
overlapping the tickets counted after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kefu import clock
from kefu.insights.forecasting.demo_history import (
    DEMO_DAYS,
    generate_contact_history,
    load_demo_contact_history,
)
from kefu.insights.forecasting.plan import staffing_plan
from kefu.insights.forecasting.series import PER_DAY
from kefu.insights.models import ContactInterval, ContactSource
from kefu.tickets.models import Channel, Ticket

NOW = datetime(2026, 11, 23, 9, 10, tzinfo=UTC)  # a Monday


def total(end: datetime = NOW) -> np.ndarray:
    return np.sum([s.counts for s in generate_contact_history(end).values()], axis=0)


def test_seeded() -> None:
    assert np.array_equal(total(), total())


def test_shape_of_a_24_7_exchange() -> None:
    end = datetime(2026, 11, 23, tzinfo=UTC)  # midnight: whole days, starting on a Monday
    by_day = total(end).reshape(DEMO_DAYS, PER_DAY)
    by_hour = by_day.mean(axis=0).reshape(24, 2).sum(axis=1)
    assert by_hour.min() > 0.25 * by_hour.max()  # around the clock, no closed hours
    assert 12 <= int(np.argmax(by_hour)) <= 14  # the Asian evening, in UTC
    daily = by_day.sum(axis=1)
    weekday = (end - timedelta(days=DEMO_DAYS)).weekday()
    weekdays = (weekday + np.arange(DEMO_DAYS)) % 7
    weekend, week = daily[weekdays >= 5].mean(), daily[weekdays < 5].mean()
    assert 0.75 * week < weekend < 0.95 * week  # quieter, but much less than a bank's
    assert daily.max() > 1.3 * np.median(daily)  # a volatile market day


@pytest.mark.django_db
def test_demo_history_ends_where_tickets_begin() -> None:
    first = NOW - timedelta(days=3, minutes=20)
    Ticket.objects.create(channel=Channel.CHAT, created_at=first)
    Ticket.objects.create(channel=Channel.EMAIL, created_at=NOW - timedelta(hours=2))
    with clock.frozen(NOW):
        load_demo_contact_history()
        demo = ContactInterval.objects.filter(source=ContactSource.DEMO)
        last = demo.latest("start").start
        assert last < first <= last + timedelta(minutes=60)
        assert demo.earliest("start").start >= first - timedelta(days=DEMO_DAYS, minutes=30)
        counted = ContactInterval.objects.filter(source=ContactSource.ROLLUP)
        assert sorted(counted.values_list("channel", "contacts")) == [("chat", 1), ("email", 1)]
        plan = staffing_plan(days=1, handle_seconds=300)
    assert len(plan.intervals) == PER_DAY and plan.total_contacts > 500
    assert plan.peak_agents_scheduled > plan.intervals[0].agents_needed > 0

    rows = ContactInterval.objects.count()
    load_demo_contact_history()  # a second start loads nothing again
    assert ContactInterval.objects.count() == rows
