"""Public help center pages. Thin: read, call a service, render."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from kefu.trust import ratelimit

from . import actions
from .models import (
    Article,
    ArticleFeedback,
    ArticleStatus,
    Category,
    FeedbackReason,
)
from .rendering import render_markdown
from .search import engine

FEEDBACK_SALT = "kefu.helpcenter.feedback"
POSITIVE_REASONS = [FeedbackReason.SOLVED, FeedbackReason.CLEAR, FeedbackReason.OTHER]
NEGATIVE_REASONS = [
    FeedbackReason.NOT_MY_QUESTION,
    FeedbackReason.UNCLEAR,
    FeedbackReason.INACCURATE,
    FeedbackReason.NEED_HELP,
    FeedbackReason.OTHER,
]


def _lang() -> str:
    return get_language() or "en"


def _categories() -> list[Category]:
    return list(
        Category.objects.filter(parent=None).prefetch_related(
            "translations",
            Prefetch("children", queryset=Category.objects.prefetch_related("translations")),
        )
    )


def _with_titles(articles: list[Article], lang: str) -> list[tuple[Article, object]]:
    return [(a, a.translation(lang)) for a in articles]


def home(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    popular = list(
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .prefetch_related("translations")
        .order_by("-view_count", "category__position", "position", "slug")[:8]
    )
    categories = [
        (c, c.translation(lang), [(ch, ch.translation(lang)) for ch in c.children.all()])
        for c in _categories()
    ]
    return render(
        request,
        "helpcenter/home.html",
        {"categories": categories, "popular": _with_titles(popular, lang)},
    )


def category(request: HttpRequest, slug: str) -> HttpResponse:
    lang = _lang()
    cat = get_object_or_404(
        Category.objects.prefetch_related("translations", "children__translations"), slug=slug
    )
    sections = [cat, *cat.children.all()]
    groups = []
    for section in sections:
        articles = list(
            section.articles.filter(status=ArticleStatus.PUBLISHED).prefetch_related("translations")
        )
        if articles or section is cat:
            groups.append((section, section.translation(lang), _with_titles(articles, lang)))
    parent = cat.parent
    return render(
        request,
        "helpcenter/category.html",
        {
            "category": cat,
            "category_tr": cat.translation(lang),
            "parent": parent,
            "parent_tr": parent.translation(lang) if parent else None,
            "groups": groups,
        },
    )


def _article_context(request: HttpRequest, art: Article) -> dict[str, object]:
    lang = _lang()
    tr = art.translation(lang)
    cat = art.category
    related = [r for r in art.related.all() if r.is_published]
    return {
        "article": art,
        "tr": tr,
        "body_html": render_markdown(tr.body) if tr else "",
        "category": cat,
        "category_tr": cat.translation(lang),
        "parent": cat.parent,
        "parent_tr": cat.parent.translation(lang) if cat.parent else None,
        "related": _with_titles(related, lang),
        "positive_reasons": POSITIVE_REASONS,
        "negative_reasons": NEGATIVE_REASONS,
    }


def _article_queryset():  # type: ignore[no-untyped-def]
    return Article.objects.select_related("category__parent").prefetch_related(
        "translations",
        "category__translations",
        "category__parent__translations",
        "related__translations",
    )


@require_http_methods(["GET", "POST"])
def article(request: HttpRequest, slug: str) -> HttpResponse:
    art = get_object_or_404(_article_queryset(), slug=slug, status=ArticleStatus.PUBLISHED)
    context = _article_context(request, art)
    if request.method == "POST":
        context.update(_handle_feedback(request, art))
    else:
        actions.record_view(art)
    return render(request, "helpcenter/article.html", context)


def _handle_feedback(request: HttpRequest, art: Article) -> dict[str, object]:
    """The "was this helpful?" form: a vote first, then optionally why."""
    token = request.POST.get("feedback_token")
    if token:
        try:
            feedback_id = signing.loads(token, salt=FEEDBACK_SALT, max_age=3600)
            stored = ArticleFeedback.objects.get(pk=feedback_id, article=art)
            actions.explain_feedback(
                stored, request.POST.get("reason", ""), request.POST.get("comment", "")
            )
        except (signing.BadSignature, ArticleFeedback.DoesNotExist, actions.ContentError):
            return {"feedback_error": True}
        return {"feedback_done": True}
    vote = request.POST.get("helpful")
    if vote not in {"yes", "no"}:
        return {"feedback_error": True}
    stored = actions.submit_feedback(art, _lang(), vote == "yes")
    return {
        "feedback_vote": vote,
        "feedback_token": signing.dumps(stored.pk, salt=FEEDBACK_SALT),
    }


@staff_member_required
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Editors see an article as it will look, whatever its status."""
    art = get_object_or_404(_article_queryset(), slug=slug)
    context = _article_context(request, art)
    context["preview"] = True
    return render(request, "helpcenter/article.html", context)


def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    context: dict[str, object] = {"q": q}
    if q:
        try:
            ratelimit.hit_request(request, "search")
        except ratelimit.RateLimited as problem:
            return ratelimit.rate_limited_page(request, problem)
        try:
            found = engine.search(q, _lang(), 20)
        except engine.SearchError as exc:
            context["error"] = exc.message
        else:
            context.update(
                results=found.results, took_ms=found.took_ms, corrections=found.query.corrections
            )
    return render(request, "helpcenter/search.html", context)
