"""Staffing plan: forecast contacts per interval, then the agents Erlang C says they need.

Per 30-minute interval the forecast gives an arrival rate; with the average handle time and the
service target ("80 % answered within 60 s") Erlang C gives the agents that must be on the queue
(``agents_needed``), and shrinkage (breaks, training, absence: the share of paid time nobody is
on the queue) grosses it up to the agents to schedule, ceil(needed / (1 - shrinkage)).

Only contacts that reach a person load the agents: a chat the assistant answers alone costs no
agent time. The forecast counts every contact, so the plan multiplies it by the share that
needed a person recently (``person_share``) before Erlang C.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import fmean

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from kefu import clock
from kefu.errors import ApiError
from kefu.routing import erlang
from kefu.tickets.models import Channel, ChatState, Ticket

from .history import MIN_FORECAST_DAYS, load_desk_history, require_days
from .model import SpecialDays, forecast_contacts
from .series import INTERVAL, ContactSeries, floor_interval

MAX_DAYS = 28
HANDLE_WINDOW = timedelta(days=28)
HANDLE_MIN_CHATS = 20
PERSON_SHARE_WINDOW = timedelta(days=28)
PERSON_SHARE_MIN_CONTACTS = 20


@dataclass(frozen=True)
class PlannedInterval:
    start: datetime
    contacts: float  # forecast contacts in the interval
    for_agents: float  # of which reach a person (contacts x person share)
    agents_needed: int  # on the queue, Erlang C
    agents_scheduled: int  # rostered: needed grossed up for shrinkage
    service_level: float  # expected share answered within the target wait with agents_needed
    occupancy: float  # expected share of on-queue time spent handling
    average_wait_seconds: float  # expected mean wait (ASA) with agents_needed

    @property
    def end(self) -> datetime:
        return self.start + INTERVAL


@dataclass(frozen=True)
class PlannedDay:
    day: date
    contacts: float
    agent_hours_needed: float
    agent_hours_scheduled: float
    peak_agents_scheduled: int


@dataclass(frozen=True)
class StaffingPlan:
    start: datetime
    days: int
    target_share: float
    target_wait_seconds: float
    handle_seconds: float
    handle_seconds_source: str  # "argument", "history" (recent chats) or "default" (setting)
    person_share: float  # share of contacts that reach a person
    person_share_source: str  # "argument", "history" (recent contacts) or "default" (all)
    shrinkage: float
    max_occupancy: float
    channel: str | None
    history_start: datetime
    history_end: datetime
    intervals: list[PlannedInterval] = field(default_factory=list)
    daily: list[PlannedDay] = field(default_factory=list)

    @property
    def total_contacts(self) -> float:
        return sum(i.contacts for i in self.intervals)

    @property
    def peak_agents_scheduled(self) -> int:
        return max((i.agents_scheduled for i in self.intervals), default=0)

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "target_share": self.target_share,
            "target_wait_seconds": self.target_wait_seconds,
            "handle_seconds": round(self.handle_seconds, 1),
            "handle_seconds_source": self.handle_seconds_source,
            "person_share": round(self.person_share, 4),
            "person_share_source": self.person_share_source,
            "shrinkage": self.shrinkage,
            "max_occupancy": self.max_occupancy,
            "channel": self.channel,
            "history_start": self.history_start.isoformat(),
            "history_end": self.history_end.isoformat(),
            "total_contacts": round(self.total_contacts, 1),
            "peak_agents_scheduled": self.peak_agents_scheduled,
            "daily": [
                {
                    "day": d.day.isoformat(),
                    "contacts": round(d.contacts, 1),
                    "agent_hours_needed": d.agent_hours_needed,
                    "agent_hours_scheduled": d.agent_hours_scheduled,
                    "peak_agents_scheduled": d.peak_agents_scheduled,
                }
                for d in self.daily
            ],
            "intervals": [
                {
                    "start": i.start.isoformat(),
                    "contacts": round(i.contacts, 2),
                    "for_agents": round(i.for_agents, 2),
                    "agents_needed": i.agents_needed,
                    "agents_scheduled": i.agents_scheduled,
                    "service_level": round(i.service_level, 4),
                    "occupancy": round(i.occupancy, 4),
                    "average_wait_seconds": round(i.average_wait_seconds, 1),
                }
                for i in self.intervals
            ],
        }


def staffing_plan(
    *,
    start: datetime | None = None,
    days: int = 7,
    target_share: float = 0.8,
    target_wait_seconds: float = 60,
    handle_seconds: float | None = None,
    shrinkage: float = 0.3,
    channel: str | None = None,
    max_occupancy: float = 1.0,
    history: ContactSeries | None = None,
    special_days: SpecialDays | None = None,
    person_share: float | None = None,
) -> StaffingPlan:
    """The plan for ``days`` days from ``start`` (default: the current interval), forecast from
    the desk's history (or ``history``, e.g. a CSV) as it stood at ``start``; ``special_days``
    maps holidays to the weekday they behave like; ``person_share`` (default: from recent
    contacts) is the share of contacts that reach a person."""
    _check(days, target_share, target_wait_seconds, handle_seconds, shrinkage, max_occupancy)
    if person_share is not None and not (math.isfinite(person_share) and 0 < person_share <= 1):
        raise ApiError("plan_invalid", "person_share must be in (0, 1]")
    share_source = "argument"
    if person_share is None and history is not None:
        # Someone else's history (a CSV): this desk's share of people says nothing about it.
        person_share, share_source = 1.0, "default"
    if history is None:
        origin = floor_interval(min(start, clock.now()) if start else clock.now())
        history = load_desk_history(channel=channel, until=origin)
        start = floor_interval(start or origin)
    else:
        start = floor_interval(start or history.end)
        if start < history.end:
            history = history.head(max(0, history.index_of(start)))
    require_days(history, MIN_FORECAST_DAYS, "a forecast")
    skip = (start - history.end) // INTERVAL
    horizon = days * 48
    contacts = forecast_contacts(history, skip + horizon, special_days)[skip:]

    source = "argument"
    if handle_seconds is None:
        handle_seconds, source = default_handle_seconds(clock.now(), channel)
    if person_share is None:
        person_share, share_source = default_person_share(clock.now(), channel)
    intervals = [
        _staff(
            start + i * INTERVAL,
            float(n),
            person_share,
            handle_seconds,
            target_share,
            target_wait_seconds,
            shrinkage,
            max_occupancy,
        )
        for i, n in enumerate(contacts)
    ]
    return StaffingPlan(
        start=start,
        days=days,
        target_share=target_share,
        target_wait_seconds=target_wait_seconds,
        handle_seconds=handle_seconds,
        handle_seconds_source=source,
        person_share=person_share,
        person_share_source=share_source,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
        channel=channel,
        history_start=history.start,
        history_end=history.end,
        intervals=intervals,
        daily=_daily(intervals),
    )


def default_handle_seconds(now: datetime, channel: str | None = None) -> tuple[float, str]:
    """Mean assigned-to-ended time of the recent live chats, else ``KEFU_DEFAULT_HANDLE_SECONDS``.

    Only chats record when a person took them and when they ended, so this is a chat handle
    time; other channels fall back to the setting.
    """
    if channel in (None, "chat"):
        durations = (
            Ticket.objects.filter(
                chat_state=ChatState.ENDED,
                assigned_at__isnull=False,
                ended_at__gte=now - HANDLE_WINDOW,
                ended_at__lte=now,
            )
            .annotate(handled=F("ended_at") - F("assigned_at"))
            .values_list("handled", flat=True)[:1000]
        )
        seconds = [d.total_seconds() for d in durations if d is not None and d.total_seconds() > 0]
        if len(seconds) >= HANDLE_MIN_CHATS:
            return fmean(seconds), "history"
    return float(settings.KEFU_DEFAULT_HANDLE_SECONDS), "default"


def default_person_share(now: datetime, channel: str | None = None) -> tuple[float, str]:
    """The share of the last four weeks' contacts that needed a person: every email, portal,
    Telegram and API case, and the chats that went to the queue; chats the assistant ended
    alone did not. With too few contacts to tell, every contact counts (the safe side)."""
    recent = Ticket.objects.filter(created_at__gte=now - PERSON_SHARE_WINDOW, created_at__lt=now)
    if channel:
        recent = recent.filter(channel=channel)
    total = recent.count()
    if total < PERSON_SHARE_MIN_CONTACTS:
        return 1.0, "default"
    assistant_only = recent.filter(
        channel=Channel.CHAT, queued_at__isnull=True, assigned_at__isnull=True
    ).count()
    people = total - assistant_only
    return (people / total, "history") if people else (1.0, "default")


def _staff(
    start: datetime,
    contacts: float,
    person_share: float,
    handle_seconds: float,
    target_share: float,
    target_wait_seconds: float,
    shrinkage: float,
    max_occupancy: float,
) -> PlannedInterval:
    for_agents = contacts * person_share
    rate = for_agents / INTERVAL.total_seconds()
    needed = erlang.agents_needed(
        rate, handle_seconds, target_share, target_wait_seconds, max_occupancy=max_occupancy
    )
    scheduled = erlang.agents_needed(
        rate,
        handle_seconds,
        target_share,
        target_wait_seconds,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
    )
    if needed == 0:
        return PlannedInterval(start, contacts, for_agents, 0, 0, 1.0, 0.0, 0.0)
    return PlannedInterval(
        start=start,
        contacts=contacts,
        for_agents=for_agents,
        agents_needed=needed,
        agents_scheduled=scheduled,
        service_level=erlang.service_level(rate, handle_seconds, needed, target_wait_seconds),
        occupancy=erlang.occupancy(rate, handle_seconds, needed),
        average_wait_seconds=erlang.average_speed_of_answer(rate, handle_seconds, needed),
    )


def _daily(intervals: list[PlannedInterval]) -> list[PlannedDay]:
    by_day: dict[date, list[PlannedInterval]] = {}
    for interval in intervals:
        moment = interval.start
        day = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
        by_day.setdefault(day, []).append(interval)
    hours = INTERVAL.total_seconds() / 3600
    return [
        PlannedDay(
            day=day,
            contacts=sum(i.contacts for i in group),
            agent_hours_needed=sum(i.agents_needed for i in group) * hours,
            agent_hours_scheduled=sum(i.agents_scheduled for i in group) * hours,
            peak_agents_scheduled=max(i.agents_scheduled for i in group),
        )
        for day, group in by_day.items()
    ]


def _check(
    days: int,
    target_share: float,
    target_wait_seconds: float,
    handle_seconds: float | None,
    shrinkage: float,
    max_occupancy: float,
) -> None:
    problems = []
    if not 1 <= days <= MAX_DAYS:
        problems.append(f"days must be 1 to {MAX_DAYS}")
    if not 0 < target_share < 1:
        problems.append("target_share must be between 0 and 1")
    if not (math.isfinite(target_wait_seconds) and target_wait_seconds >= 0):
        problems.append("target_wait_seconds must be >= 0")
    if handle_seconds is not None and not (math.isfinite(handle_seconds) and handle_seconds > 0):
        problems.append("handle_seconds must be > 0")
    if not 0 <= shrinkage < 1:
        problems.append("shrinkage must be in [0, 1)")
    if not 0 < max_occupancy <= 1:
        problems.append("max_occupancy must be in (0, 1]")
    if problems:
        raise ApiError("plan_invalid", "; ".join(problems))
