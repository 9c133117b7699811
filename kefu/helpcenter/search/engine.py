"""The help center's search service: validate, parse, rank, and dress the results."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation

from kefu.accounts.models import SupportLanguage
from kefu.trust.masking import without_secrets

from ..models import (
    Article,
    ArticleTranslation,
    Category,
    CategoryTranslation,
    SearchDocument,
    SearchTerm,
    SynonymGroup,
)
from . import lexical, semantic
from .direction import Side, side_of
from .fusion import fuse
from .indexer import current_generation
from .query import ParsedQuery, SynonymTable, Vocabulary, parse_query
from .rerank import CANDIDATES, rerank
from .snippets import highlight
from .text import normalize

LANGUAGES = {code for code, _ in SupportLanguage.choices}


class SearchError(ValueError):
    """Bad search input; ``code`` is stable for API clients."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class SearchHit:
    article_id: int
    slug: str
    title: str
    url: str
    snippet: str
    score: float
    category_slug: str
    category_title: str


@dataclass
class SearchResponse:
    query: ParsedQuery
    results: list[SearchHit]
    took_ms: float


@dataclass
class _Caches:
    generation: int
    synonyms: SynonymTable
    vocabulary: Vocabulary
    total_docs: int


_caches: _Caches | None = None
_caches_lock = threading.Lock()


def _load_caches() -> _Caches:
    """Synonyms and vocabulary, reloaded only when the index generation has moved on."""
    global _caches
    generation = current_generation()
    cached = _caches
    if cached is not None and cached.generation == generation:
        return cached
    with _caches_lock:
        # Synonyms are matched as token phrases; they must not change the segmenter's
        # dictionary, or text indexed before an edit would no longer match new queries.
        groups = [g.term_list() for g in SynonymGroup.objects.all()]
        counts = dict(SearchTerm.objects.values_list("term", "doc_count"))
        _caches = _Caches(
            generation=generation,
            synonyms=SynonymTable(groups),
            vocabulary=Vocabulary(counts),
            total_docs=SearchDocument.objects.count(),
        )
        return _caches


def warm_up() -> None:
    """Load every language's in-memory indexes now (seconds at 100,000 articles), so the first
    searcher after a start does not wait for them."""
    generation = _load_caches().generation
    for language in sorted(LANGUAGES):
        lexical.index_for(language, generation)
        semantic.index_for(language, generation)


def reset_caches() -> None:
    """Forget every cached view of the index (tests reuse generation numbers after rollback)."""
    global _caches
    _caches = None
    lexical.reset()
    semantic.reset()


def validate(q: str | None, language: str | None, limit: int | None) -> tuple[str, str, int]:
    query = (q or "").strip()
    if not query:
        raise SearchError("query_empty", "Type a few words to search for.")
    if len(query) > settings.KEFU_SEARCH_MAX_QUERY:
        raise SearchError(
            "query_too_long",
            f"Queries are limited to {settings.KEFU_SEARCH_MAX_QUERY} characters.",
        )
    lang = (language or "en").lower()
    if lang not in LANGUAGES:
        raise SearchError(
            "unsupported_language", f"Language must be one of: {', '.join(sorted(LANGUAGES))}."
        )
    count = 10 if limit is None else limit
    if count < 1 or count > settings.KEFU_SEARCH_MAX_LIMIT:
        raise SearchError(
            "invalid_limit", f"Limit must be between 1 and {settings.KEFU_SEARCH_MAX_LIMIT}."
        )
    return query, lang, count


