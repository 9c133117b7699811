"""The editors' workflow: write drafts, preview, publish, unpublish; every save is a revision."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import actions
from .models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    ArticleTranslation,
    Category,
    CategoryTranslation,
    SimilarQuestion,
    SynonymGroup,
    Tag,
)


class CategoryTranslationInline(admin.StackedInline):
    model = CategoryTranslation
    extra = 0
    min_num = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["slug", "translations__title"]
    inlines = [CategoryTranslationInline]


class ArticleTranslationInline(admin.StackedInline):
    model = ArticleTranslation
    extra = 0
    min_num = 1


class SimilarQuestionInline(admin.TabularInline):
    model = SimilarQuestion
    extra = 2


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    fields = ["language", "number", "title", "author", "note", "created_at"]
    readonly_fields = ["language", "number", "title", "author", "note", "created_at"]
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "category", "status", "helpful", "view_count", "updated_at"]
    list_filter = ["status", "category", "tags"]
    search_fields = ["slug", "translations__title", "similar_questions__text"]
    filter_horizontal = ["tags", "related"]
    readonly_fields = ["status", "published_at", "view_count", "preview_link"]
    fields = [
        "slug",
        "category",
        "position",
        "tags",
        "related",
        "status",
        "published_at",
        "view_count",
        "preview_link",
    ]
    inlines = [ArticleTranslationInline, SimilarQuestionInline, RevisionInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("translations")
            .annotate(
                yes=Count("feedback", filter=Q(feedback__helpful=True)),
                votes=Count("feedback"),
            )
        )

    @admin.display(description=_("title"))
    def title(self, obj: Article) -> str:
        tr = obj.translation("en")
        return tr.title if tr else ""

    @admin.display(description=_("helpful"))
    def helpful(self, obj: Any) -> str:
        return f"{obj.yes}/{obj.votes}" if obj.votes else "–"

    @admin.display(description=_("preview"))
    def preview_link(self, obj: Article) -> str:
        if not obj.pk:
            return "–"
        links = []
        for lang in obj.translations.values_list("language", flat=True):
            with translation.override(lang):
                url = reverse("helpcenter:preview", kwargs={"slug": obj.slug})
            links.append(format_html('<a href="{}" target="_blank">{}</a>', url, lang))
        return format_html(" · ".join(["{}"] * len(links)), *links) if links else "–"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        actions.save_article_content(form.instance, actor=request.user, note="admin")

    @admin.action(description=_("Publish selected articles"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        done = 0
        for article in queryset:
            try:
                actions.publish_article(article, actor=request.user)
                done += 1
            except actions.ContentError as exc:
                self.message_user(request, f"{article.slug}: {exc.message}", messages.ERROR)
        self.message_user(
            request, ngettext("%d article published.", "%d articles published.", done) % done
        )

    @admin.action(description=_("Unpublish selected articles"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        count = 0
        for article in queryset.filter(status=ArticleStatus.PUBLISHED):
            actions.unpublish_article(article, actor=request.user)
            count += 1
        self.message_user(
            request, ngettext("%d article unpublished.", "%d articles unpublished.", count) % count
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["slug"]


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "article", "language", "helpful", "reason", "comment"]
    list_filter = ["helpful", "reason", "language"]
    search_fields = ["article__slug", "comment"]
    readonly_fields = ["article", "language", "helpful", "reason", "comment", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):
    list_display = ["terms", "note"]
    search_fields = ["terms"]

    def save_model(self, request: HttpRequest, obj: SynonymGroup, form: Any, change: bool) -> None:
        actions.save_synonyms(obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: SynonymGroup) -> None:
        actions.delete_synonyms(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SynonymGroup]) -> None:
        for group in queryset:
            actions.delete_synonyms(group, actor=request.user)
