"""``kefu assistant eval``: train on labelled questions, answer others, and say how well it knows
what it does not know."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from kefu.assistant.matching.classifier import IntentClassifier
from kefu.assistant.matching.evaluation import OUT_OF_SCOPE, _operating_point

INTENTS = {
    "card_lost": [
        "I lost my card",
        "my card is missing",
        "someone stole my card",
        "cannot find my card anywhere",
        "lost card what do I do",
        "my bank card was stolen yesterday",
        "I think I lost my debit card",
        "report a lost card",
    ],
    "exchange_rate": [
        "what exchange rate do you use",
        "how is the exchange rate calculated",
        "is the exchange rate fair",
        "which exchange rate applies to my payment",
        "exchange rate for euro to dollar",
        "why was the exchange rate so bad",
        "where can I see today's exchange rate",
        "exchange rate changed after I paid",
    ],
    "transfer_pending": [
        "my transfer is still pending",
        "why is my transfer pending so long",
        "transfer pending for two days",
        "pending transfer not arrived",
        "how long does a pending transfer take",
        "my bank transfer shows pending",
        "transfer stuck as pending",
        "when will my pending transfer complete",
    ],
    "pin_change": [
        "how do I change my PIN",
        "I want a new PIN for my card",
        "change card PIN",
        "can I reset my PIN",
        "where do I change the PIN code",
        "forgot my PIN and want to change it",
        "update my card PIN please",
        "PIN change at an ATM",
    ],
    "top_up_failed": [
        "my top up failed",
        "top up did not go through",
        "why did my top up fail",
        "card top up was declined",
        "failed to top up my account",
        "top up error again",
        "the top up keeps failing",
        "top up rejected what now",
    ],
    "refund": [
        "I want a refund",
        "how do I get a refund from a merchant",
        "refund has not arrived",
        "where is my refund",
        "the merchant promised a refund",
        "refund missing from my account",
        "how long does a refund take",
        "request a refund for a purchase",
    ],
}

IN_SCOPE = [
    ("I have lost my card somewhere", "card_lost"),
    ("what is the exchange rate today", "exchange_rate"),
    ("transfer is pending since Monday", "transfer_pending"),
    ("I need to change my PIN", "pin_change"),
    ("top up failed twice", "top_up_failed"),
    ("still waiting for my refund", "refund"),
]
OUT_OF_SCOPE_ROWS = [
    "what is the weather like in Paris",
    "recommend a good pasta recipe",
    "who won the football match",
    "play some relaxing music",
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])  # BANKING77's header
        writer.writerows(rows)
    return path


def _training_rows() -> list[tuple[str, str]]:
    return [(text, label) for label, texts in INTENTS.items() for text in texts]


@pytest.fixture
def lexical_only(settings):  # type: ignore[no-untyped-def]
    """The encoder is slow to load and the behaviour under test is the calibration."""
    settings.KEFU_ENCODER = "none"


def test_confidence_is_high_for_a_known_question_and_low_for_an_unknown_one(lexical_only):
    model = IntentClassifier(None).fit(*zip(*_training_rows(), strict=True))

    known = model.predict("I lost my card and cannot find it")
    unknown = model.predict("recommend a good pasta recipe")

    assert known.label == "card_lost"
    assert 0.0 <= unknown.confidence < known.confidence <= 1.0


def test_eval_reports_accuracy_and_how_well_it_rejects_out_of_scope_rows(tmp_path, lexical_only):
    train = _write(tmp_path / "train.csv", _training_rows())
    test = _write(
        tmp_path / "test.csv", IN_SCOPE + [(text, "unseen") for text in OUT_OF_SCOPE_ROWS]
    )
    out = io.StringIO()

    arguments = ["--train", str(train), "--test", str(test), "--oos-label", "unseen"]
    call_command("assistant", "eval", *arguments, "--threshold", "0.5", "--json", stdout=out)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["test_rows"] == len(IN_SCOPE) + len(OUT_OF_SCOPE_ROWS)
    assert result["oos_rows"] == len(OUT_OF_SCOPE_ROWS)
    assert result["in_scope_accuracy"] >= 4 / 6
    point = result["at_oos_recall_0_8"]
    assert point["oos_recall"] >= 0.8
    # The lowest such threshold: one step lower rejects fewer out-of-scope rows.
    lower = [p for p in result["sweep"] if p["threshold"] < point["threshold"]]
    assert all(p["oos_recall"] <= point["oos_recall"] for p in lower)


def test_operating_point_is_the_lowest_threshold_that_rejects_enough():
    truth = ["a", "b", "c", OUT_OF_SCOPE, OUT_OF_SCOPE, OUT_OF_SCOPE, OUT_OF_SCOPE, OUT_OF_SCOPE]
    labels = ["a", "b", "x", "a", "b", "a", "b", "a"]
    confidences = [0.9, 0.7, 0.8, 0.2, 0.3, 0.4, 0.5, 0.95]

    point = _operating_point(truth, labels, confidences, 0.8)

    # Four of the five out-of-scope rows sit at or below 0.5: a threshold just above 0.5 rejects
    # them, and the in-scope rows above it that are right ("a" at 0.9, "b" at 0.7) are 2 of 3.
    assert point == {"threshold": 0.51, "in_scope_accuracy": 0.6667, "oos_recall": 0.8}
    # Rejecting every one costs every answer: the last sits at 0.95, above all in-scope rows.
    everything = _operating_point(truth, labels, confidences, 1.0)
    assert everything == {"threshold": 0.96, "in_scope_accuracy": 0.0, "oos_recall": 1.0}
