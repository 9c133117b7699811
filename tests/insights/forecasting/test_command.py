"""``kefu insights forecast``: the plan and the backtest from a small CSV, and clear errors."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kefu.insights.forecasting.series import PER_DAY

from .helpers import series


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    history = series(35)
    lines = ["timestamp,contacts"] + [
        f"{history.at(i).isoformat()},{round(n)}" for i, n in enumerate(history.counts)
    ]
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    out = StringIO()
    call_command("insights", "forecast", *args, stdout=out)
    text = out.getvalue()
    return text, json.loads(text.strip().splitlines()[-1])


def test_backtest_on_a_csv(csv_file: Path) -> None:
    text, result = run("--backtest", "--history", str(csv_file), "--json")
    backtest = result["backtest"]
    assert backtest["origins"] == 1
    assert backtest["model"]["intervals"] == backtest["seasonal_naive"]["intervals"] == 7 * 48
    assert backtest["seasonal_naive"]["mape"] == 0.0
    assert "MAPE" in text and "seasonal naive" in text


def test_backtest_scoring_options(csv_file: Path, tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.csv"
    holidays.write_text("date,like\n2026-07-01,sat\n", encoding="utf-8")
    _, result = run(
        "--backtest",
        "--history",
        str(csv_file),
        "--open-hours",
        "mon-fri 09:00-17:00",
        "--exclude-day",
        "2026-06-29",
        "--special-days",
        str(holidays),
        "--json",
    )
    backtest = result["backtest"]
    assert backtest["model"]["intervals"] == 4 * 16
    assert backtest["excluded_days"] == ["2026-06-29"]
    assert backtest["special_days"] == 1


def test_plan_from_a_csv(csv_file: Path) -> None:
    text, result = run(
        "--history", str(csv_file), "--days", "1", "--handle-seconds", "180", "--json"
    )
    plan = result["plan"]
    assert plan["start"] == "2026-07-06T00:00:00"  # where the five weeks from MONDAY end
    assert len(plan["intervals"]) == PER_DAY
    assert plan["handle_seconds"] == 180 and plan["handle_seconds_source"] == "argument"
    assert plan["daily"][0]["day"] == "2026-07-06"
    assert "agent h" in text
    rows = [line for line in text.splitlines() if line.startswith("2026-07-06T")]
    assert rows == []  # the interval table only on request
    text, _ = run(
        "--history",
        str(csv_file),
        "--days",
        "1",
        "--handle-seconds",
        "180",
        "--intervals",
        "--json",
    )
    rows = [line for line in text.splitlines() if line.startswith("2026-07-06T")]
    assert len(rows) == PER_DAY


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--history", "/nonexistent/contacts.csv"], "history_unreadable"),
        (["--backtest", "--history", "BAD"], "history_invalid"),
        (["--backtest", "--history", "CSV", "--open-hours", "always"], "open_hours_invalid"),
        (["--history", "CSV", "--shrinkage", "1.5"], "plan_invalid"),
    ],
)
def test_errors_are_one_line_with_a_code(
    csv_file: Path, tmp_path: Path, args: list[str], code: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,contacts\n2026-01-01T00:10:00,1\n", encoding="utf-8")
    args = [str(bad) if a == "BAD" else str(csv_file) if a == "CSV" else a for a in args]
    with pytest.raises(CommandError) as caught:
        call_command("insights", "forecast", *args)
    assert str(caught.value).startswith(f"[{code}] ")
    assert "\n" not in str(caught.value)
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_desk_without_history() -> None:
    with pytest.raises(CommandError) as caught:
        call_command("insights", "forecast", "--backtest")
    assert str(caught.value).startswith("[history_too_short] ")
