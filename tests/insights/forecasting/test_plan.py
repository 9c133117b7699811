"""The staffing plan: forecast per interval, Erlang C agents, shrinkage, totals per day.

Published example 1 -- Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked
Example" (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30
minutes, average handle time 180 s, 80 % answered within 20 s, maximum occupancy 85 %, shrinkage
30 %. Stated: 14 agents, service level 88.8 %, occupancy 71.4 %, average speed of answer 7.8 s,
and 14 / (1 - 0.3) = 20 agents to roster.

Published example 2 -- README of the PyPI package call-center-tools
(https://pypi.org/project/call-center-tools/): 1000 calls per hour (500 per 30 minutes), AHT
120 s, 80 % in 20 s, maximum occupancy 85 %, shrinkage 30 %. Stated: 40 agents (the occupancy
cap binds), 58 with shrinkage.

A history of exactly that many contacts in every interval is forecast exactly, so every interval
of the plan must carry the published numbers, and the totals per day follow from them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kefu import clock
from kefu.errors import ApiError
from kefu.insights.forecasting.plan import staffing_plan
from kefu.insights.forecasting.series import PER_DAY, ContactSeries
from kefu.insights.models import ContactInterval
from kefu.routing import erlang
from kefu.tickets.models import Channel, ChatState, Ticket

from .helpers import MONDAY

CCH = {"target_share": 0.8, "target_wait_seconds": 20, "handle_seconds": 180.0}


def flat(contacts: float, days: int = 14) -> ContactSeries:
    return ContactSeries(MONDAY, np.full(days * PER_DAY, contacts))


def test_call_centre_helper_example_in_every_interval() -> None:
    plan = staffing_plan(history=flat(100), shrinkage=0.3, max_occupancy=0.85, **CCH)
    assert plan.start == MONDAY + timedelta(days=14)
    assert len(plan.intervals) == 7 * PER_DAY
    first = plan.intervals[0]
    assert first.contacts == pytest.approx(100)
    assert (first.agents_needed, first.agents_scheduled) == (14, 20)
    assert round(first.service_level, 3) == 0.888
    assert round(first.occupancy, 3) == 0.714
    assert round(first.average_wait_seconds, 1) == 7.8
    assert {(i.agents_needed, i.agents_scheduled) for i in plan.intervals} == {(14, 20)}


def test_totals_per_day() -> None:
    plan = staffing_plan(history=flat(100), shrinkage=0.3, **CCH)
    assert len(plan.daily) == 7
    monday = plan.daily[0]
    assert monday.day == (MONDAY + timedelta(days=14)).date()
    assert monday.contacts == pytest.approx(4800)
    assert monday.agent_hours_needed == 14 * 24
    assert monday.agent_hours_scheduled == 20 * 24
    assert monday.peak_agents_scheduled == plan.peak_agents_scheduled == 20
    assert plan.total_contacts == pytest.approx(7 * 4800)


def test_call_center_tools_example_occupancy_cap_and_shrinkage() -> None:
    plan = staffing_plan(
        history=flat(500),
        target_share=0.8,
        target_wait_seconds=20,
        handle_seconds=120,
        shrinkage=0.3,
        max_occupancy=0.85,
        days=1,
    )
    assert {(i.agents_needed, i.agents_scheduled) for i in plan.intervals} == {(40, 58)}
    assert round(plan.intervals[0].occupancy, 4) == 0.8333


def test_no_shrinkage_schedules_what_is_needed() -> None:
    plan = staffing_plan(history=flat(100), shrinkage=0.0, days=1, **CCH)
    assert {(i.agents_needed, i.agents_scheduled) for i in plan.intervals} == {(14, 14)}


def test_quiet_intervals_need_nobody() -> None:
    plan = staffing_plan(history=flat(0), days=1, **CCH)
    assert {(i.agents_needed, i.agents_scheduled, i.service_level) for i in plan.intervals} == {
        (0, 0, 1.0)
    }


def test_a_later_start_and_an_earlier_one() -> None:
    history = flat(100)
    later = staffing_plan(history=history, start=history.end + timedelta(days=2), days=1, **CCH)
    assert later.start == history.end + timedelta(days=2)
    assert len(later.intervals) == PER_DAY
    earlier = staffing_plan(history=history, start=history.end - timedelta(days=7), days=1, **CCH)
    assert earlier.history_end == history.end - timedelta(days=7)


def test_needs_a_week_of_history() -> None:
    with pytest.raises(ApiError) as caught:
        staffing_plan(history=flat(10, days=6), **CCH)
    assert caught.value.code == "history_too_short"


@pytest.mark.parametrize(
    "bad",
    [
        {"days": 0},
        {"days": 29},
        {"target_share": 1.0},
        {"target_wait_seconds": -1},
        {"handle_seconds": 0.0},
        {"shrinkage": 1.0},
        {"max_occupancy": 0.0},
    ],
)
def test_invalid_parameters(bad: dict[str, float]) -> None:
    arguments = {**CCH, **bad}
    with pytest.raises(ApiError) as caught:
        staffing_plan(history=flat(100), **arguments)  # type: ignore[arg-type]
    assert caught.value.code == "plan_invalid"


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def desk_history(db: None) -> None:
    first = NOW - timedelta(days=14)
    ContactInterval.objects.bulk_create(
        ContactInterval(start=first + i * timedelta(minutes=30), channel="chat", contacts=100)
        for i in range(14 * PER_DAY)
    )


@pytest.mark.usefixtures("desk_history")
def test_desk_plan_takes_handle_time_from_recent_chats(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_DEFAULT_HANDLE_SECONDS = 999
    with clock.frozen(NOW):
        assert staffing_plan(days=1).handle_seconds_source == "default"
        assert staffing_plan(days=1).handle_seconds == 999
        for n in range(20):
            assigned = NOW - timedelta(hours=2, minutes=n)
            Ticket.objects.create(
                channel=Channel.CHAT,
                chat_state=ChatState.ENDED,
                assigned_at=assigned,
                ended_at=assigned + timedelta(seconds=180),
            )
        plan = staffing_plan(days=1, target_share=0.8, target_wait_seconds=20, shrinkage=0.3)
    assert (plan.handle_seconds, plan.handle_seconds_source) == (180, "history")
    assert plan.start == NOW
    assert {(i.agents_needed, i.agents_scheduled) for i in plan.intervals} == {(14, 20)}


@pytest.mark.usefixtures("desk_history")
def test_only_contacts_that_reach_a_person_load_the_agents() -> None:
    """30 recent contacts: 10 chats the assistant ended alone, 10 queued chats, 10 emails, so
    2/3 reach a person; 100 contacts per interval become 66.7 for Erlang C."""
    with clock.frozen(NOW):
        assert staffing_plan(days=1, handle_seconds=180).person_share_source == "default"
        opened = NOW - timedelta(days=2)
        for _n in range(10):
            Ticket.objects.create(
                channel=Channel.CHAT, chat_state=ChatState.ENDED, created_at=opened
            )
            Ticket.objects.create(
                channel=Channel.CHAT,
                chat_state=ChatState.ENDED,
                created_at=opened,
                queued_at=opened + timedelta(minutes=1),
            )
            Ticket.objects.create(channel=Channel.EMAIL, created_at=opened)
        plan = staffing_plan(days=1, handle_seconds=180, target_wait_seconds=20, shrinkage=0.3)
        told = staffing_plan(days=1, handle_seconds=180, target_wait_seconds=20, person_share=1.0)
    assert (plan.person_share, plan.person_share_source) == (pytest.approx(2 / 3), "history")
    interval = plan.intervals[0]
    assert interval.contacts == pytest.approx(100) and interval.for_agents == pytest.approx(
        66.67, abs=0.01
    )
    assert interval.agents_needed == erlang.agents_needed(interval.for_agents / 1800, 180, 0.8, 20)
    assert told.intervals[0].agents_needed == 14  # every contact, as published for 100 in 30 min
    assert interval.agents_needed < told.intervals[0].agents_needed
    with pytest.raises(ApiError) as refused:
        staffing_plan(days=1, handle_seconds=180, person_share=0)
    assert refused.value.code == "plan_invalid"
