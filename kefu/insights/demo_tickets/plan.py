"""Four weeks of demo ticket history ending now, so that the dashboard, the CSV export and the
forecast show something real on first start.

Every contact is played through the same steps the desk's action services would record: chats
start with the assistant, which answers some alone (containment) and hands the others over with
a reason; they wait in a queue (longer when busy, and some customers give up), get an agent,
trade messages and end; emails, portal and Telegram tickets get a first reply, perhaps a few
rounds with the customer, a solve, sometimes a reopen, and close seven days after the solve as
the nightly job would. SLA clocks run on the default policies (paused while pending): where a
reply comes too late the history holds the warning, the breach and the escalation the scan would
have written. Some customers rate, a few in words, in Chinese or English.

Arrivals follow a day (a peak in the Asian evening, smaller ones in the Asian morning and the
European evening) and a week (quieter weekends), and one volatile market day nine days ago
brings a surge of futures and withdrawal questions, long queues and unhappy ratings.

Everything ends in a final state no background job acts on: chats ended, tickets solved (those
solved over ``KEFU_REOPEN_DAYS`` ago closed), no SLA clock left running. The plan is pure and
seeded (:func:`plan_history`: the same plan for the same ``now``); :func:`load_demo_ticket_history`
writes it with a handful of bulk inserts.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from kefu.accounts.demo_data import STAFF as DEMO_STAFF
from kefu.tickets.categories import CATEGORIES
from kefu.tickets.sla.policy import DEFAULT_POLICIES

from .words import WORDS

DEMO_SEED = 20261128
DAYS = 28
DAILY_CONTACTS = 100
SPIKE_DAYS_AGO = 9
SHARES = (("chat", 0.55), ("email", 0.2), ("telegram", 0.15), ("portal", 0.1))
WEEKDAY_LEVEL = (1.06, 1.02, 1.0, 1.0, 0.98, 0.88, 0.9)  # Monday first
TICKET = "tickets.ticket"
CONVERSATION = "assistant.conversation"
# (category, weight) of cases that reach a person, and what an email or portal case is about.
CATEGORY_WEIGHTS = (
    ("deposit", 0.26),
    ("withdrawal", 0.24),
    ("kyc", 0.14),
    ("futures_dispute", 0.1),
    ("account_security", 0.07),
    ("api", 0.05),
    ("other", 0.14),
)
SPIKE_CATEGORY_WEIGHTS = (
    ("futures_dispute", 0.38),
    ("withdrawal", 0.3),
    ("deposit", 0.14),
    ("account_security", 0.06),
    ("other", 0.12),
)
HANDOVER_REASONS = (
    ("customer_request", 0.38),
    ("not_understood", 0.2),
    ("deposit_not_found", 0.12),
    ("withdrawal_under_review", 0.1),
    ("frustration", 0.08),
    ("urgent_security", 0.06),
    ("repeated_question", 0.04),
    ("order_not_found", 0.02),
)
REASON_CATEGORY = {
    "deposit_not_found": "deposit",
    "withdrawal_under_review": "withdrawal",
    "urgent_security": "account_security",
    "order_not_found": "futures_dispute",
}
# Who answers what: team members who speak the language, else general agents who do.
STAFF = {
    "agent.wang": ({"deposits-withdrawals", "general"}, {"zh-hans"}),
    "agent.chen": ({"security", "account-kyc", "general"}, {"zh-hans", "en"}),
    "agent.sam": ({"trading", "api", "general"}, {"en"}),
    "supervisor": ({"general", "security"}, {"zh-hans", "en"}),
}
DISPLAY_NAMES = {username: name for username, _role, name, *_rest in DEMO_STAFF}
POLICY_BY_PRIORITY = {p[1]: p for p in DEFAULT_POLICIES if p[1] and p[2] == 0 and not p[3]}


@dataclass
class PlannedTicket:
    """One contact's whole history, in memory; agents by username until written."""

    channel: str
    language: str
    category: str
    priority: str
    team: str
    opened_at: datetime
    agent: str | None = None
    status: str = "solved"
    chat_state: str = ""
    resolution: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    policy: str | None = None
    messages: list[tuple[datetime, str, str | None, str, str, bool]] = field(default_factory=list)
    events: list[tuple[datetime, str, str, str | None, dict[str, Any]]] = field(
        default_factory=list
    )
    conversation: dict[str, Any] | None = None
    rating: tuple[datetime, int, str] | None = None
    times: dict[str, datetime | None] = field(default_factory=dict)
    sla_warned: list[str] = field(default_factory=list)
    sla_breached: list[str] = field(default_factory=list)
    escalation_level: int = 0
    reopened_count: int = 0
    requester: str = ""

    def say(
        self, at: datetime, author: str, text: str, *, agent: str | None = None, **kw: Any
    ) -> None:
        self.messages.append(
            (at, author, agent, text, kw.get("kind", ""), kw.get("internal", False))
        )

    def record(
        self,
        at: datetime,
        kind: str,
        data: dict[str, Any],
        *,
        actor: str | None = None,
        on: str = TICKET,
    ) -> None:
        self.events.append((at, kind, on, actor, data))


