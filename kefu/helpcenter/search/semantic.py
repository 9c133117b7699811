"""Semantic matching: each article translation is a few vectors — the centroid of its
phrasings, and one per passage of its body.

Users ask the same thing in words the article never uses ("someone took my coins" for an
unauthorised withdrawal); a sentence encoder places such paraphrases near the article's title,
summary and similar questions. One centroid per article and language (rather than a vector per
phrasing) matched as well on the held-out questions of ``bench/search.py``. Questions about a
detail only the body answers are matched by its passages (``passages.py``): an article scores
by its closest passage.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..models import Article, ArticleStatus, EncodedText, SemanticVector
from .encoders import Encoder, get_encoder
from .passages import passages

QUERY_CACHE_SIZE = 1024
# Encodes queries while the caller ranks lexically: the encoder runs in C without the
# interpreter lock, so the two overlap. One thread: the encoder serves one caller at a time.
_encoding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-query-encoder")


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


def translation_texts(
    title: str, summary: str, questions: Sequence[str], body: str
) -> tuple[list[str], list[str]]:
    """What one translation is encoded as: the phrasings whose mean is its centroid (title,
    summary, similar questions) and its body's passages."""
    return [title, *([summary] if summary else []), *questions], passages(title, body)


def article_texts(article: Article) -> dict[str, tuple[list[str], list[str]]]:
    """Language -> ``translation_texts`` of the article (prefetched relations)."""
    questions: dict[str, list[str]] = {}
    for question in article.similar_questions.all():
        questions.setdefault(question.language, []).append(question.text)
    return {
        t.language: translation_texts(t.title, t.summary, questions.get(t.language, []), t.body)
        for t in article.translations.all()
    }


def build_vectors(articles: Iterable[Article], encoder: Encoder) -> list[SemanticVector]:
    """Centroid and passage vectors for every translation of the published ``articles``."""
    keys: list[tuple[Article, str, int]] = []
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for article in articles:
        if article.status != ArticleStatus.PUBLISHED:
            continue
        for language, (lines, parts) in article_texts(article).items():
            keys.append((article, language, 0))
            spans.append((len(texts), len(texts) + len(lines)))
            texts.extend(lines)
            for number, passage in enumerate(parts, start=1):
                keys.append((article, language, number))
                spans.append((len(texts), len(texts) + 1))
                texts.append(passage)
    encoded = encode_passages(encoder, texts)
    vectors = []
    for (article, language, number), (start, end) in zip(keys, spans, strict=True):
        vector = encoded[start:end].mean(axis=0)
        vector /= np.linalg.norm(vector) or 1.0
        vectors.append(
            SemanticVector(
                article=article,
                language=language,
                encoder=encoder.name,
                passage=number,
                vector=vector.astype(np.float32).tobytes(),
            )
        )
    return vectors


@dataclass
class Similarities:
    """One query's cosine similarity to every article, by each of the two kinds of vector."""

    centroid: np.ndarray  # in ``SemanticIndex.article_ids`` order
    passage: np.ndarray  # best passage, in ``SemanticIndex.passage_articles`` order


@dataclass
class SemanticIndex:
    """All vectors of one language in memory, for one index generation.

    The matrix holds the centroids first (``article_ids``, ``rows``), then the passages
    grouped by article (``passage_articles``, ``passage_rows``), so one product scores both.
    """

    encoder: Encoder
    vector_ids: np.ndarray
    row_articles: np.ndarray
    row_passages: np.ndarray
    matrix: np.ndarray
    query_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    pending: dict[str, Future[np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        order = np.lexsort((self.row_passages, self.row_articles, self.row_passages > 0))
        self.vector_ids = self.vector_ids[order]
        self.row_articles = self.row_articles[order]
        self.row_passages = self.row_passages[order]
        self.matrix = self.matrix[order]
        self._centroids = int(np.count_nonzero(self.row_passages == 0))
        self.article_ids = self.row_articles[: self._centroids]
        self.rows = {int(a): i for i, a in enumerate(self.article_ids)}
        grouped = self.row_articles[self._centroids :]
        first = np.r_[True, grouped[1:] != grouped[:-1]] if grouped.size else grouped.astype(bool)
        self._starts = np.flatnonzero(first)
        self.passage_articles = grouped[self._starts]
        self.passage_rows = {int(a): i for i, a in enumerate(self.passage_articles)}

    def scores(self, query: str) -> Similarities:
        """Cosine similarity of ``query`` to every article's centroid and best passage."""
        if not len(self.row_articles):
            empty = np.zeros(0, dtype=np.float32)
            return Similarities(empty, empty)
        every: np.ndarray = self.matrix @ self._query_vector(query)
        passages = every[self._centroids :]
        best = np.maximum.reduceat(passages, self._starts) if passages.size else passages
        return Similarities(every[: self._centroids], best)

    def prepare(self, query: str) -> None:
        """Start encoding ``query`` now, so that ``scores`` finds it done or nearly."""
        known = query in self.query_vectors or query in self.pending
        if len(self.row_articles) and not known:
            self.pending[query] = _encoding.submit(self.encoder.encode_queries, [query])

    def _query_vector(self, query: str) -> np.ndarray:
        """Popular questions repeat; their vectors are remembered (oldest forgotten first)."""
        vector = self.query_vectors.get(query)
        if vector is None:
            started = self.pending.pop(query, None)
            vectors = started.result() if started else self.encoder.encode_queries([query])
            vector = vectors[0]
            if len(self.query_vectors) >= QUERY_CACHE_SIZE:
                self.query_vectors.pop(next(iter(self.query_vectors)), None)
            self.query_vectors[query] = vector
        return vector


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
            kept_ids, kept_articles, kept_passages = known[:0], known[:0], known[:0]
            kept_matrix = _empty(encoder)
            added = current
        else:
            keep = np.isin(known, current, assume_unique=True)
            kept_ids, kept_articles = known[keep], previous.row_articles[keep]
            kept_passages, kept_matrix = previous.row_passages[keep], previous.matrix[keep]
        fields = ("id", "article_id", "passage", "vector")
        loaded = list(
            stored.filter(id__in=added.tolist()).values_list(*fields)
            if added.size != current.size
            else stored.values_list(*fields)
        )
        fresh = (
            np.frombuffer(b"".join(bytes(r[3]) for r in loaded), dtype=np.float32).reshape(
                len(loaded), encoder.dim
            )
            if loaded
            else _empty(encoder)
        )
        index = SemanticIndex(
            encoder=encoder,
            vector_ids=np.concatenate([kept_ids, _column(loaded, 0)]),
            row_articles=np.concatenate([kept_articles, _column(loaded, 1)]),
            row_passages=np.concatenate([kept_passages, _column(loaded, 2)]),
            matrix=np.vstack([kept_matrix, fresh]),
        )
        # Older generations are dropped: only the newest is ever asked for again.
        for stale in [k for k in _indexes if k[1] == language]:
            del _indexes[stale]
        _indexes[key] = index
        return index


def _column(rows: list[tuple[int, int, int, bytes]], number: int) -> np.ndarray:
    return np.array([row[number] for row in rows], dtype=np.int64)


def _empty(encoder: Encoder) -> np.ndarray:
    return np.zeros((0, encoder.dim), dtype=np.float32)


def reset() -> None:
    """Forget loaded indexes (tests switch databases under the same process)."""
    with _indexes_lock:
        _indexes.clear()
