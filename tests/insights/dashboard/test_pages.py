"""The dashboard, the agent report and the CSV export on a hand-built week with known answers.

The desk's clock is Monday 2026-11-23 09:00 UTC; "last 7 days" is 11-17 to 11-23. On 11-20:

- A (General, email, Chen Jie): opened 10:00, answered at 10:10 (FRT 10 min), solved at 12:00,
  rated 5 with the comment ``<b>Great</b> help``.
- B (General, chat): the assistant handed over ("asked_for_human"), queued at 11:01, the
  customer left at 11:04 (abandoned).
- C (Deposits and withdrawals, email, Wang Fang): opened 12:00, answered at 12:30 (FRT 30 min),
  rated 1 with the comment ``deposit team only``.

The supervisor (General and Security) sees General: A and B. The admin sees all three.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from kefu import clock
from kefu.accounts.models import Agent
from kefu.insights.quality.actions import score_review
from kefu.insights.quality.models import Review

from ...quality.conftest import make_rubric
from ..metrics.conftest import Story, minutes
from .conftest import NOW

DAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DASHBOARD = "/en/console/insights/"
AGENTS = "/en/console/insights/agents/"
EXPORT = "/en/console/insights/export.csv"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def week(desk: None) -> Story:
    with clock.frozen(NOW):
        story = Story()
        chen = Agent.objects.get(username="agent.chen")
        a = story.ticket(DAY, category="other", agent=chen)
        story.reply(a, DAY + minutes(10), agent=chen)
        story.solve(a, DAY + minutes(120))
        story.rate(a, DAY + minutes(180), 5, "<b>Great</b> help")
        b = story.chat(DAY + minutes(60))
        story.hand_over(b, DAY + minutes(61), "asked_for_human")
        story.queue(b, DAY + minutes(61))
        story.end_chat(b, DAY + minutes(64), resolution="abandoned")
        c = story.ticket(DAY + minutes(120), category="deposit", agent=story.wang)
        story.reply(c, DAY + minutes(150))
        story.rate(c, DAY + minutes(180), 1, "deposit team only")
    return story


@pytest.fixture(autouse=True)
def stopped_clock(frozen_clock: datetime) -> None:
    """The requests run at NOW too."""


def svgs(html: str) -> list[ET.Element]:
    """Every chart on the page, parsed (each must be well-formed XML)."""
    found = []
    start = 0
    while (start := html.find("<svg", start)) != -1:
        end = html.index("</svg>", start) + len("</svg>")
        found.append(ET.fromstring(html[start:end]))
        start = end
    return found


def tile(html: str, key: str) -> str:
    start = html.index(f'data-tile="{key}"')
    value = html.index('data-insights="tile-value">', start) + len('data-insights="tile-value">')
    return html[value : html.index("<", value)]


def test_supervisor_sees_their_teams_numbers(week: Story, supervisor_client: Client) -> None:
    response = supervisor_client.get(DASHBOARD)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["team"] == ""  # all of their teams together, none of the others
    assert [t.slug for t in form.teams] == ["general", "security"]
    assert form.filter_values()["teams"] == ("general", "security")
    html = response.content.decode()
    assert response.context["total"].opened == 2
    assert tile(html, "first_response") == "10m"
    assert tile(html, "csat") == "100%"
    assert tile(html, "abandonment") == "100%"
    assert tile(html, "handover") == "100%"
    assert tile(html, "containment") == "0%"
    # Comments are user-written: escaped, and only from the supervisor's team.
    assert "&lt;b&gt;Great&lt;/b&gt; help" in html and "<b>Great</b>" not in html
    assert "deposit team only" not in html
    assert 'data-reason="asked_for_human"' in html


def test_other_teams_are_refused(week: Story, supervisor_client: Client) -> None:
    response = supervisor_client.get(DASHBOARD + "?team=deposits-withdrawals")
    assert response.status_code == 400
    assert '<li data-field="team">' in response.content.decode()
    assert supervisor_client.get(EXPORT + "?team=deposits-withdrawals").status_code == 400
    assert supervisor_client.get(AGENTS + "?team=deposits-withdrawals").status_code == 400
    # and their other team is theirs to see (nothing happened there)
    security = supervisor_client.get(DASHBOARD + "?team=security")
    assert security.status_code == 200 and security.context["total"].opened == 0


def test_admin_sees_everything(week: Story, admin_staff_client: Client) -> None:
    response = admin_staff_client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["team"] == ""
    html = response.content.decode()
    assert response.context["total"].opened == 3
    assert tile(html, "first_response") == "20m"  # the median of 10 and 30 minutes
    assert tile(html, "csat") == "50%"
    assert "deposit team only" in html
    by_team = admin_staff_client.get(DASHBOARD + "?by=team")
    keys = [row["key"] for row in by_team.context["breakdown_rows"]]
    assert keys == ["deposits-withdrawals", "general"]


def test_charts_are_drawn_from_the_numbers(week: Story, supervisor_client: Client) -> None:
    html = supervisor_client.get(DASHBOARD).content.decode()
    charts = {
        figure: svg
        for figure, svg in zip(
            [
                k
                for k in (
                    "contacts",
                    "first_response",
                    "csat",
                    "sla",
                    "queue_wait",
                    "handover_reasons",
                )
            ],
            [s for s in svgs(html) if s.get("data-chart") in ("line", "bar")],
            strict=True,
        )
    }
    for svg in charts.values():
        assert svg.get("role") == "img" and svg.find(SVG + "title").text
    contacts = charts["contacts"]
    assert contacts.get("data-empty") == "false"
    bars = [r for r in contacts.iter(SVG + "rect") if r.get("class") == "chart-bar"]
    assert sorted(r.find(SVG + "title").text for r in bars) == [
        "email · 11-20: 1",
        "live chat · 11-20: 1",
    ]
    frt = charts["first_response"]
    assert frt.get("data-empty") == "false"
    assert "median · 2026-11-20 00:00: 10m" in [t.text for t in frt.iter(SVG + "title")]
    assert charts["sla"].get("data-empty") == "true"  # no ticket had an SLA policy
    reasons = [
        r for r in charts["handover_reasons"].iter(SVG + "rect") if r.get("class") == "chart-bar"
    ]
    assert [r.find(SVG + "title").text for r in reasons] == ["hand-overs · Asked for human: 1"]
    # The sparklines of the tiles are charts too.
    assert len([s for s in svgs(html) if s.get("data-chart") == "sparkline"]) == 10


def test_today_is_bucketed_by_hour(week: Story, supervisor_client: Client) -> None:
    response = supervisor_client.get(DASHBOARD + "?period=today")
    assert response.status_code == 200
    assert response.context["period"].start == datetime(2026, 11, 23, tzinfo=UTC)
    assert response.context["total"].opened == 0
    assert all(
        s.get("data-empty") == "true"
        for s in svgs(response.content.decode())
        if s.get("data-chart") in ("line", "bar")
    )


def test_custom_period(week: Story, supervisor_client: Client) -> None:
    response = supervisor_client.get(DASHBOARD + "?period=custom&start=2026-11-20&end=2026-11-20")
    assert response.status_code == 200
    assert response.context["total"].opened == 2
    empty = supervisor_client.get(DASHBOARD + "?period=custom&start=2026-11-21&end=2026-11-22")
    assert empty.context["total"].opened == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=custom&start=2026-11-20", None),
        ("period=custom&start=2026-11-22&end=2026-11-20", None),
        ("period=custom&start=2024-01-01&end=2026-11-20", None),
        ("period=custom&start=yesterday&end=2026-11-20", "start"),
        ("period=decade", "period"),
        ("channel=fax", "channel"),
        ("agent=abc", "agent"),
        ("by=customer", "by"),
        ("language=fr", "language"),
        ("category=nonsense", "category"),
    ],
)
def test_bad_parameters(
    week: Story, supervisor_client: Client, query: str, field: str | None
) -> None:
    response = supervisor_client.get(f"{DASHBOARD}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-insights="errors"' in html
    if field:
        assert f'<li data-field="{field}">' in html
    assert 'data-insights="tiles"' not in html
    assert supervisor_client.get(f"{EXPORT}?{query}").status_code == 400


def test_an_agent_outside_the_teams_cannot_be_picked(
    week: Story, supervisor_client: Client
) -> None:
    sam = Agent.objects.get(username="agent.sam")  # trading, api, general: a General member
    wang = Agent.objects.get(username="agent.wang")  # deposits and general
    admin = Agent.objects.get(username="admin")  # in no team
    assert supervisor_client.get(f"{DASHBOARD}?agent={sam.pk}").status_code == 200
    assert supervisor_client.get(f"{DASHBOARD}?agent={wang.pk}").status_code == 200
    assert supervisor_client.get(f"{DASHBOARD}?agent={admin.pk}").status_code == 400


def test_csv_export_of_the_breakdown(week: Story, supervisor_client: Client) -> None:
    response = supervisor_client.get(f"{EXPORT}?by=channel")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="kefu-channel-20261117-20261123.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["dimension"], r["key"], r["opened"]) for r in rows] == [
        ("channel", "chat", "1"),
        ("channel", "email", "1"),
        ("total", "", "2"),
    ]
    assert rows[1]["first_response_p50_seconds"] == "600"
    by_day = list(
        csv.DictReader(io.StringIO(supervisor_client.get(f"{EXPORT}?by=day").content.decode()))
    )
    assert len(by_day) == 7 + 1
    assert by_day[3]["key"].startswith("2026-11-20") and by_day[3]["opened"] == "2"


def test_the_page_links_each_breakdown_to_its_csv(week: Story, supervisor_client: Client) -> None:
    html = supervisor_client.get(DASHBOARD + "?by=language&channel=email").content.decode()
    assert f'href="{EXPORT}?' in html
    link = html[html.index(f'href="{EXPORT}?') : html.index('" data-insights="csv"')]
    assert "by=language" in link and "channel=email" in link and "team=general" not in link
    chosen = supervisor_client.get(DASHBOARD + "?team=security").content.decode()
    assert "team=security" in chosen[chosen.index(f'href="{EXPORT}?') :]


def test_agent_report_with_quality_scores(week: Story, supervisor_client: Client) -> None:
    make_rubric()
    chen = Agent.objects.get(username="agent.chen")
    sam = Agent.objects.get(username="agent.sam")
    admin = Agent.objects.get(username="admin")
    for agent, scores in (
        (chen, {"answer": 3, "security": 1, "tone": 2}),
        (sam, {"answer": 4, "security": 1, "tone": 5}),
    ):
        review = Review.objects.create(ticket=week.chat(DAY), agent=agent, handled_at=DAY)
        with clock.frozen(DAY + timedelta(days=1)):
            score_review(review, by=admin, scores=scores)
    response = supervisor_client.get(AGENTS)
    assert response.status_code == 200
    lines = {line.agent_id: line for line in response.context["lines"]}
    assert set(lines) == {chen.pk, sam.pk}  # Wang's ticket is another team's
    assert lines[chen.pk].row["solved"] == 1
    assert lines[chen.pk].row["frt_p50"] == "10m"
    assert str(lines[chen.pk].quality.mean_total) == "75.0"
    assert lines[sam.pk].quality.reviews == 1 and "solved" not in lines[sam.pk].row
    html = response.content.decode()
    row = html[html.index(f'<tr data-agent="{chen.pk}">') :]
    row = row[: row.index("</tr>")]
    assert '<td class="num" data-col="quality">75.0%</td>' in row
    charts = svgs(html)
    assert [c.get("data-empty") for c in charts] == ["false", "false"]


def test_only_supervisors_and_admins(
    week: Story, client: Client, agent_client: Client, editor_client: Client
) -> None:
    for url in (DASHBOARD, AGENTS, EXPORT, "/en/console/insights/queues.json"):
        assert agent_client.get(url).status_code == 403
        assert editor_client.get(url).status_code == 403
        assert client.get(url).status_code == 302


def test_the_staff_navigation_links_the_dashboard_for_supervisors_only(
    desk: None, supervisor_client: Client, agent_client: Client
) -> None:
    link = f'href="{DASHBOARD}"'
    assert link in supervisor_client.get("/en/console/tickets/").content.decode()
    assert link not in agent_client.get("/en/console/tickets/").content.decode()
