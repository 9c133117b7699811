"""Semantic matching: each article translation is one vector, the centroid of its phrasings.

Users ask the same thing in words the article never uses ("someone took my coins" for an
unauthorised withdrawal); a sentence encoder places such paraphrases near the article's title,
summary and similar questions. One centroid per article and language (rather than a vector per
phrasing) matched as well on the held-out questions of ``bench/search.py`` and keeps memory at
``articles x 1.5 kB`` per language, so 100k articles fit a process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..models import Article, ArticleStatus, EncodedText, SemanticVector
from .encoders import Encoder, get_encoder

QUERY_CACHE_SIZE = 1024


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_passages(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """Vectors for ``texts``, from the cache where the same text was encoded before."""
    return encode_cached(encoder, texts, as_query=False)


def encode_cached(encoder: Encoder, texts: Sequence[str], *, as_query: bool) -> np.ndarray:
    """Encode through the ``EncodedText`` cache; queries and passages are cached apart."""
    key = f"{encoder.name}:query" if as_query else encoder.name
    digests = [_digest(t) for t in texts]
    known = {
        digest: np.frombuffer(bytes(vector), dtype=np.float32)
        for digest, vector in EncodedText.objects.filter(
            encoder=key, digest__in=set(digests)
        ).values_list("digest", "vector")
    }
    missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in known}
    if missing:
        encode = encoder.encode_queries if as_query else encoder.encode_passages
        fresh = encode(list(missing.values()))
        EncodedText.objects.bulk_create(
            [
                EncodedText(encoder=key, digest=d, vector=row.tobytes())
                for d, row in zip(missing, fresh, strict=True)
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        known.update(zip(missing, fresh, strict=True))
    return np.vstack([known[d] for d in digests]) if digests else np.zeros((0, encoder.dim))


def phrasings(article: Article) -> dict[str, list[str]]:
    """Language -> the texts that say what the article answers (prefetched relations)."""
    by_language: dict[str, list[str]] = {}
    for translation in article.translations.all():
        texts = [translation.title]
        if translation.summary:
            texts.append(translation.summary)
        by_language[translation.language] = texts
    for question in article.similar_questions.all():
        if question.language in by_language:
            by_language[question.language].append(question.text)
    return by_language


def build_vectors(articles: Iterable[Article], encoder: Encoder) -> list[SemanticVector]:
    """Centroid vectors for every translation of the published ``articles``."""
    keys: list[tuple[Article, str]] = []
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for article in articles:
        if article.status != ArticleStatus.PUBLISHED:
            continue
        for language, lines in phrasings(article).items():
            keys.append((article, language))
            spans.append((len(texts), len(texts) + len(lines)))
            texts.extend(lines)
    encoded = encode_passages(encoder, texts)
    vectors = []
    for (article, language), (start, end) in zip(keys, spans, strict=True):
        centroid = encoded[start:end].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        vectors.append(
            SemanticVector(
                article=article,
                language=language,
                encoder=encoder.name,
                vector=centroid.astype(np.float32).tobytes(),
            )
        )
    return vectors


@dataclass
class SemanticIndex:
    """All vectors of one language in memory, for one index generation."""

    encoder: Encoder
    article_ids: np.ndarray
    matrix: np.ndarray
    rows: dict[int, int]
    vector_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    query_vectors: dict[str, np.ndarray] = field(default_factory=dict)

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of ``query`` to every article, in ``article_ids`` order."""
        if not len(self.article_ids):
            return np.zeros(0, dtype=np.float32)
        result: np.ndarray = self.matrix @ self._query_vector(query)
        return result

    def _query_vector(self, query: str) -> np.ndarray:
        """Popular questions repeat; their vectors are remembered (oldest forgotten first)."""
        vector = self.query_vectors.get(query)
        if vector is None:
            vector = self.encoder.encode_queries([query])[0]
            if len(self.query_vectors) >= QUERY_CACHE_SIZE:
                self.query_vectors.pop(next(iter(self.query_vectors)), None)
            self.query_vectors[query] = vector
        return vector

    def score_of(self, scores: np.ndarray, article_id: int) -> float | None:
        row = self.rows.get(article_id)
        return None if row is None else float(scores[row])


_indexes: dict[tuple[int, str], SemanticIndex] = {}
_indexes_lock = threading.Lock()
# Beyond this many new vectors, loading them all again is as cheap as patching.
MAX_PATCH = 5000


def index_for(language: str, generation: int) -> SemanticIndex | None:
    """The in-memory index of ``language`` at ``generation``; ``None`` without an encoder.

    A new generation keeps the vectors still stored and loads only new ones: an editor's
    change must not make every process read 100,000 vectors again.
    """
    encoder = get_encoder()
    if encoder is None:
        return None
    key = (generation, language)
    index = _indexes.get(key)
    if index is not None and index.encoder is encoder:
        return index
    with _indexes_lock:
        previous = next(
            (i for (_, lang), i in _indexes.items() if lang == language and i.encoder is encoder),
            None,
        )
        stored = SemanticVector.objects.filter(encoder=encoder.name, language=language)
        current = np.array(stored.order_by("id").values_list("id", flat=True), dtype=np.int64)
        known = previous.vector_ids if previous is not None else np.zeros(0, dtype=np.int64)
        added = np.setdiff1d(current, known, assume_unique=True)
        if previous is None or added.size > MAX_PATCH:
            kept_ids, kept_articles, kept_matrix = known[:0], known[:0], _empty(encoder)
            added = current
        else:
            keep = np.isin(known, current, assume_unique=True)
            kept_ids, kept_articles = known[keep], previous.article_ids[keep]
            kept_matrix = previous.matrix[keep]
        loaded = list(
            stored.filter(id__in=added.tolist()).values_list("id", "article_id", "vector")
            if added.size != current.size
            else stored.values_list("id", "article_id", "vector")
        )
        ids = np.concatenate([kept_ids, np.array([r[0] for r in loaded], dtype=np.int64)])
        articles = np.concatenate([kept_articles, np.array([r[1] for r in loaded], dtype=np.int64)])
        fresh = (
            np.frombuffer(b"".join(bytes(r[2]) for r in loaded), dtype=np.float32).reshape(
                len(loaded), encoder.dim
            )
            if loaded
            else _empty(encoder)
        )
        index = SemanticIndex(
            encoder=encoder,
            article_ids=articles,
            matrix=np.vstack([kept_matrix, fresh]),
            rows={int(a): i for i, a in enumerate(articles)},
            vector_ids=ids,
        )
        # Older generations are dropped: only the newest is ever asked for again.
        for stale in [k for k in _indexes if k[1] == language]:
            del _indexes[stale]
        _indexes[key] = index
        return index


def _empty(encoder: Encoder) -> np.ndarray:
    return np.zeros((0, encoder.dim), dtype=np.float32)


def reset() -> None:
    """Forget loaded indexes (tests switch databases under the same process)."""
    with _indexes_lock:
        _indexes.clear()
