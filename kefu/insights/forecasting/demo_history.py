"""Months of demo contact history for the forecast, shaped like a 24/7 crypto exchange's.

Contacts arrive around the clock with an evening peak in Asia (about 21:30 in UTC+8, 13:30
UTC), a smaller one in the Asian morning and another in the European evening; weekends are a
little quieter (an exchange trades every day, unlike a bank); volume drifts and grows over the
months; and on a few volatile market days a surge starts at some hour and fades over the next
several. Counts are Poisson around a rate with day-to-day noise (overdispersed, as real counts
are). Deterministic (seeded), so every fresh desk shows the same months.

It never overlaps real tickets: the history ends where the earliest ticket (the demo's weeks of
tickets) begins, is scaled to their daily volume and channel mix when there are enough of them,
and the tickets themselves are then counted into the same history by the rollup
(``rollup.roll_up_contacts``), which never overwrites these rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, Max, Min

from kefu import clock
from kefu.tickets.models import Ticket

from ..models import ContactInterval, ContactSource
from .rollup import roll_up_contacts
from .series import PER_DAY, ContactSeries, floor_interval

DEMO_DAYS = 120
DEMO_SEED = 20240312
DAILY_CONTACTS = 1400  # without demo tickets to match: a mid-sized exchange
SHARES = {"chat": 0.55, "email": 0.2, "telegram": 0.15, "portal": 0.1}
WEEKDAY_LEVEL = (1.06, 1.02, 1.0, 1.0, 0.98, 0.88, 0.9)  # Monday first
MIN_TICKET_DAYS = 7
MIN_TICKETS = 200


def load_demo_contact_history() -> None:
    """Write the generated months before the first ticket, then count the tickets after it."""
    if ContactInterval.objects.exists():
        return
    first, daily, shares = _ticket_volume()
    end = floor_interval(first or clock.now())
    generated = generate_contact_history(end, daily_contacts=daily, shares=shares)
    rows = [
        ContactInterval(
            start=series.at(i), channel=channel, contacts=int(n), source=ContactSource.DEMO
        )
        for channel, series in generated.items()
        for i, n in enumerate(series.counts)
        if n > 0
    ]
    ContactInterval.objects.bulk_create(rows, batch_size=2000)
    roll_up_contacts()


def generate_contact_history(
    end: datetime,
    *,
    days: int = DEMO_DAYS,
    daily_contacts: float = DAILY_CONTACTS,
    shares: dict[str, float] | None = None,
    seed: int = DEMO_SEED,
) -> dict[str, ContactSeries]:
    """``days`` of contacts per channel per interval, ending at ``end`` (on the half hour)."""
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=days)
    n = days * PER_DAY
    hours = (np.arange(n) % PER_DAY) / 2 + 0.25  # the middle of each interval, UTC
    first_weekday = start.weekday()
    weekday = (first_weekday + np.arange(n) // PER_DAY) % 7
    daily_shape = _daily_shape(hours)
    weekly = np.array(WEEKDAY_LEVEL)[weekday]
    # The level: 15 % growth over the period and a slow random drift (AR(1) on the log).
    drift = np.zeros(days)
    for day in range(1, days):
        drift[day] = 0.85 * drift[day - 1] + rng.normal(0, 0.04)
    level = np.repeat(np.exp(drift) * np.linspace(0.93, 1.07, days), PER_DAY)
    surge = _volatile_days(rng, days)
    base = daily_contacts / PER_DAY * level * weekly
    result = {}
    for channel, share in (shares or SHARES).items():
        # Email is written at leisure: flatter through the day, and surges reach it less.
        flat = channel == "email"
        shape = np.sqrt(daily_shape) / np.mean(np.sqrt(daily_shape)) if flat else daily_shape
        rate = base * share * shape * (1 + (0.5 if flat else 1.0) * surge)
        noisy = rate * rng.gamma(25.0, 1 / 25.0, size=n)  # day-to-day wobble beyond Poisson
        result[channel] = ContactSeries(start, rng.poisson(noisy).astype(float))
    return result


def _daily_shape(hours: np.ndarray) -> np.ndarray:
    def bump(centre: float, width: float) -> np.ndarray:
        distance = np.minimum(np.abs(hours - centre), 24 - np.abs(hours - centre))
        return np.exp(-0.5 * (distance / width) ** 2)

    shape = 0.35 + 1.0 * bump(13.5, 2.5) + 0.5 * bump(3.0, 2.5) + 0.6 * bump(19.5, 2.5)
    return shape / shape.mean()


def _volatile_days(rng: np.random.Generator, days: int) -> np.ndarray:
    """Extra contacts as a share of normal: surges that start at some hour and fade."""
    surge = np.zeros(days * PER_DAY)
    t = np.arange(days * PER_DAY) / 2  # hours since the start
    count = max(1, days // 25)
    chosen = rng.choice(np.arange(7, days - 1), size=count, replace=False)
    for day in chosen:
        onset = day * 24 + rng.uniform(0, 24)
        height = rng.uniform(1.0, 2.5)
        fade = rng.uniform(4, 10)
        after = t >= onset
        surge[after] += height * np.exp(-(t[after] - onset) / fade)
    return surge


def _ticket_volume() -> tuple[datetime | None, float, dict[str, float] | None]:
    """Where tickets begin, and their contacts per day and channel mix if there are enough."""
    span = Ticket.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    first, last = span["first"], span["last"]
    if first is None:
        return None, DAILY_CONTACTS, None
    days = (last - first) / timedelta(days=1)
    total = Ticket.objects.count()
    if days < MIN_TICKET_DAYS or total < MIN_TICKETS:
        return first, DAILY_CONTACTS, None
    mix = Ticket.objects.values("channel").annotate(n=Count("id"))
    shares = {row["channel"]: row["n"] / total for row in mix}
    return first, total / days, shares
