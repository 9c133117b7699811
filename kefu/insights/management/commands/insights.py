"""``kefu insights forecast``: the contact forecast and staffing plan, or its backtest.

    kefu insights forecast [--days 7] [--history FILE] [--json]
    kefu insights forecast --backtest [--history FILE] [--open-hours ...] [--exclude-day D] [--json]

Without ``--history`` the desk's own contact history is used. A history that cannot be used is
one line, ``[code] message``, and exit status 2.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.errors import ApiError
from kefu.insights.forecasting.backtest import Backtest, backtest
from kefu.insights.forecasting.calendar import OpeningHours, read_special_days
from kefu.insights.forecasting.history import load_desk_history, read_history_csv
from kefu.insights.forecasting.plan import StaffingPlan, staffing_plan
from kefu.insights.forecasting.series import ContactSeries

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Forecast contacts and the agents needed, or backtest the forecast."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        forecast = sub.add_parser(
            "forecast",
            help="Forecast contacts per 30 minutes and the agents needed (Erlang C with "
            "shrinkage); with --backtest, the forecast's error against seasonal naive.",
        )
        forecast.add_argument("--backtest", action="store_true", help="score past forecasts")
        forecast.add_argument("--json", action="store_true", help="last line: results as JSON")
        forecast.add_argument(
            "--history", type=Path, help="a CSV of timestamp,contacts rows instead of the desk's"
        )
        forecast.add_argument("--channel", help="only this channel of the desk's history")
        forecast.add_argument("--days", type=int, default=7, help="days to forecast (7)")
        forecast.add_argument("--special-days", type=Path, help="a CSV of date,like rows")
        plan = forecast.add_argument_group("staffing")
        plan.add_argument("--handle-seconds", type=float, help="average handle time")
        plan.add_argument("--target-share", type=float, default=0.8, help="answered in time (0.8)")
        plan.add_argument("--target-wait", type=float, default=60, help="target wait, s (60)")
        plan.add_argument("--shrinkage", type=float, default=0.3, help="time off queue (0.3)")
        plan.add_argument(
            "--person-share",
            type=float,
            default=None,
            help="share of contacts that reach a person (default: the last four weeks')",
        )
        plan.add_argument("--max-occupancy", type=float, default=1.0, help="cap (1.0)")
        plan.add_argument("--intervals", action="store_true", help="print every interval")
        scoring = forecast.add_argument_group("backtest")
        scoring.add_argument(
            "--open-hours",
            help="score only these hours, e.g. 'sun-thu 07:00-24:00; fri 07:00-14:00'",
        )
        scoring.add_argument(
            "--exclude-day",
            action="append",
            default=[],
            type=date.fromisoformat,
            help="leave this day out of scoring (repeatable)",
        )
        scoring.add_argument(
            "--warmup-days", type=int, default=28, help="history before 1st origin"
        )
        scoring.add_argument("--from", dest="origins_from", type=date.fromisoformat)
        scoring.add_argument("--until", dest="origins_until", type=date.fromisoformat)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            history = read_history_csv(options["history"]) if options["history"] else None
            special = (
                read_special_days(options["special_days"]) if options["special_days"] else None
            )
            if options["backtest"]:
                result = self._backtest(history, special, options)
            else:
                result = self._plan(history, special, options)
        except ApiError as error:
            raise CommandError(f"[{error.code}] {error.message}", returncode=USAGE_ERROR) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, sort_keys=True))

    def _backtest(
        self, history: ContactSeries | None, special: Any, options: dict[str, Any]
    ) -> dict[str, Any]:
        series = history or load_desk_history(channel=options["channel"])
        hours = OpeningHours.parse(options["open_hours"]) if options["open_hours"] else None
        result = backtest(
            series,
            horizon_days=7,
            warmup_days=options["warmup_days"],
            opening_hours=hours,
            excluded_days=options["exclude_day"],
            special_days=special,
            origins_from=options["origins_from"],
            origins_until=options["origins_until"],
        )
        self._print_backtest(result, options["history"] or "the desk's contact history")
        return {"backtest": result.as_dict(), "history": str(options["history"] or "desk")}

    def _print_backtest(self, result: Backtest, source: object) -> None:
        write = self.stdout.write
        write(f"Backtest on {source}: {result.origins} forecasts of {result.horizon_days} days,")
        write(
            f"  made each midnight from {result.first_origin:%Y-%m-%d} to "
            f"{result.last_origin:%Y-%m-%d} from the past only"
        )
        write(
            f"  scored: opening hours {result.opening_hours}; excluded days "
            f"{', '.join(d.isoformat() for d in result.excluded_days) or 'none'}; "
            f"special days {result.special_days}"
        )
        write(
            f"  MAPE (intervals with contacts, {result.model.nonzero}): "
            f"model {_pct(result.model.mape)}, seasonal naive {_pct(result.naive.mape)}, "
            f"{_pct(result.mape_improvement)} lower"
        )
        write(
            f"  WAPE (all scored intervals, {result.model.intervals}): "
            f"model {_pct(result.model.wape)}, seasonal naive {_pct(result.naive.wape)}, "
            f"{_pct(result.wape_improvement)} lower"
        )

    def _plan(
        self, history: ContactSeries | None, special: Any, options: dict[str, Any]
    ) -> dict[str, Any]:
        plan = staffing_plan(
            days=options["days"],
            target_share=options["target_share"],
            target_wait_seconds=options["target_wait"],
            handle_seconds=options["handle_seconds"],
            shrinkage=options["shrinkage"],
            person_share=options["person_share"],
            channel=options["channel"],
            max_occupancy=options["max_occupancy"],
            history=history,
            special_days=special,
        )
        self._print_plan(plan, options["intervals"])
        return {"plan": plan.as_dict()}

    def _print_plan(self, plan: StaffingPlan, intervals: bool) -> None:
        write = self.stdout.write
        write(
            f"Forecast from {plan.start.isoformat()} for {plan.days} days "
            f"(history {plan.history_start:%Y-%m-%d} to {plan.history_end:%Y-%m-%d %H:%M})"
        )
        write(
            f"Target {plan.target_share:.0%} answered within {plan.target_wait_seconds:g} s; "
            f"handle time {plan.handle_seconds:.0f} s ({plan.handle_seconds_source}); "
            f"shrinkage {plan.shrinkage:.0%}; contacts reaching a person "
            f"{plan.person_share:.0%} ({plan.person_share_source})"
        )
        write(f"{'day':<12}{'contacts':>10}{'agent h needed':>16}{'agent h rota':>14}{'peak':>6}")
        for day in plan.daily:
            write(
                f"{day.day.isoformat():<12}{day.contacts:>10.0f}{day.agent_hours_needed:>16.1f}"
                f"{day.agent_hours_scheduled:>14.1f}{day.peak_agents_scheduled:>6}"
            )
        if not intervals:
            return
        write("")
        write(
            f"{'start':<26}{'contacts':>9}{'needed':>8}{'rota':>6}{'service':>9}{'occupancy':>11}"
        )
        for i in plan.intervals:
            write(
                f"{i.start.isoformat():<26}{i.contacts:>9.1f}{i.agents_needed:>8}"
                f"{i.agents_scheduled:>6}{i.service_level:>9.1%}{i.occupancy:>11.1%}"
            )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"
