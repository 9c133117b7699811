"""The demo weeks of tickets: loaded once, the same for the same moment, shown by every metric,
and finished: nothing left for the SLA scan or the nightly close."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.events.models import Event
from kefu.insights.demo_tickets import DAYS, SPIKE_DAYS_AGO, load_demo_ticket_history, plan_history
from kefu.insights.metrics import Filters, compute
from kefu.routing.demo_data import load_demo_routing
from kefu.tickets.models import ChatState, Message, Status, Ticket
from kefu.tickets.sla.policy import ensure_default_policies
from kefu.tickets.sla.scan import scan
from kefu.tickets.workflow import close_solved

# Later than any real moment the suite runs at: the demo help center and accounts are written
# at the real time, and "nothing written at or after NOW" must only see the frozen history.
NOW = datetime(2031, 11, 28, 15, 20, tzinfo=UTC)


@pytest.fixture
def loaded(db: None) -> Iterator[int]:
    load_demo_accounts()
    ensure_default_policies()
    load_demo_routing()
    with clock.frozen(NOW):
        yield load_demo_ticket_history()


def test_the_plan_is_the_same_for_the_same_moment() -> None:
    first, again = plan_history(NOW), plan_history(NOW)
    assert first == again
    assert plan_history(NOW, seed=1) != first
    assert len(first) > 20 * DAYS


def test_loaded_once_and_finished(loaded: int) -> None:
    assert loaded == Ticket.objects.count() > 2000
    assert load_demo_ticket_history() == 0  # a desk with tickets gets no more
    assert set(Ticket.objects.values_list("status", flat=True)) <= {Status.SOLVED, Status.CLOSED}
    chats = Ticket.objects.filter(channel="chat")
    assert set(chats.values_list("chat_state", flat=True)) == {ChatState.ENDED}
    assert not Event.objects.filter(created_at__gte=NOW).exists()
    assert not Message.objects.filter(created_at__gte=NOW).exists()
    assert not Ticket.objects.filter(sla_next_check_at__isnull=False).exists()
    result = scan(NOW + timedelta(days=30))  # even much later: no clock is running
    assert (result.candidates, result.breaches) == (0, 0)
    assert close_solved() == 0  # those solved over a week ago are closed already


def test_every_metric_has_something_to_show(loaded: int) -> None:
    window = Filters(NOW - timedelta(days=DAYS), NOW)
    report = compute(window, by="channel")
    assert [row.key for row in report.rows] == ["chat", "email", "portal", "telegram"]
    total = report.total
    for metric in (
        "opened",
        "solved",
        "first_response_p90",
        "next_response_p50",
        "resolution_p50",
        "fcr_rate",
        "reopen_rate",
        "csat_mean",
        "containment_rate",
        "handover_rate",
        "sla_attainment",
        "sla_first_response_attainment",
        "queue_wait_p99",
        "abandonment_rate",
    ):
        value = total.value(metric)
        assert value is not None and value > 0, metric
    assert total.sla.breached > 0
    assert 0.3 < (total.containment_rate or 0) < 0.7
    assert {"customer_request", "urgent_security"} <= set(report.handover_reasons)
    assert {c.language for c in report.csat_comments} == {"en", "zh-hans"}
    by_language = {row.key: row.opened for row in compute(window, by="language").rows}
    assert by_language["zh-hans"] > 0 and by_language["en"] > 0
    agents = compute(window, by="agent").rows
    assert {row.label for row in agents} >= {"Wang Fang", "Chen Jie", "Sam Carter"}


def test_a_daily_cycle_a_weekly_cycle_and_a_volatile_day(loaded: int) -> None:
    midnight = NOW.replace(hour=0, minute=0)
    days = compute(Filters(midnight - timedelta(days=DAYS - 1), midnight), by="day").rows
    busiest = max(days, key=lambda row: row.opened)
    assert busiest.key == (midnight - timedelta(days=SPIKE_DAYS_AGO)).isoformat()
    others = [row for row in days if row is not busiest]
    assert busiest.opened > 1.6 * max(row.opened for row in others)
    assert busiest.abandoned > 3 * sum(row.abandoned for row in others) / len(others)
    weekend = [r.opened for r in others if datetime.fromisoformat(r.key).weekday() >= 5]
    weekdays = [r.opened for r in others if datetime.fromisoformat(r.key).weekday() < 5]
    assert sum(weekend) / len(weekend) < sum(weekdays) / len(weekdays)
    hours = compute(Filters(midnight - timedelta(days=7), midnight), by="hour").rows
    by_hour = [sum(r.opened for r in hours if r.key[11:13] == f"{h:02d}") for h in range(24)]
    assert by_hour.index(max(by_hour)) in range(11, 17)  # the Asian evening
    assert min(by_hour) < max(by_hour) / 2
