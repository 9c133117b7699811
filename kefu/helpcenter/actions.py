"""Every change to help center content goes through these functions.

Each one writes in a transaction, keeps the search index in step, and records an event, so
revision history, the audit trail and the index can never disagree with the content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from kefu.events.services import record_event

from .models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    ArticleTranslation,
    Category,
    FeedbackReason,
    SimilarQuestion,
    SynonymGroup,
    Tag,
)
from .search import indexer


@dataclass
class TranslationData:
    language: str
    title: str
    body: str
    summary: str = ""
    similar_questions: list[str] = field(default_factory=list)


@dataclass
class ArticleData:
    """An article as editors keep it in files: shared fields plus one entry per language."""

    slug: str
    category: str
    translations: list[TranslationData]
    status: str = ArticleStatus.PUBLISHED
    tags: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    position: int = 0


class ContentError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _snapshot(translation: ArticleTranslation, questions: list[str]) -> dict[str, Any]:
    return {
        "title": translation.title,
        "summary": translation.summary,
        "body": translation.body,
        "similar_questions": questions,
    }


def record_revisions(article: Article, actor: Any = None, note: str = "") -> list[ArticleRevision]:
    """Snapshot each translation that differs from its latest revision."""
    created = []
    for tr in article.translations.all():
        questions = list(
            article.similar_questions.filter(language=tr.language).values_list("text", flat=True)
        )
        latest = article.revisions.filter(language=tr.language).order_by("-number").first()
        snapshot = _snapshot(tr, questions)
        if latest is not None and snapshot == {
            "title": latest.title,
            "summary": latest.summary,
            "body": latest.body,
            "similar_questions": latest.similar_questions,
        }:
            continue
        number = (
            article.revisions.filter(language=tr.language).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        created.append(
            ArticleRevision.objects.create(
                article=article,
                language=tr.language,
                number=number,
                author=actor if getattr(actor, "is_authenticated", False) else None,
                note=note,
                **snapshot,
            )
        )
    return created


@transaction.atomic
def save_article_content(article: Article, actor: Any = None, note: str = "") -> None:
    """After an editor changed an article (e.g. in the admin): revisions, index, event."""
    revisions = record_revisions(article, actor, note)
    indexer.index_article(article)
    if revisions:
        record_event(
            "article.edited",
            article,
            actor=actor,
            data={"revisions": [[r.language, r.number] for r in revisions]},
        )


@transaction.atomic
def upsert_article(data: ArticleData, actor: Any = None, note: str = "") -> tuple[Article, str]:
    """Create or update an article from its file form; returns it and created/updated/unchanged.

    Related articles are linked by ``link_related`` once every article of an import exists.
    """
    if not data.translations:
        raise ContentError("no_translations", f"Article {data.slug!r} has no translation.")
    if data.status not in ArticleStatus.values:
        raise ContentError("bad_status", f"Article {data.slug!r}: unknown status {data.status!r}.")
    try:
        category = Category.objects.get(slug=data.category)
    except Category.DoesNotExist:
        raise ContentError(
            "unknown_category", f"Article {data.slug!r}: unknown category {data.category!r}."
        ) from None
    article, created = Article.objects.get_or_create(
        slug=data.slug,
        defaults={"category": category, "status": data.status, "position": data.position},
    )
    changed = created
    if not created and (article.category_id, article.position) != (category.pk, data.position):
        article.category, article.position = category, data.position
        article.save(update_fields=["category", "position", "updated_at"])
        changed = True
    tags = [Tag.objects.get_or_create(slug=slug)[0] for slug in data.tags]
    if {t.pk for t in tags} != set(article.tags.values_list("pk", flat=True)):
        article.tags.set(tags)
        changed = True
    for tr in data.translations:
        obj, tr_created = ArticleTranslation.objects.get_or_create(
            article=article,
            language=tr.language,
            defaults={"title": tr.title, "summary": tr.summary, "body": tr.body},
        )
        if not tr_created and (obj.title, obj.summary, obj.body) != (tr.title, tr.summary, tr.body):
            obj.title, obj.summary, obj.body = tr.title, tr.summary, tr.body
            obj.save()
            changed = True
        changed |= tr_created
        current = list(
            article.similar_questions.filter(language=tr.language).values_list("text", flat=True)
        )
        if current != tr.similar_questions:
            article.similar_questions.filter(language=tr.language).delete()
            SimilarQuestion.objects.bulk_create(
                SimilarQuestion(article=article, language=tr.language, text=q)
                for q in tr.similar_questions
            )
            changed = True
    revisions = record_revisions(article, actor, note)
    if data.status != article.status:
        _set_status(article, data.status, actor)
        changed = True
    elif changed:
        indexer.index_article(article)
    if not changed:
        return article, "unchanged"
    record_event(
        "article.created" if created else "article.updated",
        article,
        actor=actor,
        data={"revisions": [[r.language, r.number] for r in revisions], "note": note},
    )
    return article, "created" if created else "updated"


def link_related(article: Article, slugs: Sequence[str]) -> list[str]:
    """Point an article at its related articles; returns slugs that do not exist."""
    found = {a.slug: a for a in Article.objects.filter(slug__in=slugs).exclude(pk=article.pk)}
    wanted = [found[s] for s in slugs if s in found]
    if {a.pk for a in wanted} != set(article.related.values_list("pk", flat=True)):
        article.related.set(wanted)
    return [s for s in slugs if s not in found and s != article.slug]


def _set_status(article: Article, status: str, actor: Any) -> None:
    previous = article.status
    article.status = status
    if status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    indexer.index_article(article)
    record_event(f"article.{status}", article, actor=actor, data={"from": previous, "to": status})


@transaction.atomic
def publish_article(article: Article, actor: Any = None) -> Article:
    if not article.translations.exists():
        raise ContentError("no_translations", "An article needs a translation to be published.")
    if article.status != ArticleStatus.PUBLISHED:
        _set_status(article, ArticleStatus.PUBLISHED, actor)
    return article


@transaction.atomic
def unpublish_article(article: Article, actor: Any = None) -> Article:
    if article.status == ArticleStatus.PUBLISHED:
        _set_status(article, ArticleStatus.UNPUBLISHED, actor)
    return article


def record_view(article: Article) -> None:
    """Count a page view for "popular articles"; a counter, not an event (too frequent)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def submit_feedback(
    article: Article, language: str, helpful: bool, reason: str = "", comment: str = ""
) -> ArticleFeedback:
    if not article.is_published:
        raise ContentError("not_found", "No such article.")
    if reason and reason not in FeedbackReason.values:
        raise ContentError("bad_reason", f"Unknown reason {reason!r}.")
    comment = comment.strip()
    if len(comment) > 2000:
        raise ContentError("comment_too_long", "Comments are limited to 2000 characters.")
    feedback = ArticleFeedback.objects.create(
        article=article, language=language, helpful=helpful, reason=reason, comment=comment
    )
    record_event(
        "article.feedback",
        article,
        data={"feedback": feedback.pk, "helpful": helpful, "reason": reason, "language": language},
    )
    return feedback


