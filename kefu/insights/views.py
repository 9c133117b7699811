"""Supervisor pages: the dashboard with its queue wall, the agent report, forecast and staffing.

Views parse the GET form, ask the metrics engine, the staffing plan and the queue wall, and turn
the answers into tiles, SVG charts and tables; the numbers are computed there, not here. Every
page is for supervisors and administrators only, and shows a supervisor their teams' numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent
from kefu.errors import ApiError
from kefu.insights.forecasting.plan import StaffingPlan, staffing_plan
from kefu.tickets.models import Channel
from kefu.trust import access
from kefu.web.staff import supervisor_required

from . import charts
from . import dashboard as dashboard_data
from .forms import DashboardForm, Period, StaffingForm, scoped_agents
from .metrics import Filters, compute, to_csv
from .queue_wall import wall_document

WALL_REFRESH_MS = 5000


def _csv_response(rows: list[list[object]], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- the queue wall ---------------------------------------------------------------------------


@supervisor_required
def queue_wall(request: HttpRequest) -> JsonResponse:
    """The dashboard script polls this: the supervisor's queues now (an admin's: all)."""
    response = JsonResponse(wall_document(access.supervised_team_ids(request.user)))
    response["Cache-Control"] = "private, no-store"
    return response


# -- forecast and staffing ----------------------------------------------------------------------


def plan_chart(plan: StaffingPlan) -> str:
    times = [i.start for i in plan.intervals]
    return charts.line_chart(
        _("Forecast contacts and agents per 30 minutes"),
        times,
        [
            charts.Series(_("Forecast contacts"), [round(i.contacts, 2) for i in plan.intervals]),
            charts.Series(
                _("Agents needed"),
                [i.agents_needed for i in plan.intervals],
                step=True,
                dashed=True,
            ),
            charts.Series(
                _("Agents scheduled"), [i.agents_scheduled for i in plan.intervals], step=True
            ),
        ],
        width=960,
        height=320,
    )


def plan_csv(plan: StaffingPlan) -> HttpResponse:
    rows: list[list[object]] = [
        [
            "interval_start",
            "forecast_contacts",
            "agents_needed",
            "agents_scheduled",
            "service_level",
            "occupancy",
            "average_wait_seconds",
            "contacts_for_agents",
        ]
    ]
    rows += [
        [
            i.start.isoformat(),
            f"{i.contacts:.2f}",
            i.agents_needed,
            i.agents_scheduled,
            f"{i.service_level:.4f}",
            f"{i.occupancy:.4f}",
            f"{i.average_wait_seconds:.1f}",
            f"{i.for_agents:.2f}",
        ]
        for i in plan.intervals
    ]
    return _csv_response(rows, f"staffing-plan-{plan.start:%Y%m%d}.csv")


@supervisor_required
def forecast(request: HttpRequest) -> HttpResponse:
    """The next days' forecast contacts and the agents to schedule, as a chart and tables.
    The parameters come from a GET form; bad ones are shown and nothing is computed."""
    agent: Agent = request.user  # type: ignore[assignment]
    form = StaffingForm(request.GET)
    context: dict[str, Any] = {
        "agent": agent,
        "form": form,
        "plan": None,
        "problem": None,
        "insights_links": nav_links(),
    }
    status = 200
    if not form.is_valid():
        status = 400
    else:
        try:
            plan = staffing_plan(**form.plan_arguments())
        except ApiError as problem:
            context["problem"] = problem
            status = 400 if problem.code == "plan_invalid" else 200
        else:
            if request.GET.get("format") == "csv":
                return plan_csv(plan)
            context.update(
                plan=plan,
                chart=plan_chart(plan),
                handle_text=charts.format_duration(plan.handle_seconds),
                share_text=charts.format_percent(plan.target_share),
                shrinkage_text=charts.format_percent(plan.shrinkage),
                person_share_text=charts.format_percent(plan.person_share),
                intervals=[
                    {
                        "start": i.start,
                        "end": i.start + timedelta(minutes=30),
                        "contacts": f"{i.contacts:.1f}",
                        "for_agents": f"{i.for_agents:.1f}",
                        "needed": i.agents_needed,
                        "scheduled": i.agents_scheduled,
                        "service_level": charts.format_percent(i.service_level),
                        "occupancy": charts.format_percent(i.occupancy),
                        "wait": charts.format_duration(i.average_wait_seconds),
                    }
                    for i in plan.intervals
                ],
                csv_query=_with(request, format="csv"),
            )
    return render(request, "insights/forecast.html", context, status=status)


def _with(request: HttpRequest, form: DashboardForm | None = None, **changes: str) -> str:
    """The current query string (with the form's defaults, so a link shows what the page
    shows) with some parameters replaced; empty ones left out."""
    query = QueryDict(mutable=True)
    query.update(form.data if form is not None else request.GET)
    for key, value in changes.items():
        query[key] = value
    for key in [k for k, v in query.items() if v == ""]:
        del query[key]
    return query.urlencode()


# -- the dashboard, the agent report and their CSV -------------------------------------------


def _report_form(
    request: HttpRequest, breakdowns: list[str]
) -> tuple[DashboardForm, Filters | None, Period | None]:
    """The form, and the metrics filters it selects (``None`` while it has errors)."""
    form = DashboardForm(request.GET, user=request.user, breakdowns=breakdowns)
    if not form.is_valid():
        return form, None, None
    period = form.chosen_period()
    try:
        filters = Filters(period.start, period.end, **form.filter_values())
    except ApiError as problem:
        form.add_error(None, problem.message)
        return form, None, None
    return form, filters, period


def _page_context(
    request: HttpRequest, form: DashboardForm, period: Period | None
) -> dict[str, Any]:
    return {
        "agent": request.user,
        "form": form,
        "period": period,
        "insights_links": nav_links(),
    }


def nav_links() -> list[dict[str, str]]:
    """Neighbouring supervisor pages, where they are installed."""
    links = []
    for name, label in (("quality:queue", _("Quality review")), ("incidents:list", _("Incidents"))):
        try:
            links.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return links


@supervisor_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline tiles, charts over the period, a breakdown with its CSV, hand-over reasons and
    the latest CSAT comments; the live queue wall on top refreshes itself."""
    breakdowns = [key for key, _label in dashboard_data.BREAKDOWNS]
    form, filters, period = _report_form(request, breakdowns)
    context = _page_context(request, form, period)
    context.update(
        wall_url=reverse("insights:queue-wall"),
        wall_refresh_ms=WALL_REFRESH_MS,
        wall_labels={
            "updated": _("Updated"),
            "offline": _("Cannot reach the desk; retrying…"),
            "signed_out": _("Signed out: sign in again to see the queues."),
            "no_estimate": _("nobody online"),
            "no_queues": _("No queues."),
        },
    )
    if filters is None or period is None:
        return render(request, "insights/dashboard.html", context, status=400)
    by = form.cleaned_data.get("by") or "channel"
    bucket = dashboard_data.bucket_for(filters.start, filters.end)
    by_period = compute(filters, by=bucket)
    breakdown = compute(filters, by=by)
    channels = dict(Channel.choices)
    comments = [
        {"comment": c, "channel": channels.get(c.channel, c.channel)}
        for c in by_period.csat_comments[: dashboard_data.LATEST_COMMENTS]
    ]
    context.update(
        total=by_period.total,
        tiles=dashboard_data.tiles(by_period),
        charts=dashboard_data.dashboard_charts(filters, by_period, bucket),
        by=by,
        breakdowns=[
            {"key": key, "label": label, "query": _with(request, form, by=key)}
            for key, label in dashboard_data.BREAKDOWNS
        ],
        breakdown_rows=[dashboard_data.table_row(row) for row in breakdown.rows],
        breakdown_total=dashboard_data.table_row(breakdown.total),
        export_query=_with(request, form, by=by),
        handover_reasons=dashboard_data.handover_table(by_period),
        comments=comments,
    )
    return render(request, "insights/dashboard.html", context)