class _Plan:
    def __init__(self, now: datetime, seed: int, daily: int) -> None:
        self.now = now
        self.daily = daily
        self.rng = random.Random(seed)
        self.end = now - timedelta(minutes=1)  # everything planned happened before this
        self.spike = (now - timedelta(days=SPIKE_DAYS_AGO)).replace(
            hour=11, minute=0, second=0, microsecond=0
        )
        self.reopen_window = timedelta(days=settings.KEFU_REOPEN_DAYS)
        self.requesters = 0

    # -- arrivals ------------------------------------------------------------------------

    def hour_rate(self, at: datetime) -> float:
        """Expected contacts in the hour starting ``at`` (UTC)."""
        shape = _day_shape(at.hour) / SHAPE_MEAN
        return self.daily / 24 * shape * WEEKDAY_LEVEL[at.weekday()] * self.surge(at)

    def surge(self, at: datetime) -> float:
        hours = (at - self.spike).total_seconds() / 3600
        if hours < 0 or hours > 14:
            return 1.0
        return 1.0 + 3.5 * math.exp(-hours / 4.0)

    def arrivals(self) -> list[datetime]:
        start = (self.now - timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
        times = []
        hour = start
        while hour < self.end:
            for _n in range(_poisson(self.rng, self.hour_rate(hour))):
                at = hour + timedelta(seconds=self.rng.uniform(0, 3600))
                if at < self.end - timedelta(minutes=5):
                    times.append(at)
            hour += timedelta(hours=1)
        times.sort()
        return times

    def load(self, at: datetime) -> float:
        """How busy the desk is (1 = an average hour; staffing copes up to four times that)."""
        return min(4.0, self.hour_rate(at) / (self.daily / 24))

    # -- helpers -------------------------------------------------------------------------

    def pick(self, weighted: Sequence[tuple[str, float]]) -> str:
        return self.rng.choices([k for k, _w in weighted], [w for _k, w in weighted])[0]

    def words(self, language: str, kind: str) -> str:
        return self.rng.choice(WORDS[language][kind])

    def seconds(self, median: float, spread: float = 0.8) -> timedelta:
        return timedelta(seconds=self.rng.lognormvariate(math.log(median), spread))

    def agent_for(self, team: str, language: str, avoid: str | None = None) -> str:
        for pool in (team, "general"):
            names = [
                n for n, (teams, langs) in STAFF.items() if pool in teams and language in langs
            ]
            names = [n for n in names if n != avoid] or names
            if names:
                return self.rng.choice(sorted(names))
        return "supervisor"

    def fields_for(self, category: str) -> dict[str, str]:
        rng = self.rng
        if category in ("deposit", "withdrawal"):
            coin, network = rng.choice([("USDT", "TRC20"), ("USDT", "ERC20"), ("BTC", "BTC")])
            found = {"coin": coin, "network": network, "amount": str(rng.randint(20, 5000))}
            if category == "deposit":
                found["tx_hash"] = "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
            return found
        if category == "futures_dispute":
            return {"order_id": str(rng.randint(10**11, 10**12 - 1))}
        return {}

    def rate(self, ticket: PlannedTicket, after: datetime, share: float, mood: float) -> None:
        """Maybe a rating; ``mood`` lowers scores (long waits, the volatile day)."""
        if self.rng.random() >= share:
            return
        at = after + self.seconds(600, 1.2)
        if at >= self.end:
            return
        base = self.rng.choices([5, 4, 3, 2, 1], [0.52, 0.27, 0.1, 0.06, 0.05])[0]
        score = max(1, min(5, round(base - mood * self.rng.random())))
        comment = ""
        if self.rng.random() < 0.3:
            comment = self.words(ticket.language, "good" if score >= 4 else "bad")
        ticket.rating = (at, score, comment)
        ticket.record(at, "ticket.rated", {"score": score})

    # -- chats ---------------------------------------------------------------------------

    def chat(self, at: datetime) -> PlannedTicket:
        rng = self.rng
        language = "zh-hans" if rng.random() < 0.58 else "en"
        ticket = PlannedTicket("chat", language, "", "normal", "", at, chat_state="ended")
        conversation: dict[str, Any] = {"started": at, "language": language}
        ticket.conversation = conversation
        ticket.record(
            at,
            "assistant.conversation_started",
            {"customer": None, "language": language},
            on=CONVERSATION,
        )
        ticket.record(at, "ticket.opened", {"channel": "chat", "customer": None})
        ticket.say(at, "assistant", self.words(language, "greeting"), kind="greeting")
        t = at + self.seconds(20, 0.6)
        ticket.say(t, "customer", self.words(language, "question"))
        t += timedelta(seconds=rng.uniform(1, 3))
        ticket.say(t, "assistant", self.words(language, "answer"), kind="answer")
        busy = self.load(at)
        contained = 0.5 if self.surge(at) == 1.0 else 0.3
        if rng.random() < contained:
            if rng.random() < 0.7:
                t += self.seconds(40)
                ticket.say(t, "customer", self.words(language, "thanks"))
                t += self.seconds(60)
                ended = {"by": "customer", "resolution": "solved", "kept_open": False}
            else:  # left without a word: ended as not responding
                t += timedelta(minutes=30)
                ended = {"by": "system", "resolution": "no_response", "kept_open": False}
            self.end_chat(ticket, min(t, self.end), ended)
            return ticket
        reason = self.pick(HANDOVER_REASONS)
        urgent = reason == "urgent_security"
        category = REASON_CATEGORY.get(reason) or self.pick(
            SPIKE_CATEGORY_WEIGHTS if self.surge(at) > 1.5 else CATEGORY_WEIGHTS
        )
        team = CATEGORIES[category].team
        ticket.team, ticket.priority = team, "urgent" if urgent else "normal"
        t += self.seconds(45, 0.6)
        conversation.update(handed_over=t, reason=reason, priority=ticket.priority, intent=category)
        ticket.record(
            t,
            "assistant.handed_over",
            {"reason": reason, "priority": ticket.priority, "summary": {"intent": category}},
            on=CONVERSATION,
        )
        ticket.times["queued_at"] = t
        self.enqueue(ticket, t, team, reason)
        ticket.say(t, "system", self.words(language, "queued"), kind="queued")
        wait = self.seconds(35 * busy**1.8 * (0.4 if urgent else 1.0), 0.9)
        patience = timedelta(seconds=rng.expovariate(1 / 420))
        if wait > patience or t + wait >= self.end:
            left = min(t + patience, self.end)
            ticket.record(left, "routing.abandoned", {"last_seen": str(left)})
            self.end_chat(
                ticket, left, {"by": "system", "resolution": "abandoned", "kept_open": False}
            )
            return ticket
        t += wait
        agent = self.agent_for(team, language)
        self.assign(ticket, t, agent, wait)
        conversation["human_active"] = True
        t = self.conversation_with(ticket, t, agent)
        if rng.random() < 0.08:  # passed to a colleague in another queue
            other = self.agent_for("general", language, avoid=agent)
            ticket.record(
                t, "ticket.transferred", {"team": "general", "agent": None, "note": ""}, actor=agent
            )
            ticket.say(t, "agent", "Transfer note", agent=agent, kind="transfer", internal=True)
            self.enqueue(ticket, t, "general", "transfer")
            second_wait = self.seconds(25 * busy, 0.7)
            t += second_wait
            self.assign(ticket, t, other, second_wait)
            agent = other
            t = self.conversation_with(ticket, t, agent)
        t += self.seconds(90, 0.6)
        if t >= self.end:
            t = self.end
        resolution = "solved" if rng.random() < 0.8 else "answered"
        self.end_chat(
            ticket, t, {"by": "agent", "resolution": resolution, "kept_open": False}, agent
        )
        mood = 2.0 if wait > timedelta(minutes=4) or self.surge(at) > 1.5 else 0.6
        self.rate(ticket, t, 0.5, mood)
        return ticket

    def enqueue(self, ticket: PlannedTicket, at: datetime, team: str, reason: str) -> None:
        queue = f"{team}-{ticket.language}"
        ticket.record(
            at, "ticket.queued", {"priority": ticket.priority, "team": team, "reason": reason}
        )
        ticket.record(
            at,
            "routing.enqueued",
            {
                "queue": queue,
                "priority_class": 3 if ticket.priority == "urgent" else 0,
                "reason": reason,
                "estimate_seconds": None,
            },
        )

    def assign(self, ticket: PlannedTicket, at: datetime, agent: str, wait: timedelta) -> None:
        ticket.agent = agent
        ticket.times["assigned_at"] = at
        ticket.record(
            at,
            "ticket.assigned",
            {
                "agent": agent,
                "wait_seconds": round(wait.total_seconds(), 3),
                "estimate_seconds": None,
            },
            actor=agent,
        )
        joined = self.words(ticket.language, "joined") % {"name": DISPLAY_NAMES.get(agent, agent)}
        ticket.say(at, "system", joined, kind="joined")

    def conversation_with(self, ticket: PlannedTicket, t: datetime, agent: str) -> datetime:
        t += self.seconds(25, 0.7)
        ticket.times.setdefault("first_response_at", t)
        ticket.say(t, "agent", self.words(ticket.language, "reply"), agent=agent)
        for _round in range(self.rng.randint(0, 3)):
            t += self.seconds(50, 0.7)
            ticket.say(t, "customer", self.words(ticket.language, "follow_up"))
            t += self.seconds(40 * self.load(t) ** 0.5, 0.8)
            ticket.say(t, "agent", self.words(ticket.language, "reply"), agent=agent)
        return t

    def end_chat(
        self, ticket: PlannedTicket, at: datetime, data: dict[str, Any], agent: str | None = None
    ) -> None:
        ticket.status, ticket.resolution = "solved", data["resolution"]
        ticket.times["ended_at"] = at
        ticket.record(at, "ticket.chat_ended", data, actor=agent)

    # -- tickets -------------------------------------------------------------------------

    def case(self, at: datetime, channel: str) -> PlannedTicket:
        rng = self.rng
        language = "zh-hans" if rng.random() < 0.55 else "en"
        surging = self.surge(at) > 1.5
        category = self.pick(SPIKE_CATEGORY_WEIGHTS if surging else CATEGORY_WEIGHTS)
        priority = (
            "urgent"
            if category == "account_security"
            else rng.choices(["low", "normal", "high"], [0.08, 0.72, 0.2])[0]
        )
        team = CATEGORIES[category].team
        self.requesters += 1
        ticket = PlannedTicket(
            channel,
            language,
            category,
            priority,
            team,
            at,
            fields=self.fields_for(category),
            policy=POLICY_BY_PRIORITY[priority][0],
            requester=f"demo.customer{self.requesters}@example.com",
        )
        ticket.record(
            at,
            "ticket.opened",
            {"channel": channel, "category": category, "priority": priority, "customer": None},
        )
        ticket.say(at, "customer", self.words(language, "question"))
        steps = self.steps(channel, at, priority)
        self.play(ticket, steps)
        return ticket

    def steps(self, channel: str, at: datetime, priority: str) -> list[tuple[timedelta, str]]:
        """What happens after opening, as (delay, step); scaled to end before now."""
        rng = self.rng
        hurry = {"urgent": 0.25, "high": 0.6, "normal": 1.0, "low": 1.6}[priority]
        first = {"telegram": 12 * 60, "portal": 25 * 60, "email": 45 * 60}[channel]
        busy = self.load(at) ** 1.4
        steps = [(self.seconds(first * hurry * busy, 1.0), "reply")]
        rounds = rng.choices([0, 1, 2, 3], [0.45, 0.3, 0.17, 0.08])[0]
        for _round in range(rounds):
            steps.append((self.seconds(3 * 3600, 1.0), "customer"))
            steps.append((self.seconds(50 * 60 * hurry * busy, 1.0), "reply"))
        steps.append((timedelta(0), "solve"))
        if rng.random() < 0.07:
            steps.append((self.seconds(8 * 3600, 1.0), "reopen"))
            steps.append((self.seconds(40 * 60 * hurry, 0.9), "reply"))
            steps.append((timedelta(0), "solve"))
        total = sum((d for d, _s in steps), timedelta())
        room = self.end - at - timedelta(minutes=1)
        if total > room:
            scale = room / total
            steps = [(d * scale, s) for d, s in steps]
        return steps

    def play(self, ticket: PlannedTicket, steps: list[tuple[timedelta, str]]) -> None:
        """Walk the steps with the SLA clocks running as :mod:`kefu.tickets.sla.clocks` would:
        every clock stops while pending; breaches are recorded when they fall due."""
        name, _p, _t, _k, first_min, next_min, resolution_min, warn_min = POLICY_BY_PRIORITY[
            ticket.priority
        ]
        agent = self.agent_for(ticket.team, ticket.language)
        ticket.agent = agent
        warn = timedelta(minutes=warn_min)
        t = ticket.opened_at
        status = "new"
        dues: dict[str, datetime | None] = {
            "first_response": t + timedelta(minutes=first_min),
            "next_response": None,
            "resolution": t + timedelta(minutes=resolution_min),
        }
        paused_at: datetime | None = None

        def advance(to: datetime) -> None:
            """Record the warnings and breaches that fall due before ``to``."""
            if paused_at is not None:
                return
            for clock_name, due in sorted(dues.items(), key=lambda d: d[1] or to):
                if due is None or clock_name in ticket.sla_breached:
                    continue
                data = {"clock": clock_name, "due": due.isoformat(), "policy": name}
                if clock_name not in ticket.sla_warned and due - warn < to:
                    ticket.sla_warned.append(clock_name)
                    if due - warn > ticket.opened_at:
                        ticket.record(due - warn, "sla.warning", data)
                if due < to:
                    ticket.sla_breached.append(clock_name)
                    ticket.escalation_level += 1
                    ticket.times["escalated_at"] = due
                    ticket.record(due, "sla.breached", data)
                    ticket.record(
                        due,
                        "ticket.escalated",
                        {
                            "reason": "sla_breach",
                            "clocks": [clock_name],
                            "level": ticket.escalation_level,
                        },
                    )

        def move(at: datetime, to: str, reason: str = "", actor: str | None = None) -> None:
            nonlocal status, paused_at
            kind = "ticket.reopened" if status == "solved" else "ticket.status_changed"
            ticket.record(at, kind, {"from": status, "to": to, "reason": reason}, actor=actor)
            if to == "pending" and paused_at is None:
                paused_at = at
            elif status == "pending" and paused_at is not None:
                pause = at - paused_at
                for clock_name, due in dues.items():
                    if due is not None and due > paused_at:
                        dues[clock_name] = due + pause
                paused_at = None
            status = to

        for index, (delay, step) in enumerate(steps):
            t += delay
            advance(t)
            if step == "reply":
                solving = index + 1 < len(steps) and steps[index + 1][1] == "solve"
                text = self.words(ticket.language, "reply")
                ticket.say(t, "agent", text, agent=agent)
                ticket.record(
                    t, "ticket.replied", {"message_seq": 0, "channel": ticket.channel}, actor=agent
                )
                ticket.times.setdefault("first_response_at", t)
                dues["first_response"] = dues["next_response"] = None
                move(t, "solved" if solving else "pending", actor=agent)
            elif step == "customer":
                ticket.say(t, "customer", self.words(ticket.language, "follow_up"))
                move(t, "open", reason="customer_replied")
                ticket.record(
                    t, "ticket.customer_replied", {"message_seq": 0, "channel": ticket.channel}
                )
                dues["next_response"] = t + timedelta(minutes=next_min)
            elif step == "solve":
                ticket.times.setdefault("solved_at", t)
                ticket.times["last_solved_at"] = t
                dues = {k: None for k in dues}
            elif step == "reopen":
                ticket.reopened_count += 1
                ticket.say(t, "customer", self.words(ticket.language, "follow_up"))
                move(t, "open", reason="customer_replied")
                ticket.record(
                    t, "ticket.customer_replied", {"message_seq": 0, "channel": ticket.channel}
                )
                dues["resolution"] = t + timedelta(minutes=resolution_min)
                dues["next_response"] = t + timedelta(minutes=next_min)
        solved = ticket.times["last_solved_at"]
        assert solved is not None
        ticket.times["solved_at"] = solved
        ticket.status = "solved"
        mood = 1.5 if ticket.sla_breached else 0.5
        self.rate(ticket, solved, 0.35, mood)
        if solved + self.reopen_window < self.end:
            closed = solved + self.reopen_window
            ticket.status = "closed"
            ticket.times["closed_at"] = closed
            ticket.record(
                closed, "ticket.status_changed", {"from": "solved", "to": "closed", "reason": ""}
            )


def _day_shape(hour: int) -> float:
    h = hour + 0.5
    return (
        0.35
        + 1.0 * _bump(h, 13.5, 3.0)  # Asian evening
        + 0.55 * _bump(h, 2.5, 2.0)  # Asian morning
        + 0.45 * _bump(h, 19.5, 2.5)  # European evening
    )


def _bump(hour: float, centre: float, width: float) -> float:
    distance = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-((distance / width) ** 2))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's method; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


SHAPE_MEAN = sum(_day_shape(h) for h in range(24)) / 24


def plan_history(
    now: datetime, seed: int = DEMO_SEED, daily: int = DAILY_CONTACTS
) -> list[PlannedTicket]:
    """Every contact of the :data:`DAYS` before ``now``, in order of arrival (``daily`` of
    them on an average day; staffing grows with it, so waits keep their shape)."""
    plan = _Plan(now, seed, daily)
    tickets = []
    for at in plan.arrivals():
        channel = plan.pick(SHARES)
        tickets.append(plan.chat(at) if channel == "chat" else plan.case(at, channel))
    for ticket in tickets:
        ticket.messages.sort(key=lambda m: m[0])
        ticket.events.sort(key=lambda e: e[0])
    return tickets