@transaction.atomic
def save_synonyms(group: SynonymGroup, actor: Any = None) -> SynonymGroup:
    group.terms = ", ".join(group.term_list())
    if len(group.term_list()) < 2:
        raise ContentError("synonyms_too_few", "A synonym group needs at least two terms.")
    group.save()
    indexer.bump_generation()
    record_event("synonyms.saved", group, actor=actor, data={"terms": group.term_list()})
    return group


@transaction.atomic
def delete_synonyms(group: SynonymGroup, actor: Any = None) -> None:
    record_event("synonyms.deleted", group, actor=actor, data={"terms": group.term_list()})
    group.delete()
    indexer.bump_generation()


@transaction.atomic
def upsert_category(
    slug: str,
    titles: dict[str, str],
    descriptions: dict[str, str] | None = None,
    *,
    parent: Category | None = None,
    position: int = 0,
    icon: str = "",
    actor: Any = None,
) -> tuple[Category, str]:
    from .models import CategoryTranslation

    if parent is not None and parent.parent_id is not None:
        raise ContentError("category_too_deep", f"Category {slug!r}: categories nest one level.")
    category, created = Category.objects.get_or_create(
        slug=slug, defaults={"parent": parent, "position": position, "icon": icon}
    )
    changed = created
    if not created and (category.parent_id, category.position, category.icon) != (
        parent.pk if parent else None,
        position,
        icon,
    ):
        category.parent, category.position, category.icon = parent, position, icon
        category.full_clean()
        category.save()
        changed = True
    descriptions = descriptions or {}
    for language, title in titles.items():
        tr, tr_created = CategoryTranslation.objects.get_or_create(
            category=category,
            language=language,
            defaults={"title": title, "description": descriptions.get(language, "")},
        )
        wanted = (title, descriptions.get(language, ""))
        if not tr_created and (tr.title, tr.description) != wanted:
            tr.title, tr.description = wanted
            tr.save()
            changed = True
        changed |= tr_created
    if changed:
        record_event("category.created" if created else "category.updated", category, actor=actor)
    return category, "created" if created else ("updated" if changed else "unchanged")


@transaction.atomic
def explain_feedback(feedback: ArticleFeedback, reason: str, comment: str = "") -> ArticleFeedback:
    """Add the optional "why" to a vote already cast."""
    if reason and reason not in FeedbackReason.values:
        raise ContentError("bad_reason", f"Unknown reason {reason!r}.")
    comment = comment.strip()
    if len(comment) > 2000:
        raise ContentError("comment_too_long", "Comments are limited to 2000 characters.")
    feedback.reason, feedback.comment = reason, comment
    feedback.save(update_fields=["reason", "comment"])
    record_event(
        "article.feedback_explained",
        feedback.article,
        data={"feedback": feedback.pk, "reason": reason},
    )
    return feedback
