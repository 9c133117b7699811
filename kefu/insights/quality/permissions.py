"""Who may review whom, and who sees which reviews (on top of kefu.trust.access).

- Administrators review every agent and see every review.
- Supervisors review the agents of their teams, never their own conversations, and see those
  agents' reviews and their own — of conversations they may see (their teams' tickets, as
  everywhere else): an agent of two teams is reviewed on each team's work by its supervisor.
- Agents see their own scored reviews (their feedback), read-only; pending samples stay hidden
  so nobody learns which conversations are about to be reviewed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kefu.accounts.models import Agent
from kefu.trust import access

from .models import Review, ReviewStatus


def reviewable_agents(user: Any) -> QuerySet[Agent]:
    """The staff whose conversations ``user`` may score (``user`` excluded)."""
    if not access.is_supervisor(user):
        return Agent.objects.none()
    agents = access.assignable_agents().exclude(pk=user.pk)
    teams = access.supervised_team_ids(user)
    if teams is None:
        return agents
    return agents.filter(teams__in=teams).distinct()


def can_review(user: Any, agent: Agent | int) -> bool:
    agent_id = agent if isinstance(agent, int) else agent.pk
    return reviewable_agents(user).filter(pk=agent_id).exists()


def visible_reviews(user: Any, reviews: QuerySet[Review] | None = None) -> QuerySet[Review]:
    reviews = Review.objects.all() if reviews is None else reviews
    if not access.sees_customer_data(user):
        return reviews.none()
    own = Q(agent_id=user.pk, status=ReviewStatus.DONE)
    if not access.is_supervisor(user):
        return reviews.filter(own)
    if access.sees_everything(user):
        return reviews
    theirs = Q(agent__in=reviewable_agents(user), ticket__in=access.visible_tickets(user))
    return reviews.filter(own | theirs)


def reviews_to_score(user: Any) -> QuerySet[Review]:
    """The review queue: pending samples of the agents ``user`` reviews."""
    return Review.objects.filter(
        status=ReviewStatus.PENDING,
        agent__in=reviewable_agents(user),
        ticket__in=access.visible_tickets(user),
    ).exclude(agent_id=user.pk)


def sees_agent(user: Any, agent: Agent) -> bool:
    """The per-agent review list: the agent themself, or someone who reviews them."""
    return access.sees_customer_data(user) and (user.pk == agent.pk or can_review(user, agent))
