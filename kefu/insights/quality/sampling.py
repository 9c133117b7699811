"""Choosing conversations for review: N per agent in a period, most of them where something
probably went wrong, a few at random so that ordinary work is seen too.

A conversation counts for the agent it was assigned to when it ended (a live chat) or was
solved (any other ticket). Samples are topped up, not redrawn: running again for the same
period adds only what is missing to reach N per agent, and a conversation is never sampled
twice.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent
from kefu.errors import ApiError
from kefu.events.services import record_event
from kefu.tickets.models import Channel, ChatState, Kind, Status, Ticket
from kefu.trust import access

from .models import Review, SampleReason
from .permissions import reviewable_agents

LOW_CSAT = 2  # a rating of 1 or 2 out of 5
LONG_HANDLE_FACTOR = 2  # twice the period's median handle time of that kind of conversation
RANDOM_SHARE = 0.25
MAX_PER_AGENT = 50


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    agent_id: int
    handled_at: datetime
    handle_time: timedelta
    is_chat: bool
    csat: int | None
    complaint: bool
    long_handle: bool = False

    @property
    def reason(self) -> str | None:
        """The strongest sign that something went wrong, or ``None``."""
        if self.csat is not None and self.csat <= LOW_CSAT:
            return SampleReason.LOW_CSAT
        if self.complaint:
            return SampleReason.COMPLAINT
        if self.long_handle:
            return SampleReason.LONG_HANDLE
        return None

    @property
    def severity(self) -> int:
        low = self.csat is not None and self.csat <= LOW_CSAT
        return 4 * low + 2 * self.complaint + self.long_handle


def candidates(
    start: datetime,
    end: datetime,
    agent_ids: Iterable[int] | None = None,
    within: QuerySet[Ticket] | None = None,
) -> list[Candidate]:
    """Conversations handled in ``[start, end)`` by staff who work with customers, not yet
    sampled (and among ``within``, the tickets a supervisor may see, when given)."""
    chats = Q(
        channel=Channel.CHAT,
        chat_state=ChatState.ENDED,
        ended_at__gte=start,
        ended_at__lt=end,
    )
    solved = ~Q(channel=Channel.CHAT) & Q(
        status__in=[Status.SOLVED, Status.CLOSED], solved_at__gte=start, solved_at__lt=end
    )
    tickets = Ticket.objects.filter(chats | solved).filter(
        merged_into__isnull=True,
        assignee__in=access.assignable_agents(),
        reviews__isnull=True,
    )
    if agent_ids is not None:
        tickets = tickets.filter(assignee_id__in=list(agent_ids))
    if within is not None:
        tickets = tickets.filter(pk__in=within.values("pk"))
    rows = tickets.values_list(
        "pk",
        "assignee_id",
        "channel",
        "created_at",
        "assigned_at",
        "ended_at",
        "solved_at",
        "kind",
        "escalation_level",
        "rating__score",
    )
    found = []
    for pk, agent_id, channel, created, assigned, ended, solved_at, kind, level, csat in rows:
        is_chat = channel == Channel.CHAT
        handled_at = ended if is_chat else solved_at
        if handled_at is None:
            continue
        began = (assigned or created) if is_chat else created
        found.append(
            Candidate(
                ticket_id=pk,
                agent_id=agent_id,
                handled_at=handled_at,
                handle_time=max(handled_at - began, timedelta()),
                is_chat=is_chat,
                csat=csat,
                complaint=kind == Kind.COMPLAINT or level > 0,
            )
        )
    return _mark_long(found)


def _mark_long(found: list[Candidate]) -> list[Candidate]:
    """Long against the period's median of the same kind (chats take minutes, tickets days)."""
    medians: dict[bool, float] = {}
    for is_chat in (True, False):
        times = [c.handle_time.total_seconds() for c in found if c.is_chat == is_chat]
        if len(times) > 1:
            medians[is_chat] = statistics.median(times)
    return [
        replace(
            c, long_handle=c.handle_time.total_seconds() >= medians[c.is_chat] * LONG_HANDLE_FACTOR
        )
        if medians.get(c.is_chat)
        else c
        for c in found
    ]


