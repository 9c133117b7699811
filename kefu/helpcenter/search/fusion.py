"""Third stage: blend the lexical ranking with semantic similarity.

Lexical scores are scaled to the best candidate (1.0); semantic similarity counts only above
the similarity of the ``CANDIDATES``-th closest article, because e5 similarities sit in a narrow
band (about 0.75-0.9) where the absolute value says little and the margin over the crowd says
much. The weight was chosen by 4-fold cross-validation over the similar questions the index
holds (each fold's questions removed from the index and asked), on the demo help center plus
905 synthetic articles: weights 10/15/20/25/30 gave recall@5 0.858/0.877/0.884/0.886/0.882
(en) and 0.810/0.852/0.863/0.868/0.865 (zh). Scoring each article by its closest phrasing
instead of, or as well as, the centroid did not do better and would cost a vector per phrasing
in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .rerank import CANDIDATES
from .semantic import SemanticIndex

SEMANTIC_WEIGHT = 25.0
# The same for an article's closest body passage (``passages.py``).
PASSAGE_WEIGHT = 25.0
# With no lexical match at all, a semantic neighbour must stand out this far from the crowd
# to be shown; otherwise "no results" is the honest answer to gibberish.
SEMANTIC_ONLY_MARGIN = 0.04


def fuse(
    lexical: Sequence[tuple[int, float]], index: SemanticIndex, query: str
) -> list[tuple[int, float]]:
    similarities = index.scores(query)
    best_lexical = max((score for _, score in lexical), default=0.0) or 1.0
    combined = {article_id: score / best_lexical for article_id, score in lexical}
    margin = SEMANTIC_ONLY_MARGIN if not lexical else 0.0
    signals = [
        _Signal(similarities.centroid, index.article_ids, index.rows, SEMANTIC_WEIGHT),
        _Signal(similarities.passage, index.passage_articles, index.passage_rows, PASSAGE_WEIGHT),
    ]
    for signal in signals:
        signal.propose(combined, margin)
    for signal in signals:
        signal.add_to(combined)
    return sorted(combined.items(), key=lambda pair: pair[1], reverse=True)


class _Signal:
    """One kind of similarity: its scores, the articles they belong to, and its weight."""

    def __init__(
        self, scores: np.ndarray, articles: np.ndarray, rows: Mapping[int, int], weight: float
    ) -> None:
        self.scores, self.articles, self.rows, self.weight = scores, articles, rows, weight
        k = min(CANDIDATES, scores.size)
        self.top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
        self.floor = float(scores[self.top].min()) if k else 0.0

    def propose(self, combined: dict[int, float], margin: float) -> None:
        """Add the articles that stand out by this signal to the candidates."""
        for row in self.top:
            if float(self.scores[row]) - self.floor > margin:
                combined.setdefault(int(self.articles[row]), 0.0)

    def add_to(self, combined: dict[int, float]) -> None:
        for article_id in combined:
            row = self.rows.get(article_id)
            if row is not None:
                combined[article_id] += self.weight * max(0.0, float(self.scores[row]) - self.floor)
