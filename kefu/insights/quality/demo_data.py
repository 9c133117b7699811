"""The demo quality rubric, and reviews of the demo history: some scored (so the agent report
shows quality), some waiting in the supervisor's queue.

Runs after the demo ticket history; with no ended chat or solved ticket there, only the rubric
is created.
"""

from __future__ import annotations

import random
from datetime import timedelta

from kefu.accounts.models import Agent, Role
from kefu.clock import now
from kefu.tickets.models import SatisfactionRating

from .actions import score_review
from .default_rubric import ensure_default_rubric
from .models import Review
from .permissions import visible_reviews
from .sampling import candidates, sample_period
from .scoring import rubric_snapshot

PER_AGENT_PER_WEEK = 2
DRAGGED_BY_POOR_RATING = {"correct_answer", "resolution", "tone"}
COMMENTS = [
    "Clear steps and a friendly tone. Next time confirm the network before the address.",
    "Good: verified the account before unfreezing and never asked for the 2FA code.",
    "Answer was right but came late; tell the customer what you are checking while they wait.",
    "The customer asked whether to buy; you rightly declined to advise. Link the risk article.",
]


def load_demo_quality(seed: int = 7) -> None:
    rubric = ensure_default_rubric()
    found = candidates(now() - timedelta(days=365), now() + timedelta(seconds=1))
    if not found:
        return
    rng = random.Random(seed)
    first = min(c.handled_at for c in found)
    last = max(c.handled_at for c in found) + timedelta(seconds=1)
    week = timedelta(days=7)
    start = last - week
    reviews: list[Review] = []
    while start + week > first:  # newest week first, back to the oldest conversation
        reviews += sample_period(start, start + week, per_agent=PER_AGENT_PER_WEEK, rng=rng)
        start -= week
    criteria = rubric_snapshot(rubric)
    ratings = dict(SatisfactionRating.objects.values_list("ticket_id", "score"))
    newest = max(r.handled_at for r in reviews) if reviews else None
    for review in sorted(reviews, key=lambda r: r.handled_at):
        # The latest week stays in the queue; older ones were reviewed a day or two later.
        if newest is not None and review.handled_at > newest - timedelta(days=5):
            continue
        reviewer = _reviewer(review)
        if reviewer is None:
            continue
        csat = ratings.get(review.ticket_id)
        scores = {c["key"]: _score(c, csat, rng) for c in criteria}
        score_review(
            review,
            by=reviewer,
            scores=scores,
            comment=rng.choice(COMMENTS) if rng.random() < 0.6 else "",
        )
        scored_at = min(review.handled_at + timedelta(hours=rng.randint(12, 60)), now())
        Review.objects.filter(pk=review.pk).update(
            scored_at=scored_at, created_at=review.handled_at
        )


def _reviewer(review: Review) -> Agent | None:
    """A supervisor who may score it (the agent's and the ticket's team), else an
    administrator."""
    for role in (Role.SUPERVISOR, Role.ADMIN):
        for candidate in Agent.objects.filter(role=role, is_active=True).order_by("pk"):
            if visible_reviews(candidate).filter(pk=review.pk).exists():
                return candidate
    return None


def _score(criterion: dict, csat: int | None, rng: random.Random) -> int:
    """Mostly good work; a poor rating drags the answer, resolution and tone down."""
    low, high = int(criterion["scale_min"]), int(criterion["scale_max"])
    slip = rng.choice([0, 0, 0, 1, 1, 2])
    if (
        csat is not None
        and csat <= 2
        and criterion["key"] in {"correct_answer", "resolution", "tone"}
    ):
        slip += 2
    if criterion["key"] in {"security", "compliance"}:
        slip = 1 if rng.random() < 0.1 else 0
    return max(low, high - slip)
