"""Quality review pages: the supervisors' queue of samples, the review page (transcript beside
the rubric), and an agent's scored reviews (which the agent sees too). Thin: the rules live in
sampling, actions and permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import Agent
from kefu.clock import now
from kefu.errors import ApiError
from kefu.tickets.timeline import conversation
from kefu.trust import access
from kefu.trust.audit import record_ticket_view, request_ip
from kefu.web.staff import customer_data_required, supervisor_required

from .actions import score_review
from .models import Review, ReviewStatus, criterion_text
from .permissions import reviewable_agents, reviews_to_score, sees_agent, visible_reviews
from .sampling import sample_period
from .scoring import active_rubric, criterion_percent, rubric_snapshot
from .summary import agent_quality

SUMMARY_DAYS = 30
SAMPLE_DAYS = (7, 14, 30)


@supervisor_required
def queue(request: HttpRequest) -> HttpResponse:
    """Pending samples of the supervisor's agents, and those agents' recent averages."""
    user: Agent = request.user  # type: ignore[assignment]
    pending = reviews_to_score(user).select_related("ticket", "agent").order_by("handled_at", "pk")
    agents = list(reviewable_agents(user).order_by("username"))
    end = now() + timedelta(seconds=1)  # a review scored just now counts
    summaries = agent_quality([a.pk for a in agents], end - timedelta(days=SUMMARY_DAYS), end)
    return render(
        request,
        "quality/queue.html",
        {
            "agent": user,
            "pending": pending,
            "agents": [(a, summaries[a.pk]) for a in agents],
            "summary_days": SUMMARY_DAYS,
            "sample_days": SAMPLE_DAYS,
        },
    )


@require_POST
@supervisor_required
def draw_samples(request: HttpRequest) -> HttpResponse:
    """Sample the supervisor's agents' conversations of the last few days."""
    user: Agent = request.user  # type: ignore[assignment]
    days = _int(request.POST.get("days"), 7)
    per_agent = _int(request.POST.get("per_agent"), 3)
    end = now()
    try:
        if days not in SAMPLE_DAYS:
            raise ApiError("invalid_period", _("Choose one of the offered periods."))
        created = sample_period(end - timedelta(days=days), end, per_agent=per_agent, by=user)
    except ApiError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(
            request, _("%(n)s conversations sampled for review.") % {"n": len(created)}
        )
    return redirect("quality:queue")


@customer_data_required
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The transcript beside the rubric form (pending) or the scores given (scored)."""
    user: Agent = request.user  # type: ignore[assignment]
    review = get_object_or_404(
        visible_reviews(user).select_related("ticket", "ticket__customer", "agent", "reviewer"),
        pk=pk,
    )
    may_score = review.status == ReviewStatus.PENDING and _may_score(user, review)
    errors: dict[str, str] = {}
    error = ""
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {k[6:]: v for k, v in request.POST.items() if k.startswith("score-")}
        try:
            score_review(
                review,
                by=user,
                scores=values,
                comment=request.POST.get("comment", ""),
                rubric_version=_int(request.POST.get("rubric_version"), None),
            )
        except ApiError as problem:
            error, errors, status = problem.message, problem.details, problem.status
            review.refresh_from_db()
            may_score = review.status == ReviewStatus.PENDING and _may_score(user, review)
        else:
            messages.success(request, _("Review saved."))
            return redirect("quality:review", pk=review.pk)
    rubric = active_rubric() if may_score else None
    criteria = rubric_snapshot(rubric) if rubric else review.criteria
    record_ticket_view(user, review.ticket, ip=request_ip(request))
    return render(
        request,
        "quality/review.html",
        {
            "agent": user,
            "review": review,
            "may_score": may_score and rubric is not None,
            "rubric": rubric,
            "rows": _rows(criteria, review.scores or values, errors),
            "error": error,
            "comment": request.POST.get("comment", review.comment),
            "messages_list": conversation(review.ticket, internal=True),
            "is_reviewed_agent": review.agent_id == user.pk,
        },
        status=status,
    )


@customer_data_required
def agent_reviews(request: HttpRequest, agent_id: int) -> HttpResponse:
    """An agent's scored reviews, newest first, with their averages over the last 30 days."""
    user: Agent = request.user  # type: ignore[assignment]
    subject = get_object_or_404(access.assignable_agents(), pk=agent_id)
    if not sees_agent(user, subject):
        raise Http404
    reviews = (
        visible_reviews(user)
        .filter(agent=subject, status=ReviewStatus.DONE)
        .select_related("ticket", "reviewer")
        .order_by("-scored_at", "-pk")
    )
    end = now() + timedelta(seconds=1)
    summary = agent_quality([subject.pk], end - timedelta(days=SUMMARY_DAYS), end)[subject.pk]
    return render(
        request,
        "quality/agent.html",
        {
            "agent": user,
            "subject": subject,
            "reviews": reviews,
            "summary": summary,
            "criteria": [(summary.labels[k], v) for k, v in summary.criteria.items()],
            "summary_days": SUMMARY_DAYS,
            "own": subject.pk == user.pk,
        },
    )


@customer_data_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    return redirect("quality:agent", agent_id=request.user.pk)


def _may_score(user: Agent, review: Review) -> bool:
    return review.agent_id != user.pk and reviews_to_score(user).filter(pk=review.pk).exists()


def _rows(
    criteria: list[dict[str, Any]], scores: dict[str, Any], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """What the template shows of each criterion: label, scale, the score and any error."""
    rows = []
    for criterion in criteria:
        key = criterion["key"]
        score = scores.get(key)
        number = _int(score, None)
        low, high = int(criterion["scale_min"]), int(criterion["scale_max"])
        rows.append(
            {
                "key": key,
                "label": criterion_text(criterion, "label"),
                "guidance": criterion_text(criterion, "guidance"),
                "weight": criterion["weight"],
                "scale": list(range(low, high + 1)),
                "low": low,
                "high": high,
                "score": number,
                "percent": (
                    criterion_percent(criterion, number)
                    if number is not None and low <= number <= high
                    else None
                ),
                "error": errors.get(key, ""),
            }
        )
    for key, message in errors.items():
        if key not in {c["key"] for c in criteria} and key != "comment":
            rows.append({"key": key, "label": key, "error": message, "scale": []})
    return rows


def _int(raw: Any, default: Any) -> Any:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return default
