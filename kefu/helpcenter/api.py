"""Help center endpoints: search, suggestions, categories, articles and feedback."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from ninja import Router, Schema, Status

from kefu.errors import ApiError
from kefu.trust import ratelimit

from . import actions
from .models import Article, ArticleStatus, Category
from .rendering import render_markdown
from .search import engine

router = Router(tags=["help center"])


class CategoryRef(Schema):
    slug: str
    title: str


class SearchResult(Schema):
    id: int
    title: str
    url: str
    snippet: str
    score: float
    category: CategoryRef


class SearchOut(Schema):
    results: list[SearchResult]
    took_ms: float
    corrections: dict[str, str]


class Suggestion(Schema):
    id: int
    title: str
    url: str


class SuggestOut(Schema):
    suggestions: list[Suggestion]


class CategoryOut(Schema):
    slug: str
    title: str
    description: str
    parent: str | None
    url: str
    article_count: int


class ArticleOut(Schema):
    id: int
    slug: str
    language: str
    title: str
    summary: str
    body_html: str
    url: str
    category: CategoryRef
    tags: list[str]
    related: list[Suggestion]
    updated_at: str


class FeedbackIn(Schema):
    helpful: bool
    lang: str = "en"
    reason: str = ""
    comment: str = ""


class FeedbackOut(Schema):
    id: int
    helpful: bool


def _language(lang: str) -> str:
    lang = (lang or "").lower()
    if lang not in engine.LANGUAGES:
        raise ApiError(
            "unsupported_language",
            f"Language must be one of: {', '.join(sorted(engine.LANGUAGES))}.",
        )
    return lang


@router.get("search", response=SearchOut, summary="Search published articles")
def search(request: HttpRequest, q: str = "", lang: str = "en", limit: int = 10) -> dict:
    """Ranked articles with highlighted snippets (matches wrapped in ``<mark>``)."""
    ratelimit.hit_request(request, "search")
    found = engine.search(q, lang, limit)
    return {
        "results": [
            {
                "id": h.article_id,
                "title": h.title,
                "url": h.url,
                "snippet": h.snippet,
                "score": h.score,
                "category": {"slug": h.category_slug, "title": h.category_title},
            }
            for h in found.results
        ],
        "took_ms": found.took_ms,
        "corrections": found.query.corrections,
    }


@router.get("suggest", response=SuggestOut, summary="Search-as-you-type suggestions")
def suggest(request: HttpRequest, q: str = "", lang: str = "en", limit: int = 6) -> dict:
    ratelimit.hit_request(request, "suggest")
    found = engine.search(q, lang, limit, prefix=True)
    return {
        "suggestions": [{"id": h.article_id, "title": h.title, "url": h.url} for h in found.results]
    }


@router.get("categories", response=list[CategoryOut], summary="All categories")
def categories(request: HttpRequest, lang: str = "en") -> list[dict]:
    lang = _language(lang)
    out = []
    with translation.override(lang):
        for category in Category.objects.prefetch_related("translations").select_related("parent"):
            tr = category.translation(lang)
            out.append(
                {
                    "slug": category.slug,
                    "title": tr.title if tr else category.slug,
                    "description": tr.description if tr else "",
                    "parent": category.parent.slug if category.parent else None,
                    "url": reverse("helpcenter:category", kwargs={"slug": category.slug}),
                    "article_count": category.articles.filter(
                        status=ArticleStatus.PUBLISHED
                    ).count(),
                }
            )
    return out


def _published(slug: str) -> Article:
    return get_object_or_404(
        Article.objects.select_related("category").prefetch_related(
            "translations", "tags", "related__translations", "category__translations"
        ),
        slug=slug,
        status=ArticleStatus.PUBLISHED,
    )


@router.get("articles/{slug}", response=ArticleOut, summary="One published article")
def article(request: HttpRequest, slug: str, lang: str = "en") -> dict:
    lang = _language(lang)
    art = _published(slug)
    tr = art.translation(lang)
    if tr is None:
        raise ApiError("not_found", "No such article.", status=404)
    category = art.category.translation(lang)
    with translation.override(lang):
        related = [
            {
                "id": r.pk,
                "title": (r.translation(lang) or tr).title,
                "url": reverse("helpcenter:article", kwargs={"slug": r.slug}),
            }
            for r in art.related.all()
            if r.is_published
        ]
        url = reverse("helpcenter:article", kwargs={"slug": art.slug})
    return {
        "id": art.pk,
        "slug": art.slug,
        "language": tr.language,
        "title": tr.title,
        "summary": tr.summary,
        "body_html": render_markdown(tr.body),
        "url": url,
        "category": {"slug": art.category.slug, "title": category.title if category else ""},
        "tags": [t.slug for t in art.tags.all()],
        "related": related,
        "updated_at": tr.updated_at.isoformat(),
    }


@router.post("articles/{slug}/feedback", response={201: FeedbackOut}, summary='"Was this helpful?"')
def feedback(request: HttpRequest, slug: str, payload: FeedbackIn) -> Status:
    art = _published(slug)
    stored = actions.submit_feedback(
        art, _language(payload.lang), payload.helpful, payload.reason, payload.comment
    )
    return Status(201, {"id": stored.pk, "helpful": stored.helpful})
