"""Measuring the matcher: intent accuracy with out-of-scope rows, and question-pair matching.

Used by ``kefu assistant eval``/``pairs`` and by ``bench/assistant.py``; results are plain dicts
so they print as JSON.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from .classifier import IntentClassifier
from .datasets import Labelled, Pair
from .features import Embed

OUT_OF_SCOPE = "__out_of_scope__"


def percentile(values: Sequence[float], pct: int) -> float:
    if len(values) < 2:
        return round(values[0], 2) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 2)


def evaluate_intents(
    train: Sequence[Labelled],
    test: Sequence[Labelled],
    *,
    embed: Embed | None,
    threshold: float,
    oos_label: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Train on ``train`` and answer every ``test`` row; below ``threshold`` means "don't know".

    A test row labelled ``oos_label`` is right when the matcher does not know; an in-scope row
    is right only when it is answered (not rejected) with its own label.
    """
    started = time.perf_counter()
    train_rows = [r for r in train if r.label != oos_label]
    classifier = IntentClassifier(embed).fit(
        [r.text for r in train_rows], [r.label for r in train_rows]
    )
    train_s = time.perf_counter() - started
    progress(f"trained on {len(train_rows)} rows in {train_s:.1f} s")
    truth, guess, latencies, confidences, predictions = [], [], [], [], []
    for number, row in enumerate(test, 1):
        t0 = time.perf_counter()
        prediction = classifier.predict(row.text)
        predictions.append(prediction)
        latencies.append((time.perf_counter() - t0) * 1000)
        confidences.append(prediction.confidence)
        truth.append(OUT_OF_SCOPE if row.label == oos_label else row.label)
        guess.append(prediction.label if prediction.confidence >= threshold else OUT_OF_SCOPE)
        if number % 500 == 0:
            progress(f"answered {number}/{len(test)}")
    right = [t == g for t, g in zip(truth, guess, strict=True)]
    result: dict[str, Any] = {
        "train_rows": len(train_rows),
        "test_rows": len(test),
        "threshold": threshold,
        "accuracy": round(sum(right) / len(right), 4),
        "macro_f1": round(float(f1_score(truth, guess, average="macro", zero_division=0)), 4),
        "train_s": round(train_s, 1),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }
    in_scope = [i for i, t in enumerate(truth) if t != OUT_OF_SCOPE]
    result["in_scope_accuracy"] = round(sum(right[i] for i in in_scope) / len(in_scope), 4)
    if oos_label is not None:
        oos = [i for i, t in enumerate(truth) if t == OUT_OF_SCOPE]
        flagged = [i for i, g in enumerate(guess) if g == OUT_OF_SCOPE]
        hits = len(set(oos) & set(flagged))
        result["oos_rows"] = len(oos)
        result["oos_recall"] = round(hits / len(oos), 4) if oos else None
        result["oos_precision"] = round(hits / len(flagged), 4) if flagged else None
    if oos_label is not None:
        labels = [p.label for p in predictions]
        result["sweep"] = _sweep(truth, labels, confidences)
        result["at_oos_recall_0_8"] = _operating_point(truth, labels, confidences, 0.8)
    result["learn_ms"] = _time_learning(classifier, test, threshold)
    return result


def _sweep(truth: list[str], labels: list[str], confidences: list[float]) -> list[dict[str, float]]:
    """In-scope accuracy and out-of-scope recall at other thresholds, to choose one."""
    return [_at(step / 10, truth, labels, confidences) for step in range(1, 10)]


def _operating_point(
    truth: list[str], labels: list[str], confidences: list[float], oos_recall: float
) -> dict[str, float] | None:
    """The lowest threshold (in steps of 0.01) that rejects ``oos_recall`` of the out-of-scope
    rows, with the in-scope accuracy left there: the best one threshold can do for both."""
    for step in range(1, 101):
        point = _at(step / 100, truth, labels, confidences)
        if point["oos_recall"] >= oos_recall:
            return point
    return None


def _at(
    threshold: float, truth: list[str], labels: list[str], confidences: list[float]
) -> dict[str, float]:
    answered = [c >= threshold for c in confidences]
    inside = [i for i, t in enumerate(truth) if t != OUT_OF_SCOPE]
    outside = [i for i, t in enumerate(truth) if t == OUT_OF_SCOPE]
    return {
        "threshold": threshold,
        "in_scope_accuracy": round(
            sum(answered[i] and labels[i] == truth[i] for i in inside) / len(inside), 4
        ),
        "oos_recall": round(sum(not answered[i] for i in outside) / len(outside), 4)
        if outside
        else 0.0,
    }


def _time_learning(
    classifier: IntentClassifier, test: Sequence[Labelled], threshold: float
) -> float | None:
    """Milliseconds from teaching a new phrasing to answering it right."""
    phrasing = "could you tell me where my thingamajig order went after I paid for it twice"
    label = next((r.label for r in test), None)
    if label is None:
        return None
    t0 = time.perf_counter()
    classifier.learn(phrasing, label)
    prediction = classifier.predict(phrasing)
    elapsed = (time.perf_counter() - t0) * 1000
    learned = prediction.label == label and prediction.confidence >= threshold
    return round(elapsed, 1) if learned else None


def evaluate_pairs(
    pairs: Sequence[Pair], similarity: Callable[[str, str], float], *, seed: int = 0
) -> dict[str, Any]:
    """Score every pair; pick the accuracy-maximising threshold on one half, report the other."""
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    tune, report = order[:half], order[half:]
    scores = np.array([similarity(p.first, p.second) for p in pairs])
    labels = np.array([p.same for p in pairs])
    threshold = _best_threshold(scores[tune], labels[tune])
    predicted = scores[report] >= threshold
    truth = labels[report]
    tp = int((predicted & truth).sum())
    precision = tp / max(1, int(predicted.sum()))
    recall = tp / max(1, int(truth.sum()))
    return {
        "pairs": len(pairs),
        "threshold": round(float(threshold), 4),
        "accuracy": round(float((predicted == truth).mean()), 4),
        "f1": round(2 * precision * recall / (precision + recall or 1), 4),
        "auc": round(float(roc_auc_score(truth, scores[report])), 4),
    }


def _best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    candidates = np.unique(scores)
    best, best_accuracy = float(candidates[0]), -1.0
    for value in candidates[:: max(1, len(candidates) // 2000)]:
        accuracy = float(((scores >= value) == labels).mean())
        if accuracy > best_accuracy:
            best, best_accuracy = float(value), accuracy
    return best
