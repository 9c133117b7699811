"""The forecast and staffing page on a hand-built history with a known answer.

Fourteen days of exactly 6 chats every 30 minutes, handled in 300 s: 1 Erlang of traffic. Erlang C
with 2 agents answers 73 % within 60 s, with 3 agents 94 %, so 80/60 needs 3 agents on the queue,
and with 30 % shrinkage ceil(3 / 0.7) = 5 on the rota, in every interval."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from kefu.insights.models import ContactInterval

from .conftest import NOW

pytestmark = pytest.mark.usefixtures("frozen_clock")
URL = "/en/console/insights/forecast/"
KNOWN = "handle_seconds=300&target_share=80&target_wait_seconds=60&shrinkage=30"


@pytest.fixture
def history(db: None) -> None:
    first = NOW - timedelta(days=14)
    ContactInterval.objects.bulk_create(
        ContactInterval(start=first + timedelta(minutes=30 * i), channel="chat", contacts=6)
        for i in range(14 * 48)
    )


def test_url_name() -> None:
    assert reverse("insights:forecast") == URL


@pytest.mark.usefixtures("history")
def test_plan_table_and_chart_for_a_known_history(supervisor_client: Client) -> None:
    response = supervisor_client.get(f"{URL}?{KNOWN}")
    assert response.status_code == 200
    plan = response.context["plan"]
    assert len(plan.intervals) == 7 * 48
    assert {(i.agents_needed, i.agents_scheduled) for i in plan.intervals} == {(3, 5)}
    assert [round(d.contacts) for d in plan.daily] == [288] * 7 or sum(
        d.contacts for d in plan.daily
    ) == pytest.approx(7 * 288)
    html = response.content.decode()
    assert 'data-insights="forecast-chart"' in html
    assert 'data-chart="line"' in html and 'data-empty="false"' in html
    assert html.count('<tr data-start="') == 7 * 48
    assert 'data-insights="peak-agents">5<' in html
    first = html.index(f'<tr data-start="{NOW.isoformat()}"')
    row = html[first : html.index("</tr>", first)]
    assert '<td class="num">6.0</td>' in row and '<td class="num">3</td>' in row
    assert '<td class="num">5</td>' in row


@pytest.mark.usefixtures("history")
def test_defaults_when_the_form_is_blank(supervisor_client: Client) -> None:
    response = supervisor_client.get(URL)
    assert response.status_code == 200
    plan = response.context["plan"]
    assert (plan.target_share, plan.target_wait_seconds, plan.shrinkage, plan.days) == (
        0.8,
        60,
        0.3,
        7,
    )


@pytest.mark.usefixtures("history")
def test_parameters_change_the_plan(supervisor_client: Client) -> None:
    looser = supervisor_client.get(
        f"{URL}?handle_seconds=300&target_share=50&target_wait_seconds=60&shrinkage=0&days=2"
    ).context["plan"]
    assert len(looser.intervals) == 96
    assert {(i.agents_needed, i.agents_scheduled) for i in looser.intervals} == {(2, 2)}


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("target_share=100", "target_share"),
        ("target_share=abc", "target_share"),
        ("shrinkage=-5", "shrinkage"),
        ("shrinkage=96", "shrinkage"),
        ("handle_seconds=0", "handle_seconds"),
        ("target_wait_seconds=-1", "target_wait_seconds"),
        ("days=99", "days"),
        ("channel=fax", "channel"),
    ],
)
def test_bad_parameters_are_shown_and_nothing_is_planned(
    supervisor_client: Client, query: str, field: str
) -> None:
    response = supervisor_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.context["plan"] is None
    html = response.content.decode()
    assert f'<li data-field="{field}">' in html
    assert 'data-chart="line"' not in html


def test_without_history_the_page_says_so(supervisor_client: Client) -> None:
    response = supervisor_client.get(URL)
    assert response.status_code == 200
    assert 'data-code="history_too_short"' in response.content.decode()


@pytest.mark.usefixtures("history")
def test_csv_of_the_plan(supervisor_client: Client) -> None:
    response = supervisor_client.get(f"{URL}?{KNOWN}&days=1&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == [
        "interval_start",
        "forecast_contacts",
        "agents_needed",
        "agents_scheduled",
    ]
    assert len(rows) == 1 + 48
    assert rows[1][:4] == [NOW.isoformat(), "6.00", "3", "5"]


def test_only_supervisors_and_admins(
    client: Client, agent_client: Client, editor_client: Client, admin_staff_client: Client
) -> None:
    assert agent_client.get(URL).status_code == 403
    assert editor_client.get(URL).status_code == 403
    assert client.get(URL).status_code == 302  # to the sign-in page
    assert admin_staff_client.get(URL).status_code == 200