def choose(pool: list[Candidate], n: int, rng: random.Random) -> list[tuple[Candidate, str]]:
    """Up to ``n`` of one agent's conversations with why each was chosen: the most serious
    first, and about a quarter (at least one when ``n`` > 1) at random from the rest."""
    if n <= 0 or not pool:
        return []
    random_slots = max(1, round(n * RANDOM_SHARE)) if n > 1 else 0
    shuffled = pool[:]
    rng.shuffle(shuffled)  # ties broken at random, not by id
    flagged = sorted((c for c in shuffled if c.reason), key=lambda c: -c.severity)
    picked = [(c, str(c.reason)) for c in flagged[: n - random_slots]]
    taken = {c.ticket_id for c, _reason in picked}
    rest = [c for c in shuffled if c.ticket_id not in taken]
    picked += [(c, SampleReason.RANDOM.value) for c in rest[: n - len(picked)]]
    return picked


def sample_period(
    start: datetime,
    end: datetime,
    *,
    per_agent: int,
    agent_ids: Iterable[int] | None = None,
    by: Agent | None = None,
    rng: random.Random | None = None,
) -> list[Review]:
    """Pending reviews so that each agent has ``per_agent`` samples of ``[start, end)``.

    ``by`` is the supervisor asking: only the agents they review, never their own work. The
    weekly job passes no one and samples every agent."""
    if not 1 <= per_agent <= MAX_PER_AGENT:
        raise ApiError(
            "invalid_sample_size",
            _("Sample from 1 to %(max)s conversations per agent.") % {"max": MAX_PER_AGENT},
        )
    if end <= start:
        raise ApiError("invalid_period", _("The period must end after it starts."))
    within = None
    if by is not None:
        allowed = set(reviewable_agents(by).values_list("pk", flat=True))
        agent_ids = allowed if agent_ids is None else allowed & set(agent_ids)
        within = access.visible_tickets(by)
    rng = rng or random.Random()
    pools: dict[int, list[Candidate]] = defaultdict(list)
    for candidate in candidates(start, end, agent_ids, within):
        pools[candidate.agent_id].append(candidate)
    have = _already_sampled(start, end, list(pools))
    created: list[Review] = []
    with transaction.atomic():
        for agent_id in sorted(pools):
            for candidate, reason in choose(pools[agent_id], per_agent - have[agent_id], rng):
                review = _create(candidate, reason)
                if review is not None:
                    created.append(review)
        if created:
            record_event(
                "quality.sampled",
                ("quality.sample", _period_id(start, end)),
                actor=by,
                data={
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "per_agent": per_agent,
                    "reviews": [r.pk for r in created],
                },
            )
    return created


def _already_sampled(start: datetime, end: datetime, agent_ids: list[int]) -> dict[int, int]:
    have: dict[int, int] = defaultdict(int)
    rows = Review.objects.filter(
        agent_id__in=agent_ids, handled_at__gte=start, handled_at__lt=end
    ).values_list("agent_id", flat=True)
    for agent_id in rows:
        have[agent_id] += 1
    return have


def _create(candidate: Candidate, reason: str) -> Review | None:
    """A sample, or ``None`` when a concurrent run sampled the conversation first."""
    try:
        with transaction.atomic():
            return Review.objects.create(
                ticket_id=candidate.ticket_id,
                agent_id=candidate.agent_id,
                reason=reason,
                handled_at=candidate.handled_at,
            )
    except IntegrityError:
        return None


def _period_id(start: datetime, end: datetime) -> str:
    """The sampled period as an event subject: to the second, so that it fits the subject id
    (64 characters) whatever the clock's fractions; PostgreSQL refuses a longer one."""
    return f"{start.isoformat(timespec='seconds')}/{end.isoformat(timespec='seconds')}"
