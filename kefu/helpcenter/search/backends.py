"""Ranking queries with the database's own full-text index.

SQLite: an FTS5 table kept in sync with ``SearchDocument`` by triggers, ranked by ``bm25()``
with per-column weights. PostgreSQL: a stored, weighted ``tsvector`` column with a GIN index,
ranked by ``ts_rank`` per term scaled by the term's inverse document frequency (``ts_rank``
alone ignores how rare a word is, which ranks "usdt" as high as "到账").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol

from django.db import connection

from .query import Term

# Title, similar questions, body, tags: what users type resembles titles and questions most.
COLUMN_WEIGHTS = (8.0, 6.0, 1.0, 2.0)


class Backend(Protocol):
    def rank(
        self,
        terms: Sequence[Term],
        language: str,
        limit: int,
        doc_counts: Mapping[str, int],
        total_docs: int,
    ) -> list[tuple[int, float]]:
        """(article id, score) pairs, best first; higher scores are better."""
        ...


class SQLiteBackend:
    def rank(
        self,
        terms: Sequence[Term],
        language: str,
        limit: int,
        doc_counts: Mapping[str, int],
        total_docs: int,
    ) -> list[tuple[int, float]]:
        match = " OR ".join(_fts5_term(t) for t in terms)
        sql = (
            "SELECT d.article_id, bm25(helpcenter_search_fts, %s, %s, %s, %s) AS score "
            "FROM helpcenter_search_fts "
            "JOIN helpcenter_searchdocument d ON d.id = helpcenter_search_fts.rowid "
            "WHERE helpcenter_search_fts MATCH %s AND d.language = %s "
            "ORDER BY score LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*COLUMN_WEIGHTS, match, language, limit])
            # bm25() is lower-is-better and negative; flip it so callers see higher-is-better.
            return [(article_id, -score) for article_id, score in cursor.fetchall()]


def _fts5_term(term: Term) -> str:
    phrase = '"' + " ".join(term.tokens).replace('"', '""') + '"'
    return phrase + "*" if term.prefix else phrase


class PostgresBackend:
    def rank(
        self,
        terms: Sequence[Term],
        language: str,
        limit: int,
        doc_counts: Mapping[str, int],
        total_docs: int,
    ) -> list[tuple[int, float]]:
        queries = [_tsquery(t) for t in terms]
        weights = [t.weight * _idf(t, doc_counts, total_docs) for t in terms]
        score = " + ".join(
            "%s * ts_rank('{0.1, 0.25, 0.75, 1.0}', search_vector, to_tsquery('simple', %s))"
            for _ in terms
        )
        sql = (
            f"SELECT article_id, {score} AS score FROM helpcenter_searchdocument "
            "WHERE language = %s AND search_vector @@ to_tsquery('simple', %s) "
            "ORDER BY score DESC LIMIT %s"
        )
        params: list[float | str | int] = []
        for weight, query in zip(weights, queries, strict=True):
            params.extend([weight, query])
        params.extend([language, " | ".join(f"({q})" for q in queries), limit])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(article_id, float(score)) for article_id, score in cursor.fetchall()]


def _tsquery(term: Term) -> str:
    lexemes = ["'" + token.replace("'", "''").replace("\\", "") + "'" for token in term.tokens]
    if term.prefix:
        lexemes[-1] += ":*"
    return " <-> ".join(lexemes)


def _idf(term: Term, doc_counts: Mapping[str, int], total_docs: int) -> float:
    """BM25's inverse document frequency; a phrase is as rare as its rarest word."""
    df = min((doc_counts.get(token, 0) for token in term.tokens), default=0)
    return math.log(1 + (total_docs - df + 0.5) / (df + 0.5))


def backend_for_connection() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise RuntimeError(f"help center search does not support {connection.vendor}")