def search(
    q: str | None, language: str | None = "en", limit: int | None = 10, *, prefix: bool = False
) -> SearchResponse:
    started = time.perf_counter()
    query, lang, count = validate(q, language, limit)
    # A secret typed into the search box goes no further (and "my password is [masked:
    # password]" still finds the articles about passwords).
    query = without_secrets(query)
    caches = _load_caches()
    parsed = parse_query(query, caches.synonyms, caches.vocabulary, prefix_last=prefix)
    # Search-as-you-type skips the encoder: half-typed words carry little meaning.
    meaning = None if prefix else semantic.index_for(lang, caches.generation)
    if meaning is not None:
        meaning.prepare(query)  # encoded while the words are ranked
    ranked_lexically: list[tuple[int, float]] = []
    if parsed.terms:
        index = lexical.index_for(lang, caches.generation)
        candidates = index.rank(
            parsed.terms,
            max(count, CANDIDATES),
            caches.vocabulary.counts,
            caches.total_docs,
        )
        ranked_lexically = rerank(
            parsed,
            [(article_id, score) for article_id, score, _ in candidates],
            {article_id: phrasings for article_id, _, phrasings in candidates},
            caches.vocabulary.counts,
            caches.total_docs,
        )
    ranked = fuse(ranked_lexically, meaning, query) if meaning is not None else ranked_lexically
    ranked = _same_direction_first(ranked, side_of(normalize(query)), lang, count)[:count]
    hits = _dress(ranked, lang, parsed)
    return SearchResponse(parsed, hits, round((time.perf_counter() - started) * 1000, 2))


# How deep into the ranking a query about deposits (or withdrawals) looks for articles about it
# to put before those about the other direction.
DIRECTION_DEPTH = 3


def _same_direction_first(
    ranked: list[tuple[int, float]], side: Side | None, lang: str, count: int
) -> list[tuple[int, float]]:
    """A withdrawal question lists withdrawal (and neutral) articles before deposit ones, and
    the other way round; order is kept otherwise, and scores are left as they were."""
    if side is None or not ranked:
        return ranked
    head = ranked[: count * DIRECTION_DEPTH]
    titles = _titles([article_id for article_id, _ in head], lang)
    sides = {article_id: side_of(normalize(title)) for article_id, title in titles.items()}
    opposite = [pair for pair in head if sides.get(pair[0]) not in (None, side)]
    if not opposite:
        return ranked
    kept = [pair for pair in head if pair not in opposite]
    return kept + opposite + ranked[len(head) :]


def _titles(article_ids: list[int], lang: str) -> dict[int, str]:
    table = ArticleTranslation._meta.db_table
    placeholders = ", ".join(["%s"] * len(article_ids))
    sql = (
        f"SELECT article_id, title FROM {table} "
        f"WHERE language = %s AND article_id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lang, *article_ids])
        return dict(cursor.fetchall())


def _dress(ranked: list[tuple[int, float]], lang: str, parsed: ParsedQuery) -> list[SearchHit]:
    if not ranked:
        return []
    found = {row[0]: row[1:] for row in _display_rows([a for a, _ in ranked], lang)}
    words = parsed.highlight_words
    hits = []
    with translation.override(lang):
        for article_id, score in ranked:
            if article_id not in found:
                continue
            title, slug, category_slug, category_title, snippet = found[article_id]
            hits.append(
                SearchHit(
                    article_id=article_id,
                    slug=slug,
                    title=title,
                    url=reverse("helpcenter:article", kwargs={"slug": slug}),
                    snippet=highlight(snippet, words),
                    score=round(score, 4),
                    category_slug=category_slug,
                    category_title=category_title or "",
                )
            )
    return hits


def _display_rows(article_ids: list[int], lang: str) -> list[tuple[int, str, str, str, str, str]]:
    """Title, slug, category and snippet text of each hit in one query (three through the
    ORM cost more than all of ranking)."""
    tables = {
        "document": SearchDocument._meta.db_table,
        "article": Article._meta.db_table,
        "translation": ArticleTranslation._meta.db_table,
        "category": Category._meta.db_table,
        "category_translation": CategoryTranslation._meta.db_table,
    }
    placeholders = ", ".join(["%s"] * len(article_ids))
    sql = (
        "SELECT d.article_id, t.title, a.slug, c.slug, ct.title, d.snippet_text "
        "FROM {document} d "
        "JOIN {article} a ON a.id = d.article_id "
        "JOIN {translation} t ON t.article_id = d.article_id AND t.language = d.language "
        "JOIN {category} c ON c.id = a.category_id "
        "LEFT JOIN {category_translation} ct "
        "ON ct.category_id = c.id AND ct.language = d.language "
        f"WHERE d.language = %s AND d.article_id IN ({placeholders})"
    ).format(**tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lang, *article_ids])
        return cursor.fetchall()
