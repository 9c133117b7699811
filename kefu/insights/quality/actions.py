"""Writes of quality review: scoring a sampled conversation. One transaction each, one event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent
from kefu.clock import now
from kefu.errors import ApiError
from kefu.events.services import record_event
from kefu.trust import access

from .models import Review, ReviewStatus
from .permissions import can_review, visible_reviews
from .scoring import active_rubric, clean_scores, rubric_snapshot, weighted_total

MAX_COMMENT = 4000


def score_review(
    review: Review,
    *,
    by: Agent,
    scores: Mapping[str, Any],
    comment: str = "",
    rubric_version: int | None = None,
) -> Review:
    """Score a pending sample on the active rubric, keeping a copy of its criteria.

    ``rubric_version`` is the version the reviewer's form showed: if the rubric changed since,
    nothing is saved and the form is shown again on the new criteria.
    """
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ApiError(
            "comment_too_long",
            _("Comments are limited to %(max)s characters.") % {"max": MAX_COMMENT},
            details={"comment": _("Shorten the comment.")},
        )
    with transaction.atomic():
        locked = (
            Review.objects.select_for_update().filter(pk=review.pk).first()
            if visible_reviews(by).filter(pk=review.pk).exists()
            else None
        )
        if locked is None:
            raise ApiError("review_not_found", _("No such review."), 404)
        if not access.is_supervisor(by):
            raise ApiError("not_a_reviewer", _("Only supervisors score reviews."), 403)
        if locked.agent_id == by.pk:
            raise ApiError("own_conversation", _("Nobody reviews their own conversations."), 403)
        if not can_review(by, locked.agent_id):
            raise ApiError(
                "not_your_team", _("You review only the agents of your teams."), status=403
            )
        if locked.status != ReviewStatus.PENDING:
            raise ApiError("already_scored", _("This review has been scored already."), 409)
        rubric = active_rubric()
        if rubric is None:
            raise ApiError("no_active_rubric", _("No rubric is active; ask an administrator."), 409)
        if rubric_version is not None and rubric_version != rubric.version:
            raise ApiError(
                "rubric_changed",
                _("The rubric changed while you were scoring; score again on the new criteria."),
                409,
            )
        criteria = rubric_snapshot(rubric)
        cleaned = clean_scores(criteria, scores)
        locked.rubric = rubric
        locked.rubric_version = rubric.version
        locked.criteria = criteria
        locked.scores = cleaned
        locked.total = weighted_total(criteria, cleaned)
        locked.comment = comment
        locked.reviewer = by
        locked.status = ReviewStatus.DONE
        locked.scored_at = now()
        locked.save()
        record_event(
            "quality.review_scored",
            locked,
            actor=by,
            data={
                "ticket": locked.ticket_id,
                "agent": locked.agent_id,
                "rubric": rubric.pk,
                "rubric_version": rubric.version,
                "total": str(locked.total),
            },
        )
    return locked
