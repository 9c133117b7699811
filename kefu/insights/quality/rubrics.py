"""Changes to rubrics: which one is active, and a new version when its criteria change (the
reviews already scored keep the criteria they were scored on)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.events.services import record_event

from .models import Rubric
from .scoring import rubric_snapshot


def activate(rubric: Rubric, *, by: Any = None) -> None:
    """Make ``rubric`` the one new reviews are scored on."""
    with transaction.atomic():
        Rubric.objects.filter(is_active=True).exclude(pk=rubric.pk).update(is_active=False)
        if not rubric.is_active:
            rubric.is_active = True
            Rubric.objects.filter(pk=rubric.pk).update(is_active=True)
        record_event("quality.rubric_activated", rubric, actor=by, data={"version": rubric.version})


def criteria_saved(rubric: Rubric, before: list[dict[str, Any]], *, by: Any = None) -> bool:
    """After an edit: a new version if the criteria differ from ``before``; True if so."""
    after = rubric_snapshot(rubric)
    if after == before:
        return False
    with transaction.atomic():
        rubric.version += 1
        rubric.save(update_fields=["version", "updated_at"])
        record_event(
            "quality.rubric_changed",
            rubric,
            actor=by,
            data={"version": rubric.version, "criteria": [c["key"] for c in after]},
        )
    return True
