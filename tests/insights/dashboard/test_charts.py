"""The SVG charts: well-formed, accessible, escaped, CSP-safe, and honest about no data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest

from kefu.insights import charts
from kefu.insights.charts import Series

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(7)]


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.find(SVG + "title") is not None and root.find(SVG + "title").text
    assert root.get("aria-label")
    # The Content-Security-Policy has no 'unsafe-inline' style and no script at all.
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in (SVG + "script", SVG + "style", SVG + "foreignObject")
        assert not any(name.startswith("on") for name in element.attrib)
    return root


def paths(root: ET.Element, cls: str = "chart-line") -> list[ET.Element]:
    return [p for p in root.iter(SVG + "path") if p.get("class") == cls]


def y_coordinates(d: str) -> list[float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return numbers[1::2]


def test_line_chart_draws_one_path_per_series_with_a_point_per_value() -> None:
    svg = charts.line_chart(
        "First response time",
        DAYS,
        [Series("p50", [60, 90, 120, 60, 30, 45, 50]), Series("p90", [300] * 7)],
        unit="duration",
    )
    root = parse(svg)
    assert root.get("data-empty") == "false"
    lines = paths(root)
    assert len(lines) == 2
    assert len(lines[0].get("d").split("L")) == 7  # one move, six lines
    # Higher values are drawn higher up (smaller y): 120 s peaks at the third day.
    ys = y_coordinates(lines[0].get("d"))
    assert ys.index(min(ys)) == 2
    # Points carry their own tooltip with the formatted value.
    titles = [t.text for t in root.iter(SVG + "title")]
    assert "p50 · 2026-11-03: 2m" in titles
    # Duration axes are labelled in durations on round steps.
    ticks = [
        t.text for t in root.find(f"{SVG}g[@class='chart-axis chart-axis-y']").iter(SVG + "text")
    ]
    assert ticks[0] == "0s" and ticks[-1] in ("5m", "6m")


def test_a_gap_in_a_series_breaks_the_line_instead_of_dropping_to_zero() -> None:
    svg = charts.line_chart(
        "CSAT", DAYS, [Series("CSAT", [0.9, 0.8, None, None, 0.7, 0.75, 1])], unit="percent"
    )
    (line,) = paths(parse(svg))
    assert line.get("d").count("M") == 2
    assert len(y_coordinates(line.get("d"))) == 5


def test_time_axis_over_a_week_of_half_hours_ticks_on_days() -> None:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    times = [start + timedelta(minutes=30 * i) for i in range(7 * 48)]
    svg = charts.line_chart("Forecast", times, [Series("contacts", [5.0] * len(times), step=True)])
    root = parse(svg)
    labels = [
        t.text for t in root.find(f"{SVG}g[@class='chart-axis chart-axis-x']").iter(SVG + "text")
    ]
    assert labels == ["11-23", "11-24", "11-25", "11-26", "11-27", "11-28", "11-29"]
    # Many points: no dot per point, the step line still spans the whole plot.
    assert not list(root.iter(SVG + "circle"))
    assert "H" in paths(root)[0].get("d")


def test_time_ticks_within_a_day_are_hours_and_midnight_shows_the_date() -> None:
    start = datetime(2026, 11, 23, 18, tzinfo=UTC)
    ticks = charts.time_ticks(start, start + timedelta(hours=12), max_ticks=7)
    assert [label for _at, label in ticks] == [
        "18:00",
        "20:00",
        "22:00",
        "11-24",
        "02:00",
        "04:00",
        "06:00",
    ]


def test_stacked_bars_add_up_to_the_total() -> None:
    svg = charts.bar_chart(
        "Contacts per day",
        ["11-01", "11-02"],
        [Series("chat", [3, 0]), Series("email", [1, 2])],
        stacked=True,
    )
    root = parse(svg)
    bars = [r for r in root.iter(SVG + "rect") if r.get("class") == "chart-bar"]
    assert len(bars) == 3  # a zero draws no bar
    first_day = [r for r in bars if float(r.get("x")) < 300]
    assert len(first_day) == 2
    chat, email = first_day
    # The email bar sits on top of the chat bar; together they are 4/4 of the axis (0..4).
    assert float(email.get("y")) + float(email.get("height")) == pytest.approx(
        float(chat.get("y")), abs=0.2
    )
    assert float(chat.get("height")) == pytest.approx(3 * float(email.get("height")), abs=0.3)
    assert [t.text for t in bars[0].iter(SVG + "title")] == ["chat · 11-01: 3"]


def test_grouped_bars_stand_side_by_side() -> None:
    svg = charts.bar_chart("By channel", ["chat"], [Series("a", [2]), Series("b", [4])])
    bars = [r for r in parse(svg).iter(SVG + "rect") if r.get("class") == "chart-bar"]
    assert float(bars[0].get("x")) < float(bars[1].get("x"))
    assert float(bars[1].get("height")) == pytest.approx(2 * float(bars[0].get("height")), abs=0.2)


@pytest.mark.parametrize(
    "svg",
    [
        charts.line_chart("Nothing", [], []),
        charts.line_chart("All gaps", DAYS, [Series("x", [None] * 7)]),
        charts.bar_chart("No bars", [], [Series("x", [])]),
        charts.bar_chart("All zero is still data", ["a"], [Series("x", [None])]),
    ],
)
def test_no_data_is_a_chart_that_says_so(svg: str) -> None:
    root = parse(svg)
    assert root.get("data-empty") == "true"
    texts = [t.text for t in root.iter(SVG + "text")]
    assert texts == ["No data for this period."]
    assert not paths(root)


def test_labels_and_titles_are_escaped() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    svg = charts.bar_chart(evil, [evil], [Series(evil, [1])])
    assert "<script>" not in svg
    root = parse(svg)  # still well-formed XML
    assert root.find(SVG + "title").text == evil
    assert evil in [t.text for t in root.iter(SVG + "title")][1:][0]
    assert root.get("aria-label").startswith(evil)
    line = charts.line_chart(evil, DAYS[:2], [Series(evil, [1, 2])])
    assert "<script>" not in line
    parse(line)


def test_series_must_match_the_axis() -> None:
    with pytest.raises(ValueError):
        charts.line_chart("x", DAYS, [Series("short", [1, 2])])
    with pytest.raises(ValueError):
        charts.bar_chart("x", ["a", "b"], [Series("short", [1])])


def test_sparkline() -> None:
    root = parse(charts.sparkline("Trend", [1, 3, None, 2]))
    assert len(paths(root)) == 1
    assert parse(charts.sparkline("Trend", [None])).get("data-empty") == "true"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (200, "3m 20s"),
        (7500, "2h 5m"),
        (90000, "1d 1h"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert charts.format_duration(seconds) == text


def test_value_ticks() -> None:
    assert charts.value_ticks(0, 17.3) == [0, 5, 10, 15, 20]
    assert charts.value_ticks(0, 3) == [0, 1, 2, 3]
    assert charts.value_ticks(0, 0.93, "percent") == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.value_ticks(0, 437, "duration") == [0, 120, 240, 360, 480]
