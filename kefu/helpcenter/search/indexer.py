"""Keeping the search index in step with published articles.

Callers run these inside their own transaction, so an article and its index entry change
together or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import F, Prefetch

from ..models import (
    Article,
    ArticleStatus,
    CategoryTranslation,
    SearchDocument,
    SearchIndexState,
    SearchTerm,
    SemanticVector,
)
from ..rendering import plain_text
from .encoders import get_encoder
from .semantic import build_vectors
from .text import tokenize

MAX_TERM_LENGTH = 64
# Keeps question boundaries for the reranker; the inverted index skips the bar.
QUESTION_SEPARATOR = " | "
Progress = Callable[[int, int], None]


def _article_queryset() -> Iterable[Article]:
    return Article.objects.select_related("category").prefetch_related(
        "translations",
        "similar_questions",
        "tags",
        Prefetch("category__translations", queryset=CategoryTranslation.objects.all()),
    )


def build_documents(article: Article) -> list[SearchDocument]:
    """Index entries for every translation of a published article (none if not published)."""
    if article.status != ArticleStatus.PUBLISHED:
        return []
    tag_words = " ".join(tag.slug.replace("-", " ") for tag in article.tags.all())
    docs = []
    for translation in article.translations.all():
        language = translation.language
        questions = [q.text for q in article.similar_questions.all() if q.language == language]
        category = article.category.translation(language)
        category_title = category.title if category else ""
        body = plain_text(translation.body)
        docs.append(
            SearchDocument(
                article=article,
                language=language,
                title_tokens=" ".join(tokenize(translation.title)),
                question_tokens=QUESTION_SEPARATOR.join(" ".join(tokenize(q)) for q in questions),
                body_tokens=" ".join(tokenize(f"{translation.summary}\n{body}")),
                tag_tokens=" ".join(tokenize(f"{tag_words} {category_title}")),
                snippet_text=f"{translation.summary}\n{body}".strip(),
            )
        )
    return docs


def _terms(doc: SearchDocument) -> set[str]:
    text = f"{doc.title_tokens} {doc.question_tokens} {doc.body_tokens} {doc.tag_tokens}"
    return {t for t in text.split() if len(t) <= MAX_TERM_LENGTH and t != "|"}


def index_article(article: Article) -> None:
    """Replace the article's index entries with fresh ones built from its current content."""
    article = _article_queryset().get(pk=article.pk)  # type: ignore[attr-defined]
    old = list(SearchDocument.objects.filter(article=article))
    new = build_documents(article)
    delta: Counter[str] = Counter()
    for doc in old:
        delta.subtract(_terms(doc))
    for doc in new:
        delta.update(_terms(doc))
    SearchDocument.objects.filter(article=article).delete()
    SearchDocument.objects.bulk_create(new)
    _apply_term_delta(delta)
    SemanticVector.objects.filter(article=article).delete()
    encoder = get_encoder()
    if encoder is not None:
        SemanticVector.objects.bulk_create(build_vectors([article], encoder))
    bump_generation()


def remove_article(article: Article) -> None:
    delta: Counter[str] = Counter()
    for doc in SearchDocument.objects.filter(article=article):
        delta.subtract(_terms(doc))
    SearchDocument.objects.filter(article=article).delete()
    SemanticVector.objects.filter(article=article).delete()
    _apply_term_delta(delta)
    bump_generation()


def _apply_term_delta(delta: Counter[str]) -> None:
    changed = {term: n for term, n in delta.items() if n}
    if not changed:
        return
    existing = set(SearchTerm.objects.filter(term__in=changed).values_list("term", flat=True))
    SearchTerm.objects.bulk_create(
        [
            SearchTerm(term=t, doc_count=n)
            for t, n in changed.items()
            if t not in existing and n > 0
        ],
        ignore_conflicts=True,
    )
    by_amount: dict[int, list[str]] = {}
    for term, n in changed.items():
        if term in existing:
            by_amount.setdefault(n, []).append(term)
    for amount, terms in by_amount.items():
        SearchTerm.objects.filter(term__in=terms).update(doc_count=F("doc_count") + amount)
    SearchTerm.objects.filter(doc_count__lte=0).delete()


def rebuild_index(progress: Progress | None = None, batch_size: int = 500) -> int:
    """Rebuild the whole index from published articles; returns the number of documents.

    Sentence vectors are rebuilt too, re-encoding only texts the encoder has not seen before.
    """
    encoder = get_encoder()
    ids = list(
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counts: Counter[str] = Counter()
    written = 0
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        SearchTerm.objects.all().delete()
        SemanticVector.objects.all().delete()
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            articles = list(_article_queryset().filter(pk__in=chunk))  # type: ignore[attr-defined]
            docs = [doc for article in articles for doc in build_documents(article)]
            SearchDocument.objects.bulk_create(docs, batch_size=batch_size)
            if encoder is not None:
                SemanticVector.objects.bulk_create(
                    build_vectors(articles, encoder), batch_size=batch_size
                )
            for doc in docs:
                counts.update(_terms(doc))
            written += len(docs)
            if progress:
                progress(min(start + batch_size, len(ids)), len(ids))
        SearchTerm.objects.bulk_create(
            (SearchTerm(term=t, doc_count=n) for t, n in counts.items()), batch_size=2000
        )
        bump_generation()
    return written


def bump_generation() -> None:
    """Tell every process's search caches (synonyms, vocabulary) that they are stale."""
    if not SearchIndexState.objects.filter(pk=1).update(generation=F("generation") + 1):
        SearchIndexState.objects.get_or_create(pk=1, defaults={"generation": 1})


def current_generation() -> int:
    """Read on every search, so plain SQL: the ORM's query building cost more than the query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation FROM {SearchIndexState._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
