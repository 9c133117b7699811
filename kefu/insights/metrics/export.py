"""A report as CSV: a header row, then one row per key and a last row for the total.

Column names are stable (dashboards and spreadsheets refer to them); numbers are plain
(a dot for decimals, no thousands separators), empty where there was nothing to measure;
durations in seconds, rates from 0 to 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from .rows import SLA_CLOCKS, MetricsReport, MetricsRow

Cell = str | int | float | None


def _durations(name: str) -> list[tuple[str, Callable[[MetricsRow], Cell]]]:
    def stat(attribute: str) -> Callable[[MetricsRow], Cell]:
        return lambda row: getattr(getattr(row, name), attribute)

    columns: list[tuple[str, Callable[[MetricsRow], Cell]]] = [(f"{name}_count", stat("count"))]
    columns += [(f"{name}_{s}_seconds", stat(s)) for s in ("mean", "p50", "p90", "p99")]
    return columns


def _clock(clock: str) -> list[tuple[str, Callable[[MetricsRow], Cell]]]:
    return [
        (f"sla_{clock}_tracked", lambda row: row.sla_clocks[clock].tracked),
        (f"sla_{clock}_met", lambda row: row.sla_clocks[clock].met),
        (f"sla_{clock}_attainment", lambda row: row.sla_clocks[clock].rate),
    ]


COLUMNS: list[tuple[str, Callable[[MetricsRow], Cell]]] = [
    ("key", lambda row: row.key),
    ("label", lambda row: row.label),
    ("opened", lambda row: row.opened),
    ("solved", lambda row: row.solved),
    *_durations("first_response"),
    *_durations("next_response"),
    *_durations("resolution"),
    ("first_contact_resolved", lambda row: row.first_contact_resolved),
    ("fcr_rate", lambda row: row.fcr_rate),
    ("reopened", lambda row: row.reopened),
    ("reopen_rate", lambda row: row.reopen_rate),
    ("csat_responses", lambda row: row.csat_responses),
    ("csat_mean", lambda row: row.csat_mean),
    ("csat_satisfied", lambda row: row.csat_satisfied),
    ("csat_rate", lambda row: row.csat_rate),
    ("conversations", lambda row: row.conversations),
    ("contained", lambda row: row.contained),
    ("containment_rate", lambda row: row.containment_rate),
    ("handed_over", lambda row: row.handed_over),
    ("handover_rate", lambda row: row.handover_rate),
    ("sla_tracked", lambda row: row.sla.tracked),
    ("sla_met", lambda row: row.sla.met),
    ("sla_attainment", lambda row: row.sla_attainment),
    *[column for clock in SLA_CLOCKS for column in _clock(clock)],
    ("queued", lambda row: row.queued),
    ("answered", lambda row: row.answered),
    ("abandoned", lambda row: row.abandoned),
    ("abandonment_rate", lambda row: row.abandonment_rate),
    *_durations("queue_wait"),
]
HEADER = ["dimension", *(name for name, _value in COLUMNS)]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_csv(report: MetricsReport) -> str:
    """The report's rows (``dimension`` = what they are grouped by) and its total
    (``dimension`` = ``total``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in report.rows:
        writer.writerow([report.by, *(_cell(value(row)) for _name, value in COLUMNS)])
    writer.writerow(["total", *(_cell(value(report.total)) for _name, value in COLUMNS)])
    return out.getvalue()


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    text = str(value)
    # A label such as "=HYPERLINK(...)" must not become a formula in a spreadsheet.
    return "'" + text if text.startswith(FORMULA_START) else text
