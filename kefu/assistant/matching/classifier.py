"""Which known question a message is: a linear model over ``FeatureSpace`` with a calibrated
confidence, plus a memory of phrasings learned since the model was last trained.

Confidence is the probability that the top label is right, estimated from out-of-fold
predictions on the training data itself: the top decision value, its margin over the runner-up
and the similarity to the closest training phrasing, fed to a logistic regression
(``Calibrator``). Each fold also hides a fifth of the labels from its model, so the calibration
sees unknown questions too and a low confidence means "don't know", not only "not sure
which". A fixed threshold therefore means the same thing on any help center.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from .features import Embed, Features, FeatureSpace

# Out-of-fold models see (k-1)/k of the data and are less sure than the final model; more
# folds keep that bias small where training is cheap, two keep big sets within minutes.
SMALL_SET_FOLDS, LARGE_SET_FOLDS, LARGE_SET = 5, 2, 5000
# Share of intents each calibration fold hides from its model, to learn what "unknown" looks like.
HIDDEN_SHARE = 0.2
SVM_C = 0.5
# A message this close (cosine over the features) to a phrasing learned after training is
# taken to be that phrasing.
LEARNED_MATCH = 0.8


@dataclass(frozen=True)
class Ranked:
    label: str
    score: float


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    ranking: list[Ranked]

    def keeping(self, keep: Callable[[str], bool]) -> Prediction:
        """The ranked labels ``keep`` accepts. When the first one goes, what is left is as
        sure as its own probability, not the confidence the first one had."""
        kept = [r for r in self.ranking if keep(r.label)]
        if len(kept) == len(self.ranking):
            return self
        if not kept:
            return Prediction(self.label, 0.0, [])
        if kept[0].label == self.label:
            return Prediction(self.label, self.confidence, kept)
        return Prediction(kept[0].label, kept[0].score, kept)


class IntentClassifier:
    """Train with ``fit``; ``learn`` adds a phrasing instantly; ``predict`` ranks labels."""

    def __init__(
        self,
        embed: Embed | None = None,
        *,
        calibrate: bool = True,
        train_embed: Embed | None = None,
    ):
        self.features = FeatureSpace(embed, train_embed=train_embed)
        self.model = LinearSVC(C=SVM_C)
        self.calibrate = calibrate
        self.calibrator: Calibrator | None = None
        self.labels: np.ndarray = np.array([])
        self._known: _Neighbours | None = None
        self._learned: list[tuple[sparse.csr_matrix, str]] = []
        self._lock = threading.Lock()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        if len(set(labels)) < 2:
            raise ValueError("training needs at least two different labels")
        features = self.features.fit_transform(texts)
        y = np.asarray(labels)
        if self.calibrate:
            self.calibrator = self._fit_calibrator(features, y)
        self.model.fit(features.matrix, y)
        self._known = _Neighbours(features, y)
        self.labels = self.model.classes_
        with self._lock:
            self._learned = []
        return self

    def _fit_calibrator(self, features: Features, y: np.ndarray) -> Calibrator:
        matrix = features.matrix
        counts = np.unique(y, return_counts=True)[1]
        wanted = SMALL_SET_FOLDS if len(y) < LARGE_SET else LARGE_SET_FOLDS
        folds = max(2, min(wanted, int(counts.min())))
        rows: list[np.ndarray] = []
        right: list[np.ndarray] = []
        intents = np.unique(y)
        rng = np.random.default_rng(0)
        if counts.min() >= 2:
            for train, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(
                matrix, y
            ):
                # Hide some intents from the fold's model: their held-out rows are what an
                # unknown question looks like, and the right answer for them is "don't know".
                hidden = rng.choice(intents, int(len(intents) * HIDDEN_SHARE), replace=False)
                train = train[~np.isin(y[train], hidden)]
                if len(np.unique(y[train])) < 2:
                    continue
                fold = LinearSVC(C=SVM_C).fit(matrix[train], y[train])
                scores = fold.decision_function(matrix[held])
                guessed = fold.classes_[scores.argmax(axis=1)]
                nearest = _Neighbours(features, y, train).nearest(features, guessed, held)
                rows.append(_signals(scores, nearest))
                right.append((guessed == y[held]) & ~np.isin(y[held], hidden))
        if not rows or len({bool(v) for r in right for v in r}) < 2:
            return _fallback_calibrator()
        return Calibrator.fit(np.vstack(rows), np.concatenate(right))

    def learn(self, text: str, label: str) -> None:
        """Remember a new phrasing now; the next ``fit`` makes it part of the model."""
        vector = self.features.transform([text]).matrix
        with self._lock:
            self._learned.append((_unit(vector), label))

    def predict(self, text: str, top: int = 3) -> Prediction:
        features = self.features.transform([text])
        vector = features.matrix
        scores = decision(self.model, vector)
        if len(self.labels) == 2:  # binary LinearSVC gives one column
            scores = np.hstack([-scores, scores])
        order = np.argsort(-scores[0])[:top]
        ranking = [Ranked(str(self.labels[i]), float(scores[0, i])) for i in order]
        assert self._known is not None, "fit() first"
        nearest = self._known.nearest(features, np.array([ranking[0].label]))
        confidence = self.confidence(scores, nearest)
        learned = self._closest_learned(vector)
        if learned is not None:
            ranking = [
                Ranked(learned, ranking[0].score),
                *[r for r in ranking if r.label != learned][: top - 1],
            ]
            confidence = max(confidence, 0.99)
        return Prediction(ranking[0].label, confidence, ranking)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(t) for t in texts]

    def confidence(self, scores: np.ndarray, nearest: np.ndarray) -> float:
        if self.calibrator is None:
            return 1.0
        return float(self.calibrator.probability(_signals(scores, nearest))[0])

    def _closest_learned(self, vector: sparse.csr_matrix) -> str | None:
        with self._lock:
            learned = list(self._learned)
        return closest_learned(learned, vector)


def closest_learned(
    learned: list[tuple[sparse.csr_matrix, str]], vector: sparse.csr_matrix
) -> str | None:
    """The label of a phrasing taught since training that ``vector`` all but repeats."""
    if not learned:
        return None
    query = _unit(vector)
    best_label, best = None, LEARNED_MATCH
    for known, label in learned:
        similarity = float(query.multiply(known).sum())
        if similarity >= best:
            best_label, best = label, similarity
    return best_label


class Calibrator:
    """The probability that the top label is right: a logistic regression over the signals,
    their squares and their pairwise products (standardised first).

    The products let "a high score, but far from every known phrasing" mean less than either
    alone. Over four draws of 20 BANKING77 intents held out of training, in-scope accuracy at
    0.80 out-of-scope recall went from 0.820-0.885 (signals alone) to 0.843-0.892.
    """

    def __init__(self, mean: np.ndarray, scale: np.ndarray, model: LogisticRegression):
        self.mean, self.scale, self.model = mean, scale, model

    @classmethod
    def fit(cls, rows: np.ndarray, right: np.ndarray) -> Calibrator:
        mean = rows.mean(axis=0)
        scale = rows.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(max_iter=3000)
        model.fit(_quadratic((rows - mean) / scale), right)
        return cls(mean, scale, model)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """``predict_proba(...)[:, 1]`` without sklearn's input checks, which cost more than
        the arithmetic for one message."""
        return probability(self.model, _quadratic((rows - self.mean) / self.scale))


def _quadratic(rows: np.ndarray) -> np.ndarray:
    first, second = np.triu_indices(rows.shape[1])
    return np.hstack([rows, rows[:, first] * rows[:, second]])


def decision(model: LinearSVC, matrix: sparse.csr_matrix) -> np.ndarray:
    """``model.decision_function`` without its input checks, which cost more than the product
    itself for one message (the features come from our own ``FeatureSpace``)."""
    result: np.ndarray = np.asarray(matrix @ model.coef_.T) + model.intercept_
    return result


def probability(model: LogisticRegression, rows: np.ndarray) -> np.ndarray:
    """``model.predict_proba(rows)[:, 1]`` of a binary logistic regression, without checks."""
    result: np.ndarray = 1 / (1 + np.exp(-(rows @ model.coef_[0] + model.intercept_[0])))
    return result


def _signals(scores: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """Per row: the best decision value, its margin over the runner-up, and the cosines to the
    closest training phrasing and to the closest one of the best label (unknown questions sit
    far from every known one; a question merely near some other label's phrasing is not known
    either)."""
    ordered = np.sort(scores, axis=1)[:, ::-1]
    second = ordered[:, 1] if ordered.shape[1] > 1 else np.zeros(len(ordered))
    return np.column_stack([ordered[:, 0], ordered[:, 0] - second, nearest])


def unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    result: sparse.csr_matrix = sparse.diags(1.0 / norms) @ matrix
    return result.tocsr()


class _Neighbours:
    """The training phrasings, for "how close is the closest one (of this label)?": by sentence
    vector when there is one (a dense product, well under a millisecond for 10,000 phrasings),
    else by lexical features."""

    def __init__(self, features: Features, labels: np.ndarray, rows: np.ndarray | None = None):
        pick = slice(None) if rows is None else rows
        self.labels = labels[pick]
        self.dense = features.dense[pick] if features.dense is not None else None
        self.lexical = unit_rows(features.lexical[pick]) if self.dense is None else None

    def nearest(
        self, features: Features, guessed: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Per message (at ``rows``): the best cosine overall and among ``guessed``'s phrasings."""
        pick = slice(None) if rows is None else rows
        if self.dense is not None and features.dense is not None:
            similarities = features.dense[pick] @ self.dense.T
        else:
            assert self.lexical is not None
            product = unit_rows(features.lexical[pick]) @ self.lexical.T
            similarities = np.asarray(product.todense())
        own = np.where(self.labels[None, :] == guessed[:, None], similarities, -1.0)
        return np.column_stack([similarities.max(axis=1), own.max(axis=1)])


def _fallback_calibrator() -> Calibrator:
    """Too little data to calibrate: a fixed, monotone mapping of the signals."""
    return Calibrator.fit(
        np.array([[-1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]), np.array([False, True])
    )


def _unit(vector: sparse.csr_matrix) -> sparse.csr_matrix:
    norm = float(np.sqrt(vector.multiply(vector).sum())) or 1.0
    result: sparse.csr_matrix = vector / norm
    return result
