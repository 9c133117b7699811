"""Reading labelled questions and question pairs from CSV or JSON Lines files.

Operators evaluate the matcher on their own exported chats; public sets load as published
(BANKING77's ``text,category`` header, BQ/ATEC's ``sentence1,sentence2,label``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

TEXT_COLUMNS = ("text", "question", "query", "sentence")
LABEL_COLUMNS = ("label", "category", "intent")


class DatasetError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Labelled:
    text: str
    label: str


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    same: bool


def _records(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise DatasetError("file_not_found", f"{path} does not exist")
    if path.suffix in (".jsonl", ".ndjson"):
        records = []
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    records.append({k: str(v) for k, v in json.loads(line).items()})
                except (json.JSONDecodeError, AttributeError) as exc:
                    raise DatasetError("bad_row", f"{path}:{number}: not a JSON object") from exc
        return records
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def _column(row: dict[str, str], names: tuple[str, ...], path: Path) -> str:
    for name in names:
        if name in row:
            return name
    raise DatasetError("missing_column", f"{path}: needs one of the columns {', '.join(names)}")


def load_labelled(path: Path) -> list[Labelled]:
    records = _records(path)
    if not records:
        raise DatasetError("empty_file", f"{path} holds no rows")
    text_col = _column(records[0], TEXT_COLUMNS, path)
    label_col = _column(records[0], LABEL_COLUMNS, path)
    rows = []
    for number, record in enumerate(records, 2):
        text, label = (record.get(text_col) or "").strip(), (record.get(label_col) or "").strip()
        if not text or not label:
            raise DatasetError("bad_row", f"{path}:{number}: empty text or label")
        rows.append(Labelled(text, label))
    return rows


def load_pairs(path: Path) -> list[Pair]:
    records = _records(path)
    if not records:
        raise DatasetError("empty_file", f"{path} holds no rows")
    for name in ("sentence1", "sentence2", "label"):
        _column(records[0], (name,), path)
    pairs = []
    for number, record in enumerate(records, 2):
        label = (record.get("label") or "").strip()
        if label not in ("0", "1"):
            raise DatasetError("bad_row", f"{path}:{number}: label must be 0 or 1")
        pairs.append(Pair(record["sentence1"], record["sentence2"], label == "1"))
    return pairs
