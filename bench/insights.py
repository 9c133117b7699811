"""Insights: how good the contact forecast is, and how long forecasting and staffing take.

**Forecast error** is a rolling-origin backtest (``kefu.insights.forecasting.backtest``): at every
midnight after four weeks of warm-up, the model sees only the past and forecasts the next 7 days;
seasonal naive (the same interval one week earlier) is scored on exactly the same intervals.
MAPE is over intervals with contacts, WAPE over all scored intervals.

1. On real data, when present: the "Anonymous Bank" call centre (Israel, 1999; 365 days of
   arrivals per 30 minutes, see /work/shared/datasets/anonymous_bank_calls/README.md, from the
   Technion SEE Center, Brown et al. 2005, JASA 100(469)). Scored within its documented opening
   hours (Sun-Thu 07:00-24:00, Fri 07:00-14:00, Sat from 20:00), leaving out the imputed day
   1999-05-23 and 1999-05-30 (whose naive forecast is that day). The model's defaults were
   chosen on forecasts made in January-April only; May-December is the honest figure.
   Twice: from the history alone, and with Israel's 1999 holiday calendar as special days.
2. On the demo history (a 24/7 exchange, generated; all intervals scored), at the demo's volume
   and at a larger desk's.

**Timing**: fitting and forecasting 7 days from the bank's whole year, and a 7-day staffing plan
(336 intervals of Erlang C) from it, best of several runs; the metrics reports over a month of
generated tickets (``bench/_metrics.py``).

**Surges** (``bench/_surges.py``): a generated week of customer questions at a busy desk's
volume with TRC20 deposit questions planted at 5x their usual count in the last window: the
time of one surge scan, which clusters it finds (the planted one, and false alarms in steady
windows of the day before), and with two ongoing incidents the assistant's notice lookup per
question and the help center's banner.

**Supervisor pages** (``bench/_pages.py``): the dashboard (7 and 30 days), the agent report,
the CSV by day, the forecast page and the queue wall on the demo history, through the test
client signed in as the administrator and as a supervisor of one team, best of 3.

The last three each run in a throwaway database and can be skipped (``--metrics-tickets 0``,
``--surge-conversations 0``, ``--pages-repeat 0``). To add a measurement, add a function
``measure_x(options, out) -> dict`` and a line in ``run``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kefu.insights.demo_tickets import DAILY_CONTACTS as DEMO_TICKETS_PER_DAY
from kefu.insights.forecasting.backtest import Backtest, backtest
from kefu.insights.forecasting.calendar import OpeningHours
from kefu.insights.forecasting.demo_history import DAILY_CONTACTS, generate_contact_history
from kefu.insights.forecasting.history import read_history_csv
from kefu.insights.forecasting.model import DEFAULT_MODEL
from kefu.insights.forecasting.plan import staffing_plan
from kefu.insights.forecasting.series import PER_WEEK, ContactSeries

Out = Callable[[str], None]
BANK = Path("/work/shared/datasets/anonymous_bank_calls/arrivals_30min.csv")
BANK_HOURS = "sun-thu 07:00-24:00; fri 07:00-14:00; sat 20:00-24:00"
BANK_EXCLUDED = [date(1999, 5, 23), date(1999, 5, 30)]
SELECTION_UNTIL = date(1999, 5, 1)  # defaults chosen on forecasts made before this day
FRI, SAT = 4, 5
# Israel's 1999 holidays as published by Hebcal (https://www.hebcal.com/holidays/1999, Israel
# schedule): a holiday (yom tov, Independence Day) behaves like a Saturday, its eve like a
# Friday; days that already fall on a Friday or Saturday need no entry. Fixed from the calendar
# by that rule, not fitted to the data.
ISRAEL_1999 = {
    date(1999, 3, 31): FRI,  # Erev Pesach
    date(1999, 4, 1): SAT,  # Pesach I
    date(1999, 4, 6): FRI,  # eve of Pesach VII
    date(1999, 4, 7): SAT,  # Pesach VII
    date(1999, 4, 20): FRI,  # Yom HaZikaron, eve of Independence Day
    date(1999, 4, 21): SAT,  # Yom HaAtzma'ut
    date(1999, 5, 20): FRI,  # Erev Shavuot
    date(1999, 5, 21): SAT,  # Shavuot
    date(1999, 9, 12): SAT,  # Rosh Hashana II
    date(1999, 9, 19): FRI,  # Erev Yom Kippur
    date(1999, 9, 20): SAT,  # Yom Kippur
}
DEMO_END = datetime(2026, 11, 2, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", type=Path, default=BANK, help=f"real data ({BANK})")
    parser.add_argument("--repeat", type=int, default=5, help="timing runs (5)")
    parser.add_argument(
        "--metrics-tickets",
        type=int,
        default=20000,
        help="tickets in the metrics history (20000; 0 skips the metrics timing)",
    )
    parser.add_argument(
        "--surge-conversations",
        type=int,
        default=6000,
        help="assistant conversations a day in the surge week, plus a third as many other "
        "tickets (6000; 0 skips the surge measurement)",
    )
    parser.add_argument(
        "--pages-repeat",
        type=int,
        default=3,
        help="requests per supervisor page, the best kept (3; 0 skips the page timing)",
    )


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    results: dict[str, Any] = {}
    results["bank"] = measure_bank(options, out)
    results["demo"] = measure_demo(options, out)
    results["timing"] = measure_timing(options, out)
    if options.metrics_tickets > 0:
        results["metrics"] = measure_metrics(options, out)
    if options.surge_conversations > 0:
        results["surges"] = measure_surges(options, out)
    if options.pages_repeat > 0:
        results["pages"] = measure_pages(options, out)
    return results


def measure_surges(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    """Surge scan, planted spike and false alarms, notices and banner, in a throwaway database."""
    from bench._database import bench_database
    from bench._surges import run_surge_bench

    with bench_database():
        return run_surge_bench(out, per_day=options.surge_conversations)


def measure_pages(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    """Supervisor pages on the demo history, in a throwaway database."""
    from bench._database import bench_database
    from bench._pages import run_pages_bench

    with bench_database():
        return run_pages_bench(out, repeat=options.pages_repeat)


def measure_metrics(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    """Metrics reports over a month of generated history, in a throwaway database."""
    from bench._database import bench_database
    from bench._metrics import run_metrics_bench

    with bench_database():
        return run_metrics_bench(out, tickets=options.metrics_tickets)


def measure_bank(options: argparse.Namespace, out: Out) -> dict[str, Any] | None:
    path: Path = options.history
    if not path.exists():
        out(f"real data: {path} not found; skipped (the demo history follows)")
        return None
    series = read_history_csv(path)
    hours = OpeningHours.parse(BANK_HOURS)
    out(f"real data: {path.name}, {len(series) // 48} days, {int(series.counts.sum())} calls")
    out(f"  scored in opening hours ({BANK_HOURS}), without {', '.join(map(str, BANK_EXCLUDED))}")
    results: dict[str, Any] = {"path": str(path)}
    for calendar, special in (("history_only", None), ("holiday_calendar", ISRAEL_1999)):
        label = "from the history alone" if special is None else "with the 1999 holiday calendar"
        for period, since, until in (
            ("selection_jan_apr", None, SELECTION_UNTIL),
            ("reported_may_dec", SELECTION_UNTIL, None),
            ("whole_year", None, None),
        ):
            result = backtest(
                series,
                opening_hours=hours,
                excluded_days=BANK_EXCLUDED,
                special_days=special,
                origins_from=since,
                origins_until=until,
            )
            out(f"  {label}, {period}: {_line(result)}")
            results[f"{calendar}.{period}"] = result.as_dict()
    return results


def measure_demo(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    results: dict[str, Any] = {}
    # The demo loads its months at the demo tickets' volume (about 100 a day); a larger desk's
    # counts are less noisy.
    for daily in (DEMO_TICKETS_PER_DAY, DAILY_CONTACTS):
        channels = generate_contact_history(DEMO_END, daily_contacts=daily)
        first = next(iter(channels.values()))
        total = ContactSeries(first.start, np.sum([s.counts for s in channels.values()], axis=0))
        result = backtest(total)
        out(f"demo history at {daily} contacts a day: {len(total) // 48} days, every interval")
        out(f"  all channels: {_line(result)}")
        chat = backtest(channels["chat"])
        out(f"  chat only: {_line(chat)}")
        results[f"{daily}_a_day"] = {"all_channels": result.as_dict(), "chat": chat.as_dict()}
    return results


def measure_timing(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    series = read_history_csv(options.history) if options.history.exists() else _demo_total()
    fit = _best(options.repeat, lambda: DEFAULT_MODEL.forecast(series, PER_WEEK))
    plan = _best(options.repeat, lambda: staffing_plan(history=series, handle_seconds=300, days=7))
    out(f"timing on {len(series) // 48} days of history (best of {options.repeat}):")
    out(f"  fit and forecast 7 days: {fit * 1000:.1f} ms")
    out(f"  7-day staffing plan (forecast + Erlang C for 336 intervals): {plan * 1000:.1f} ms")
    return {
        "forecast_7_days_ms": round(fit * 1000, 2),
        "staffing_plan_7_days_ms": round(plan * 1000, 2),
    }


def _demo_total() -> ContactSeries:
    channels = generate_contact_history(DEMO_END)
    first = next(iter(channels.values()))
    return ContactSeries(first.start, np.sum([s.counts for s in channels.values()], axis=0))


def _best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(max(1, repeat)):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def _line(result: Backtest) -> str:
    return (
        f"{result.origins} origins; MAPE {result.model.mape:.1f} % vs naive "
        f"{result.naive.mape:.1f} % ({result.mape_improvement:.1f} % lower); WAPE "
        f"{result.model.wape:.1f} % vs {result.naive.wape:.1f} % "
        f"({result.wape_improvement:.1f} % lower)"
    )
