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

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent
from kefu.errors import ApiError
from kefu.insights.forecasting.plan import StaffingPlan, staffing_plan
from kefu.trust import access
from kefu.web.staff import supervisor_required

from . import charts
from .forms import StaffingForm
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
    context: dict[str, Any] = {"agent": agent, "form": form, "plan": None, "problem": None}
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
                intervals=[
                    {
                        "start": i.start,
                        "end": i.start + timedelta(minutes=30),
                        "contacts": f"{i.contacts:.1f}",
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


def _with(request: HttpRequest, **changes: str) -> str:
    """The current query string with some parameters replaced."""
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


# -- the dashboard and the agent report (the metrics engine lands next) -------------------------


@supervisor_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)


@supervisor_required
def export(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)


@supervisor_required
def agent_report(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)
