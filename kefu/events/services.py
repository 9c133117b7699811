"""Recording events: the last step of every action service."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from . import bus
from .models import Event


def record_event(
    kind: str,
    subject: models.Model | tuple[str, str],
    *,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Write an event in the caller's transaction and publish it once that commits.

    ``subject`` is the model instance the event is about, or a (type, id) pair for things
    that are not rows (the demo data set, a configuration).
    """
    if isinstance(subject, models.Model):
        subject_type, subject_id = subject._meta.label_lower, str(subject.pk)
    else:
        subject_type, subject_id = subject
    event = Event.objects.create(
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data or {},
    )
    transaction.on_commit(lambda: bus.publish(event))
    return event
