"""Second stage: re-order the index's best candidates by their closest single question.

The full-text index ranks an article by all its words at once; users, though, ask one question
at a time, and an article's title and similar questions are the best evidence of which article
they mean. Each candidate is scored by the cosine (IDF-weighted, binary) between the query and
its best-matching title or similar question, plus a share of its full-text score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .query import ParsedQuery, Term

CANDIDATES = 50
FULL_TEXT_SHARE = 1.0


def _idf(token: str, counts: Mapping[str, int], total: int) -> float:
    df = counts.get(token, 0)
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def _matches(term: Term, words: set[str]) -> bool:
    if term.prefix:
        return any(w.startswith(term.tokens[-1]) for w in words)
    return all(token in words for token in term.tokens)


def rerank(
    parsed: ParsedQuery,
    candidates: Sequence[tuple[int, float]],
    phrasings: Mapping[int, list[str]],
    counts: Mapping[str, int],
    total: int,
) -> list[tuple[int, float]]:
    """``phrasings``: article id -> token strings of its title and each similar question."""
    if not candidates or not parsed.groups:
        return list(candidates)
    group_idf = [
        max(_idf(tok, counts, total) for term in group for tok in term.tokens)
        if group[0].weight < 1
        else max(_idf(tok, counts, total) for tok in group[0].tokens)
        for group in parsed.groups
    ]
    query_norm = math.sqrt(sum(w * w for w in group_idf)) or 1.0
    best_text = max(score for _, score in candidates) or 1.0
    scored = []
    for article_id, text_score in candidates:
        best = 0.0
        for phrasing in phrasings.get(article_id, ()):
            words = set(phrasing.split())
            if not words:
                continue
            hit = 0.0
            for group, weight in zip(parsed.groups, group_idf, strict=True):
                matched = [t.weight for t in group if _matches(t, words)]
                if matched:
                    hit += weight * weight * max(matched)
            if hit:
                doc_norm = math.sqrt(sum(_idf(w, counts, total) ** 2 for w in words))
                best = max(best, hit / (query_norm * doc_norm))
        scored.append((article_id, best + FULL_TEXT_SHARE * text_score / best_text))
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return scored
