"""Surge detection over a generated week of questions (called from ``bench/insights.py``).

Writes nine days of customer questions at a busy desk's volume into the current database:
``per_day`` assistant conversations a day (a customer question and the assistant's reply, with
the topic it recognised and the coins and networks named) and a third as many tickets opened by
email, the portal or Telegram (category, coin and network fields, a first message). Arrivals
follow a day (a peak in the Asian evening, smaller ones in the Asian morning and the European
evening) with Poisson noise and a level that varies a little from day to day; topics and
networks keep the same shares all week, and about a fifth of the questions are nothing the
assistant recognised, in thirty everyday phrasings that the detector groups by their words.

"Now" is a 13:30 UTC (the daily peak, the busiest window). In its last 30 minutes TRC20 deposit
questions are planted at ``spike`` times their usual count (the median of the same window on
the previous seven days, counted in the generated data). Then:

- which clusters ``surges.detect`` finds now (the planted one should be the only one), and in
  24 steady windows, every hour over the day before (any alarm there is a false one);
- one ``surges.scan`` (the job: detect, raise the alert, tell the supervisors), best of
  ``repeat``;
- with two ongoing incidents (TRC20 and SOL deposits delayed): the assistant's status notice
  lookup per question (``kefu.assistant.notices.notices_for``, as the assistant asks it) and the
  help center's banner (``{% incident_banner %}`` rendered), each the mean of 200 runs; and
  whether the scan now stays quiet about the surge the incident covers.

Run it in a throwaway database (``bench._database.bench_database``): it adds rows for good.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.template import Context, Template
from django.utils import translation

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent
from kefu.assistant.models import Conversation, Turn
from kefu.assistant.notices import Question, notices_for
from kefu.insights.incidents import surges
from kefu.insights.incidents.actions import IncidentDraft, open_incident
from kefu.insights.incidents.announcements import banners
from kefu.insights.incidents.models import IncidentKind, SurgeAlert
from kefu.tickets.models import Author, Message, Ticket

DAYS = 9  # a full week of history behind every window scanned over the last day
SLOT = timedelta(minutes=30)
PEAK = 13.5  # hours UTC: the evening in UTC+8
STEADY_WINDOWS = 24  # every hour over the day before "now"
LOOKUPS = 200
SPIKE_KEY = "deposit|TRC20"
SPIKE_TOPICS = frozenset({"deposit", "deposit-not-credited"})
# What the assistant recognised (its reply's intent: a flow or a help center article), the
# share of conversations, and whether customers name a network with it. Generic intents
# ("not_understood", ...) and nothing at all leave the question to be grouped by its words.
ASSISTANT_TOPICS = (
    ("deposit", 0.15, True),
    ("deposit-not-credited", 0.05, True),
    ("withdrawal", 0.11, True),
    ("withdrawal-under-review", 0.04, True),
    ("order", 0.06, False),
    ("limits", 0.04, False),
    ("kyc-levels-and-limits", 0.04, False),
    ("lost_2fa", 0.04, False),
    ("freeze", 0.02, False),
    ("p2p-appeal", 0.05, False),
    ("futures-liquidation", 0.05, False),
    ("api-keys", 0.03, False),
    ("human_request", 0.08, False),
    ("not_understood", 0.07, False),
    ("clarify", 0.05, False),
    ("", 0.08, False),
)
TICKET_CATEGORIES = (
    ("deposit", 0.25),
    ("withdrawal", 0.22),
    ("kyc", 0.14),
    ("account_security", 0.08),
    ("futures_dispute", 0.08),
    ("api", 0.05),
    ("other", 0.18),
)
TICKET_CHANNELS = (("email", 0.5), ("portal", 0.3), ("telegram", 0.2))
NETWORKS = (
    ("TRC20", 0.34),
    ("ERC20", 0.2),
    ("BEP20", 0.12),
    ("SOL", 0.1),
    ("BTC", 0.08),
    ("", 0.16),
)
NAMES_NETWORK = {topic: named for topic, _share, named in ASSISTANT_TOPICS}
COIN_OF = {"TRC20": "USDT", "ERC20": "USDT", "BEP20": "USDT", "SOL": "SOL", "BTC": "BTC"}
TOPIC_TEXTS = {
    "deposit": "my {coin} deposit {on}has not arrived",
    "deposit-not-credited": "deposit of {coin} {on}not credited yet",
    "withdrawal": "my {coin} withdrawal {on}is still pending",
    "withdrawal-under-review": "why is my {coin} withdrawal {on}under review",
    "order": "my limit order was not filled",
    "limits": "what is my daily withdrawal limit",
    "kyc-levels-and-limits": "how do I raise my verification level",
    "lost_2fa": "I lost my authenticator phone",
    "freeze": "please freeze my account now",
    "p2p-appeal": "the p2p seller did not release my coins",
    "futures-liquidation": "why was my futures position liquidated",
    "api-keys": "my api key returns invalid signature",
}
TICKET_TEXTS = {
    "deposit": ("Deposit not credited", "I sent {coin} {on}two hours ago and it is not credited"),
    "withdrawal": ("Withdrawal pending", "My {coin} withdrawal {on}has been pending for hours"),
    "kyc": ("Verification", "My identity verification was rejected, what is wrong"),
    "account_security": ("Account security", "I got a login alert from a device I do not know"),
    "futures_dispute": ("Futures", "My stop loss did not trigger at the price I set"),
    "api": ("API", "The order endpoint returns a rate limit error"),
}
UNRECOGNISED = (
    "the app crashes when I open the kline chart",
    "how do I change the email on my account",
    "referral bonus was not paid to me",
    "why is the trading fee higher than last month",
    "the price alert did not fire",
    "my bank card payment for crypto was declined",
    "how do I close my account",
    "where can I download the tax report",
    "the launchpad subscription did not give me tokens",
    "staking rewards are missing for yesterday",
    "copy trading stopped following the trader",
    "I cannot see my sub-account balance",
    "how long does the airdrop take to arrive",
    "the sms verification code never comes",
    "grid bot closed my position without reason",
    "savings interest is lower than shown",
    "convert gives a worse price than the market",
    "how do I change the language of the app",
    "dark mode is not working on the website",
    "my nickname in p2p is wrong",
    "the margin interest rate is too high",
    "I want to report a scam account",
    "how do I add an anti-phishing code",
    "the android app is very slow today",
    "what is the minimum order size for BTC",
    "I was charged twice for one card purchase",
    "my voucher cannot be used",
    "how to transfer between spot and futures wallet",
    "登录时一直提示网络错误",
    "推荐返佣没有到账",
)
OPENINGS = ("", "", "hi, ", "hello ", "excuse me, ")
CLOSINGS = ("", "", "?", " please help", " thanks")


def run_surge_bench(
    out: Callable[[str], None], per_day: int = 6000, spike: float = 5.0, repeat: int = 3
) -> dict[str, Any]:
    """Write the week, plant the spike, time and check the detector; returns the numbers."""
    real = datetime.now(UTC)
    at = real.replace(hour=13, minute=30, second=0, microsecond=0)
    if at > real:
        at -= timedelta(days=1)
    with clock.frozen(at):
        return _run(out, at, per_day, spike, repeat)


def _run(
    out: Callable[[str], None], at: datetime, per_day: int, spike: float, repeat: int
) -> dict[str, Any]:
    load_demo_accounts()
    rng = random.Random(20261123)
    started = time.perf_counter()
    chats, tickets = _plan(rng, at, per_day)
    usual = statistics.median(
        _spike_count(chats, tickets, at - timedelta(days=day) - SLOT, at - timedelta(days=day))
        for day in range(1, 8)
    )
    steady_now = _spike_count(chats, tickets, at - SLOT, at)
    planted = max(1, round((spike - 1) * max(usual, 1)))
    for _ in range(planted):
        when = at - SLOT * rng.random()
        chats.append((when, "deposit", "TRC20", _texts(rng, "USDT TRC20 deposit not arrived")))
    _write(chats, tickets)
    results: dict[str, Any] = {
        "database": connection.vendor,
        "now": at.isoformat(),
        "conversations": len(chats),
        "tickets": len(tickets),
        "write_seconds": round(time.perf_counter() - started, 2),
        "spike": {"usual": usual, "steady_now": steady_now, "planted": planted},
    }
    out(
        f"surges: {len(chats)} conversations and {len(tickets)} other tickets over {DAYS} days "
        f"({per_day} and {per_day // 3} a day) on {connection.vendor}, written in "
        f"{results['write_seconds']} s; now is {at:%Y-%m-%d %H:%M} UTC (the daily peak)"
    )
    out(
        f"  window {surges.window()}, at least {surges.floor()} questions and "
        f"{surges.ratio():g}x the usual, less likely by chance than {surges.significance():g}; "
        f"{planted} TRC20 deposit questions planted in the last "
        f"window on top of the {steady_now} generated there (usual {usual:g}: {spike:g}x)"
    )
    window_questions = len(surges.questions_between(at - surges.window(), at))
    found = surges.detect(at)
    results["questions_in_window"] = window_questions
    results["detected"] = [_cluster(c) for c in found]
    results["spike_detected"] = any(c.key == SPIKE_KEY for c in found)
    results["false_alarms_now"] = sum(c.key != SPIKE_KEY for c in found)
    out(f"  {window_questions} questions in the window; detected: {_names(found)}")
    out(
        f"  planted spike detected: {'yes' if results['spike_detected'] else 'NO'}; "
        f"false alarms: {results['false_alarms_now']}"
    )
    steady: list[dict[str, Any]] = []
    for step in range(1, STEADY_WINDOWS + 1):
        when = at - timedelta(hours=step)
        began = time.perf_counter()
        alarms = surges.detect(when)
        steady.append(
            {
                "at": when.isoformat(),
                "seconds": round(time.perf_counter() - began, 3),
                "alarms": [_cluster(c) for c in alarms],
            }
        )
    results["steady_windows"] = len(steady)
    results["false_alarms_steady"] = sum(len(s["alarms"]) for s in steady)
    out(
        f"  {len(steady)} steady windows (every hour over the day before): "
        f"{results['false_alarms_steady']} false alarms"
        + "".join(
            f"; at {s['at'][11:16]}: {', '.join(_label(c) for c in s['alarms'])}"
            for s in steady
            if s["alarms"]
        )
    )
    scans = []
    raised = 0
    for _ in range(max(1, repeat)):
        SurgeAlert.objects.all().delete()
        began = time.perf_counter()
        scanned = surges.scan(at)
        scans.append(time.perf_counter() - began)
        raised = len(scanned.raised)
    results["scan_seconds"] = round(min(scans), 3)
    results["scan_raised"] = raised
    out(f"  one scan (best of {len(scans)}): {results['scan_seconds']:.3f} s, raised {raised}")
    results.update(_incidents(out, at))
    return results


def _incidents(out: Callable[[str], None], at: datetime) -> dict[str, Any]:
    """Notice lookup and banner with two ongoing incidents; the surge they cover is quiet."""
    supervisor = Agent.objects.get(username="supervisor")
    for network in ("TRC20", "SOL"):
        text = f"{network} deposits delayed"
        open_incident(
            IncidentDraft(
                kind=IncidentKind.DEPOSITS_DELAYED,
                titles={"en": text, "zh-hans": f"{network} 充值延迟"},
                messages={"en": f"We are looking into {text}.", "zh-hans": "我们正在调查。"},
                coins=[COIN_OF[network]],
                networks=[network],
                categories=["deposit"],
            ),
            by=supervisor,
        )
    about = Question(
        "my USDT deposit on TRC20 hasn't arrived",
        "deposit",
        "en",
        [{"kind": "coin", "value": "USDT"}, {"kind": "network", "value": "TRC20"}],
    )
    other = Question(
        "my USDT deposit on ERC20 hasn't arrived",
        "deposit",
        "en",
        [{"kind": "coin", "value": "USDT"}, {"kind": "network", "value": "ERC20"}],
    )
    told, untold = len(notices_for(about)), len(notices_for(other))
    lookup = _mean(lambda: notices_for(about))
    banner = Template("{% load incident_banner %}{% incident_banner %}")
    with translation.override("en"):
        html = banner.render(Context())
        render = _mean(lambda: banner.render(Context()))
    with translation.override("en"):
        shown = len(banners("en"))
    SurgeAlert.objects.all().delete()
    quiet = surges.scan(at)
    out(
        f"  with 2 ongoing incidents: notice lookup {lookup * 1000:.2f} ms per question "
        f"(TRC20 question told {told}, ERC20 question {untold}); help center banner "
        f"{render * 1000:.2f} ms per page ({shown} banners, {len(html)} bytes); the scan "
        f"then raised {len(quiet.raised)} (the TRC20 incident covers the surge)"
    )
    return {
        "notice_lookup_ms": round(lookup * 1000, 3),
        "notices_trc20_question": told,
        "notices_erc20_question": untold,
        "banner_render_ms": round(render * 1000, 3),
        "banner_bytes": len(html),
        "banners": shown,
        "scan_raised_with_incidents": len(quiet.raised),
    }


# -- the generated week --------------------------------------------------------------------


Chat = tuple[datetime, str, str, str]  # at, the assistant's intent, network, text
Case = tuple[datetime, str, str, str, str, str]  # at, channel, category, network, subject, text


def _plan(rng: random.Random, at: datetime, per_day: int) -> tuple[list[Chat], list[Case]]:
    chats: list[Chat] = []
    cases: list[Case] = []
    start = at - DAYS * timedelta(days=1)
    shape = [
        _day_shape((start + i * SLOT).hour + (start + i * SLOT).minute / 60) for i in range(48)
    ]
    mean_shape = sum(shape) / len(shape)
    for day in range(DAYS):
        level = math.exp(rng.gauss(0, 0.08))
        for slot in range(48):
            begins = start + (day * 48 + slot) * SLOT
            rate = level * shape[slot] / mean_shape / 48
            for _ in range(_poisson(rng, per_day * rate)):
                chats.append(_chat(rng, begins + SLOT * rng.random()))
            for _ in range(_poisson(rng, per_day / 3 * rate)):
                cases.append(_case(rng, begins + SLOT * rng.random()))
    return chats, cases


def _chat(rng: random.Random, at: datetime) -> Chat:
    intent = _pick(rng, [(topic, share) for topic, share, _named in ASSISTANT_TOPICS])
    network = _pick(rng, NETWORKS) if NAMES_NETWORK[intent] else ""
    if intent in TOPIC_TEXTS:
        text = _fill(TOPIC_TEXTS[intent], network)
    else:
        text = rng.choice(UNRECOGNISED)
    return at, intent, network, _texts(rng, text)


def _case(rng: random.Random, at: datetime) -> Case:
    category = _pick(rng, TICKET_CATEGORIES)
    channel = _pick(rng, TICKET_CHANNELS)
    network = _pick(rng, NETWORKS) if category in ("deposit", "withdrawal") else ""
    if category in TICKET_TEXTS:
        subject, text = TICKET_TEXTS[category]
        text = _fill(text, network)
    else:
        subject, text = "Question", rng.choice(UNRECOGNISED)
    return at, channel, category, network, subject, _texts(rng, text)


def _fill(template: str, network: str) -> str:
    return template.format(
        coin=COIN_OF.get(network, "USDT"), on=f"on {network} " if network else ""
    )


def _texts(rng: random.Random, text: str) -> str:
    return f"{rng.choice(OPENINGS)}{text}{rng.choice(CLOSINGS)}"


def _spike_count(chats: list[Chat], cases: list[Case], start: datetime, end: datetime) -> int:
    return sum(
        1
        for at, intent, network, _t in chats
        if start <= at < end and intent in SPIKE_TOPICS and network == "TRC20"
    ) + sum(
        1
        for at, _c, category, network, _s, _t in cases
        if start <= at < end and category == "deposit" and network == "TRC20"
    )


@transaction.atomic
def _write(chats: list[Chat], cases: list[Case]) -> None:
    conversations = Conversation.objects.bulk_create(
        [Conversation(created_at=at, language="en") for at, *_rest in chats], batch_size=2000
    )
    turns = []
    for conversation, (at, intent, network, text) in zip(conversations, chats, strict=True):
        entities = (
            [{"kind": "coin", "value": COIN_OF[network]}, {"kind": "network", "value": network}]
            if network
            else []
        )
        turns.append(
            Turn(
                conversation=conversation,
                role="customer",
                text=text,
                entities=entities,
                created_at=at,
            )
        )
        turns.append(
            Turn(
                conversation=conversation,
                role="assistant",
                text="…",
                intent=intent,
                created_at=at + timedelta(seconds=1),
            )
        )
    Turn.objects.bulk_create(turns, batch_size=5000)
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                channel=channel,
                category=category,
                subject=subject,
                language="en",
                fields={"coin": COIN_OF[network], "network": network} if network else {},
                created_at=at,
            )
            for at, channel, category, network, subject, _text in cases
        ],
        batch_size=2000,
    )
    Message.objects.bulk_create(
        [
            Message(ticket=ticket, seq=1, author=Author.CUSTOMER, text=case[5], created_at=case[0])
            for ticket, case in zip(tickets, cases, strict=True)
        ],
        batch_size=5000,
    )


def _day_shape(hour: float) -> float:
    """Contacts by hour (UTC): the Asian evening peak, the Asian morning, the European evening."""
    return (
        0.35 + _bump(hour, PEAK, 3.0) + 0.55 * _bump(hour, 2.5, 2.5) + 0.5 * _bump(hour, 19.5, 2.5)
    )


def _bump(hour: float, centre: float, width: float) -> float:
    distance = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-0.5 * (distance / width) ** 2)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _pick(rng: random.Random, weighted: Any) -> str:
    values, weights = zip(*weighted, strict=True)
    return str(rng.choices(values, weights)[0])


def _mean(work: Callable[[], object]) -> float:
    work()
    began = time.perf_counter()
    for _ in range(LOOKUPS):
        work()
    return (time.perf_counter() - began) / LOOKUPS


def _cluster(cluster: surges.Cluster) -> dict[str, Any]:
    return {
        "key": cluster.key,
        "count": cluster.count,
        "usual": cluster.usual,
        "history": cluster.history,
    }


def _label(cluster: dict[str, Any]) -> str:
    return f"{cluster['key']} {cluster['count']} vs usual {cluster['usual']:g}"


def _names(found: list[surges.Cluster]) -> str:
    if not found:
        return "nothing"
    return "; ".join(_label(_cluster(c)) for c in found)