@supervisor_required
def export(request: HttpRequest) -> HttpResponse:
    """A report as CSV (``to_csv``): grouped by ``by`` (a breakdown or a period bucket) with
    the same period and filters as the page the link is on."""
    form, filters, _period = _report_form(request, dashboard_data.EXPORTS)
    if filters is None:
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    by = form.cleaned_data.get("by") or "channel"
    report = compute(filters, by=by)
    response = HttpResponse(to_csv(report), content_type="text/csv; charset=utf-8")
    name = f"kefu-{by}-{filters.start:%Y%m%d}-{filters.end - timedelta(seconds=1):%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@supervisor_required
def agent_report(request: HttpRequest) -> HttpResponse:
    """Per agent: the metrics of the tickets assigned to them, and their quality review
    scores in the period."""
    form, filters, period = _report_form(request, ["agent"])
    context = _page_context(request, form, period)
    if filters is None or period is None:
        return render(request, "insights/agents.html", context, status=400)
    report = compute(filters, by="agent")
    visible = scoped_agents(request.user)
    lines = dashboard_data.agent_lines(report, visible, filters.start, filters.end)
    context.update(
        lines=lines,
        charts=dashboard_data.agent_charts(lines),
        export_query=_with(request, form, by="agent"),
    )
    return render(request, "insights/agents.html", context)
