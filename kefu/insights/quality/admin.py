from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import rubrics
from .models import Criterion, Review, Rubric
from .scoring import rubric_snapshot


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = [
        "position",
        "key",
        "label_en",
        "label_zh_hans",
        "weight",
        "scale_min",
        "scale_max",
        "guidance_en",
        "guidance_zh_hans",
    ]


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    """Editing criteria makes a new version; reviews scored before keep theirs."""

    list_display = ["name", "version", "is_active", "updated_at"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [CriterionInline]
    actions = ["make_active"]

    def save_model(self, request: HttpRequest, obj: Rubric, form: Any, change: bool) -> None:
        obj._criteria_before = rubric_snapshot(obj) if change else None  # type: ignore[attr-defined]
        # Activating goes through rubrics.activate, which deactivates the one active before.
        was_active = bool(obj.pk) and Rubric.objects.filter(pk=obj.pk, is_active=True).exists()
        activating = obj.is_active and not was_active
        obj.is_active = obj.is_active and was_active
        super().save_model(request, obj, form, change)
        if activating:
            rubrics.activate(obj, by=request.user)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(form.instance, "_criteria_before", None)
        if before is not None and rubrics.criteria_saved(form.instance, before, by=request.user):
            messages.info(
                request,
                _(
                    "The criteria changed: this is now version %(v)s. Reviews scored before keep "
                    "the criteria they were scored on."
                )
                % {"v": form.instance.version},
            )

    @admin.action(description=_("Make active"))
    def make_active(self, request: HttpRequest, queryset: QuerySet[Rubric]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one rubric."), messages.ERROR)
            return
        rubric = queryset.get()
        rubrics.activate(rubric, by=request.user)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Scores are given on the review page; here they are only read."""

    list_display = ["ticket", "agent", "status", "reason", "total", "reviewer", "scored_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["ticket", "agent", "reviewer", "rubric"]
    readonly_fields = [
        "rubric",
        "rubric_version",
        "criteria",
        "scores",
        "total",
        "reviewer",
        "scored_at",
        "comment",
        "status",
    ]
