"""CSV: a header, one row per key, then the total; plain numbers, empty when unmeasured."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from kefu.insights.metrics import Filters, compute, to_csv
from kefu.insights.metrics.export import HEADER

from .conftest import T0, Story, minutes


def test_one_row_per_key_and_a_total(story: Story) -> None:
    for channel, wait in [("email", 10), ("portal", 25), ("email", 20)]:
        ticket = story.ticket(T0, channel=channel)
        story.reply(ticket, T0 + minutes(wait))
        story.solve(ticket, T0 + minutes(wait + 1))
    report = compute(Filters(T0, T0 + timedelta(days=1)), by="channel")

    text = to_csv(report)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0].split(",") == HEADER
    assert [(r["dimension"], r["key"], r["opened"]) for r in rows] == [
        ("channel", "email", "2"),
        ("channel", "portal", "1"),
        ("total", "", "3"),
    ]
    assert rows[0]["first_response_mean_seconds"] == "900"
    assert rows[0]["fcr_rate"] == "1"
    assert rows[2]["first_response_p50_seconds"] == "1200"
    assert rows[2]["csat_mean"] == ""  # nothing rated
    assert rows[2]["reopen_rate"] == "0"


def test_header_is_stable() -> None:
    assert HEADER[:5] == ["dimension", "key", "label", "opened", "solved"]
    for column in (
        "first_response_p90_seconds",
        "next_response_mean_seconds",
        "resolution_p50_seconds",
        "fcr_rate",
        "reopen_rate",
        "csat_mean",
        "csat_rate",
        "containment_rate",
        "handover_rate",
        "sla_attainment",
        "sla_first_response_attainment",
        "queue_wait_p99_seconds",
        "abandonment_rate",
    ):
        assert column in HEADER
    assert len(HEADER) == len(set(HEADER))


def test_fractions_are_plain_and_formulas_are_defused(story: Story) -> None:
    story.sam.display_name = "=HYPERLINK(1)"
    story.sam.save()
    for score in (5, 4, 1):
        ticket = story.ticket(T0, agent=story.sam)
        story.rate(ticket, T0 + minutes(1), score)
    report = compute(Filters(T0, T0 + timedelta(days=1)), by="agent")

    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert rows[0]["label"] == "'=HYPERLINK(1)"
    assert rows[0]["csat_mean"] == "3.3333"
    assert rows[0]["csat_rate"] == "0.6667"
