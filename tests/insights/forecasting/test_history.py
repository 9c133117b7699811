"""Reading a contact history: CSV validation with stable codes, and the desk's own intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kefu.insights.forecasting.history import HistoryError, load_desk_history, read_history_csv
from kefu.insights.models import ContactInterval, ContactRollup, ContactSource

HALF = timedelta(minutes=30)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_rows_and_fills_missing_intervals_with_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "timestamp,contacts\n"
        "1999-01-01T00:00:00,2\n1999-01-01T00:30:00,9\n1999-01-01T02:00:00,4.5\n",
    )
    series = read_history_csv(path)
    assert series.start == datetime(1999, 1, 1)
    assert list(series.counts) == [2, 9, 0, 0, 4.5]
    assert series.end == datetime(1999, 1, 1, 2, 30)


def test_offsets_are_taken_to_utc(tmp_path: Path) -> None:
    path = write(
        tmp_path, "timestamp,contacts\n2026-03-01T08:00:00+08:00,1\n2026-03-01T00:30:00Z,3\n"
    )
    series = read_history_csv(path)
    assert series.start == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert list(series.counts) == [1, 3]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("time,count\n1999-01-01T00:00:00,1\n", "header"),
        ("timestamp,contacts\nyesterday,1\n", "line 2"),
        ("timestamp,contacts\n1999-01-01T00:10:00,1\n", "half hour"),
        ("timestamp,contacts\n1999-01-01T00:00:00,-1\n", "count"),
        ("timestamp,contacts\n1999-01-01T00:00:00,nan\n", "count"),
        ("timestamp,contacts\n1999-01-01T00:00:00,many\n", "not a number"),
        ("timestamp,contacts\n1999-01-01T00:00:00,1,2\n", "3"),
        ("timestamp,contacts\n1999-01-01T00:30:00,1\n1999-01-01T00:00:00,1\n", "increasing"),
        ("timestamp,contacts\n1999-01-01T00:00:00,1\n1999-01-01T00:00:00,1\n", "line 3"),
        (
            "timestamp,contacts\n1999-01-01T00:00:00,1\n1999-01-01T00:30:00+00:00,1\n",
            "offset",
        ),
    ],
)
def test_invalid_files(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(HistoryError) as caught:
        read_history_csv(write(tmp_path, text))
    assert caught.value.code == "history_invalid"
    assert where in caught.value.message


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(HistoryError) as caught:
        read_history_csv(tmp_path / "missing.csv")
    assert caught.value.code == "history_unreadable"
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(HistoryError) as caught:
        read_history_csv(binary)
    assert caught.value.code == "history_unreadable"


def test_header_only_is_too_short(tmp_path: Path) -> None:
    with pytest.raises(HistoryError) as caught:
        read_history_csv(write(tmp_path, "timestamp,contacts\n"))
    assert caught.value.code == "history_too_short"


T0 = datetime(2026, 11, 2, tzinfo=UTC)


def add(offset: int, channel: str, contacts: int, source: str = ContactSource.ROLLUP) -> None:
    ContactInterval.objects.create(
        start=T0 + offset * HALF, channel=channel, contacts=contacts, source=source
    )


@pytest.mark.django_db
def test_desk_history_sums_channels_and_reads_gaps_as_zero() -> None:
    add(0, "chat", 3)
    add(0, "email", 2)
    add(3, "chat", 1, ContactSource.DEMO)
    series = load_desk_history(until=T0 + 4 * HALF)
    assert series.start == T0
    assert list(series.counts) == [5, 0, 0, 1]
    assert list(load_desk_history(channel="email", until=T0 + 4 * HALF).counts) == [2]


@pytest.mark.django_db
def test_desk_history_stops_where_counting_stopped() -> None:
    add(0, "chat", 3)
    ContactRollup.objects.create(name="tickets", counted_until=T0 + 2 * HALF)
    # Later intervals have no rows because they have not been counted, not because they were
    # quiet: the history ends at the counter's mark.
    assert list(load_desk_history(until=T0 + 10 * HALF).counts) == [3, 0]


@pytest.mark.django_db
def test_no_desk_history() -> None:
    with pytest.raises(HistoryError) as caught:
        load_desk_history(until=T0)
    assert caught.value.code == "history_too_short"
