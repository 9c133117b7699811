"""Queueing maths for live chat: how many agents to staff, and how long people will wait.

Live chat behaves like a call centre queue: customers arrive at random, wait in line if every
agent is busy, and are served first come, first served. The Erlang C model (an M/M/N queue)
turns an arrival rate and an average handle time (AHT) into the chance of waiting, the mean
wait and the share answered within a target, which is what a rota is planned against.

Its assumptions are Poisson arrivals, exponential handle times and customers who never give
up. Real customers abandon, so Erlang C errs towards more agents: a safe way to be wrong
when planning. Times are in seconds and rates per second throughout.
"""

from __future__ import annotations

import math

# Float noise such as 14 / 0.7 == 20.000000000000004 must not cost a whole extra agent.
_EPSILON = 1e-9


def _check_load(arrival_rate: float, handle_seconds: float) -> None:
    if arrival_rate < 0:
        raise ValueError(f"arrival_rate must not be negative, got {arrival_rate}")
    if handle_seconds <= 0:
        raise ValueError(f"handle_seconds must be positive, got {handle_seconds}")


def _check_agents(agents: int) -> None:
    if agents < 0:
        raise ValueError(f"agents must not be negative, got {agents}")


def offered_load(arrival_rate: float, handle_seconds: float) -> float:
    """Traffic intensity A in Erlangs: how many agents would be busy on average.

    It is the floor of any staffing plan: with fewer than A agents the queue grows forever.
    """
    _check_load(arrival_rate, handle_seconds)
    return arrival_rate * handle_seconds


def erlang_b(traffic: float, agents: int) -> float:
    """Share of arrivals that find every agent busy when there is no queue (Erlang B).

    Computed by the recursion B(k) = A·B(k−1) / (k + A·B(k−1)) rather than the textbook
    A^N/N! sums, because those overflow a float beyond about 170 agents while every step of
    the recursion stays within [0, 1].
    """
    if traffic < 0:
        raise ValueError(f"traffic must not be negative, got {traffic}")
    _check_agents(agents)
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that an arrival has to wait for an agent (Erlang C).

    Derived from Erlang B, C = N·B / (N − A·(1 − B)), so it inherits the recursion's
    stability. With agents <= traffic the queue never drains and everybody waits: 1.0.
    """
    blocking = erlang_b(traffic, agents)
    if agents <= traffic:
        return 1.0
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def average_speed_of_answer(arrival_rate: float, handle_seconds: float, agents: int) -> float:
    """Mean wait over all arrivals (ASA), C·AHT / (N − A), including those answered at once.

    ``math.inf`` when the queue is unstable or nobody is staffed: no finite wait is honest.
    """
    traffic = offered_load(arrival_rate, handle_seconds)
    _check_agents(agents)
    if agents == 0 or agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * handle_seconds / (agents - traffic)


def service_level(
    arrival_rate: float, handle_seconds: float, agents: int, target_seconds: float
) -> float:
    """Share of arrivals answered within ``target_seconds``: 1 − C·exp(−(N − A)·t / AHT).

    This is the "80 % in 20 seconds" figure rotas are usually promised against. An unstable
    queue eventually misses any target, hence 0.0.
    """
    traffic = offered_load(arrival_rate, handle_seconds)
    _check_agents(agents)
    if target_seconds < 0:
        raise ValueError(f"target_seconds must not be negative, got {target_seconds}")
    if agents <= traffic:
        return 0.0
    waiting = erlang_c(traffic, agents)
    return 1.0 - waiting * math.exp(-(agents - traffic) * target_seconds / handle_seconds)


def occupancy(arrival_rate: float, handle_seconds: float, agents: int) -> float:
    """Share of staffed time agents spend handling chats, A / N, capped at 1.

    Kept below 1 on purpose: a team that is never idle burns out and has no slack for peaks.
    """
    traffic = offered_load(arrival_rate, handle_seconds)
    _check_agents(agents)
    if agents == 0:
        return 1.0 if traffic > 0 else 0.0
    return min(1.0, traffic / agents)


def agents_needed(
    arrival_rate: float,
    handle_seconds: float,
    target_level: float,
    target_seconds: float,
    *,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> int:
    """Agents to roster so that ``target_level`` of chats are answered within the target.

    Finds the smallest N whose service level meets the target and whose occupancy is at most
    ``max_occupancy``, then grosses it up as ceil(N / (1 − shrinkage)) because breaks,
    training and absence take people off the queue (shrinkage is that share of paid time).
    """
    _check_load(arrival_rate, handle_seconds)
    if not 0 < target_level < 1:
        raise ValueError(f"target_level must be between 0 and 1 (exclusive), got {target_level}")
    if target_seconds < 0:
        raise ValueError(f"target_seconds must not be negative, got {target_seconds}")
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max_occupancy must be in (0, 1], got {max_occupancy}")
    if arrival_rate == 0:
        return 0

    traffic = offered_load(arrival_rate, handle_seconds)
    # Start at the least N that is both stable (N > A) and within the occupancy cap.
    agents = max(math.floor(traffic) + 1, math.ceil(traffic / max_occupancy - _EPSILON))
    while service_level(arrival_rate, handle_seconds, agents, target_seconds) < target_level:
        agents += 1
    return math.ceil(agents / (1.0 - shrinkage) - _EPSILON)


def position_wait(
    position: int, free_slots: int, busy_slots: int, handle_seconds: float
) -> float | None:
    """Expected wait of the customer ``position``-th in line (0 = next), given the slots now.

    Agents serve several chats at once, so capacity is counted in chat slots. Those at a
    position below ``free_slots`` are picked up at once. Anyone further back needs
    position − free_slots + 1 chats to finish first; with exponential handle times every
    busy slot finishes at rate 1/AHT however long it has run (memorylessness), so the
    c = free_slots + busy_slots slots release one about every AHT / c seconds.

    This beats quoting the unconditional ASA to someone already queued: ASA averages over
    every arrival, most of whom never waited, and over all the states the queue could be in,
    whereas this uses what we know now, the person's place in line and the capacity online.
    ``None`` when no slot exists (nobody online): no wait can be estimated, and saying so is
    better than promising a number.
    """
    if position < 0:
        raise ValueError(f"position must not be negative, got {position}")
    if free_slots < 0 or busy_slots < 0:
        raise ValueError(f"slot counts must not be negative, got {free_slots}, {busy_slots}")
    if handle_seconds <= 0:
        raise ValueError(f"handle_seconds must be positive, got {handle_seconds}")
    if position < free_slots:
        return 0.0
    slots = free_slots + busy_slots
    if slots == 0:
        return None
    return (position - free_slots + 1) * handle_seconds / slots
