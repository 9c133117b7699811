"""Surge detection: many customers asking the same thing, well above the usual rate.

Every few minutes (``incidents.surge_scan``) the last ``KEFU_SURGE_WINDOW_MINUTES`` (30) of
questions are gathered — the opening question of each assistant conversation (chats included)
and the first message of each ticket opened another way — and grouped into clusters:

- by what the assistant already knows: the topic it recognised (a flow such as "deposit", or a
  help center article; a ticket's category counts as the same topic), and within a topic by
  each network named ("deposit · TRC20");
- questions nothing recognised, by their words (Dice similarity of search tokens against the
  first question of a cluster).

Each cluster's count is compared with the same window on each of the previous
``KEFU_SURGE_HISTORY_DAYS`` (7) days; the usual rate is their median, so one bad day in the
past does not hide a new one. A cluster surges with at least ``KEFU_SURGE_MIN_QUESTIONS`` (8)
questions and at least ``KEFU_SURGE_RATIO`` (3) times its usual rate (taken as at least one),
and a count that chance would give less than once in ``1 / KEFU_SURGE_SIGNIFICANCE`` (10,000)
windows if questions kept arriving at the usual rate (a Poisson tail): with a few dozen clusters
scanned every half hour, 3x of a usual 3 (11 questions) happens by chance about once a day,
which would teach supervisors to ignore alerts; 14 does not.
When a topic surges on one network, that narrower cluster is the alert. A cluster an ongoing
incident already covers raises nothing. While an alert of a cluster is open it is updated, not
raised again; one not seen for ``KEFU_SURGE_SUBSIDE_MINUTES`` (120) is closed as subsided.

Question texts were masked when stored; they are kept as samples and never logged.
"""

from __future__ import annotations

import logging
import math
import os
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import Agent, Role, SupportLanguage
from kefu.assistant.flows import ARTICLE_FLOWS
from kefu.assistant.models import Turn
from kefu.clock import now
from kefu.events.services import record_event
from kefu.helpcenter.search.text import tokenize
from kefu.tickets.categories import CATEGORIES
from kefu.tickets.models import Author, Channel, Message, Ticket

from .actions import IncidentDraft
from .announcements import ongoing
from .models import IncidentKind, SurgeAlert, SurgeStatus
from .notify import ticket_subject
from .scope import category_for_intent, concerns, subject

logger = logging.getLogger(__name__)

# Intents that say how the assistant replied, not what the question was about.
GENERIC_INTENTS = frozenset(
    {
        "",
        "clarify",
        "human_request",
        "frustration",
        "repeated_question",
        "not_understood",
        "secret_shared",
        "investment_advice",
        "exchange_error",
    }
)
# Ticket categories that name a topic (others are clustered by their words).
TICKET_TOPICS = frozenset(
    {"deposit", "withdrawal", "account_security", "futures_dispute", "kyc", "api"}
)
TOPIC_LABELS = {
    "deposit": gettext_lazy("Deposits not credited"),
    "withdrawal": gettext_lazy("Withdrawals"),
    "order": gettext_lazy("Orders"),
    "limits": gettext_lazy("Limits and verification"),
    "freeze": gettext_lazy("Freezing an account"),
    "lost_2fa": gettext_lazy("Lost two-factor authentication"),
    "account_security": gettext_lazy("Account security"),
}
TOPIC_KINDS = {
    "deposit": IncidentKind.DEPOSITS_DELAYED,
    "withdrawal": IncidentKind.WITHDRAWALS_DELAYED,
    "futures_dispute": IncidentKind.TRADING_HALTED,
    "order": IncidentKind.TRADING_HALTED,
}
TEXT = "text:"
MAX_SAMPLES = 5
MAX_SIGNATURE = 12


def setting(name: str, default: float) -> float:
    """A Django setting if the project defines it, else the environment variable, else the
    default (these knobs live with the detector, not in kefu/settings.py)."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return float(value)


def window() -> timedelta:
    return timedelta(minutes=setting("KEFU_SURGE_WINDOW_MINUTES", 30))


def history_days() -> int:
    return int(setting("KEFU_SURGE_HISTORY_DAYS", 7))


def floor() -> int:
    return int(setting("KEFU_SURGE_MIN_QUESTIONS", 8))


def ratio() -> float:
    return setting("KEFU_SURGE_RATIO", 3.0)


def significance() -> float:
    return setting("KEFU_SURGE_SIGNIFICANCE", 1e-4)


def chance_of_at_least(count: int, mean: float) -> float:
    """P(X >= count) for X ~ Poisson(mean), summed upward from ``count`` in log space (no
    cancellation, no overflow for the counts seen here)."""
    if count <= 0:
        return 1.0
    total, i = 0.0, count
    while True:
        term = math.exp(-mean + i * math.log(mean) - math.lgamma(i + 1))
        total += term
        if i > mean and term < total * 1e-12:
            return min(total, 1.0)
        i += 1


def text_similarity() -> float:
    return setting("KEFU_SURGE_TEXT_SIMILARITY", 0.4)


def subside_after() -> timedelta:
    return timedelta(minutes=setting("KEFU_SURGE_SUBSIDE_MINUTES", 120))


# -- the questions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    at: datetime
    text: str  # masked when it was stored
    topic: str  # "" when nothing recognised it
    coins: frozenset[str] = frozenset()
    networks: frozenset[str] = frozenset()


def questions_between(start: datetime, end: datetime) -> list[Question]:
    return [*_assistant_questions(start, end), *_ticket_questions(start, end)]


def _assistant_questions(start: datetime, end: datetime) -> list[Question]:
    """One per conversation begun in the window: its first question the assistant recognised
    (else its first), with every coin and network the customer named."""
    begun: dict[int, datetime] = {}
    turns: dict[int, list[tuple[str, str, str, list[Any]]]] = defaultdict(list)
    rows = (
        Turn.objects.filter(conversation__created_at__gte=start, conversation__created_at__lt=end)
        .order_by("conversation_id", "created_at", "id")
        .values_list(
            "conversation_id", "conversation__created_at", "role", "text", "intent", "entities"
        )
    )
    for conversation_id, at, role, text, intent, entities in rows.iterator(chunk_size=2000):
        begun[conversation_id] = at
        turns[conversation_id].append((role, text, intent, entities or []))
    found = []
    for conversation_id, said in turns.items():
        chosen: tuple[str, str] | None = None
        coins: set[str] = set()
        networks: set[str] = set()
        for i, (role, text, _intent, entities) in enumerate(said):
            if role != Turn.Role.CUSTOMER:
                continue
            for entity in entities:
                if entity.get("kind") == "coin":
                    coins.add(str(entity.get("value", "")))
                elif entity.get("kind") == "network":
                    networks.add(str(entity.get("value", "")))
            answer = said[i + 1] if i + 1 < len(said) else None
            intent = answer[2] if answer and answer[0] == Turn.Role.ASSISTANT else ""
            topic = "" if intent in GENERIC_INTENTS else ARTICLE_FLOWS.get(intent, intent)
            if chosen is None or (topic and not chosen[1]):
                chosen = (text, topic)
        if chosen is not None:
            found.append(
                Question(
                    begun[conversation_id],
                    chosen[0],
                    chosen[1],
                    frozenset(coins),
                    frozenset(networks),
                )
            )
    return found


def _ticket_questions(start: datetime, end: datetime) -> list[Question]:
    """Tickets opened in the window by email, the portal, the API or Telegram (a chat's
    question is its conversation's)."""
    first_words = Message.objects.filter(
        ticket=OuterRef("pk"), author=Author.CUSTOMER, internal=False
    ).order_by("seq")
    tickets = (
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end, conversation__isnull=True)
        .exclude(channel=Channel.CHAT)
        .annotate(first_words=Subquery(first_words.values("text")[:1]))
    )
    found = []
    for ticket in tickets.iterator(chunk_size=1000):
        words = ticket.first_words or ""  # type: ignore[attr-defined]
        about = ticket_subject(ticket, words)
        found.append(
            Question(
                ticket.created_at,
                words or ticket.subject,
                ticket.category if ticket.category in TICKET_TOPICS else "",
                about.coins,
                about.networks,
            )
        )
    return found


# -- clusters ---------------------------------------------------------------------------------


def dice(left: set[str] | frozenset[str], right: set[str] | frozenset[str]) -> float:
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


@dataclass
class _TextClusters:
    """Questions nothing recognised, grouped by words around the first question of each."""

    threshold: float
    leaders: list[tuple[frozenset[str], str]] = field(default_factory=list)

    def topic(self, text: str, *, grow: bool) -> str:
        words = frozenset(tokenize(text))
        if not words:
            return ""
        best, score = -1, 0.0
        for index, (leader, _text) in enumerate(self.leaders):
            similarity = dice(words, leader)
            if similarity > score:
                best, score = index, similarity
        if best >= 0 and score >= self.threshold:
            return f"{TEXT}{best}"
        if not grow:
            return ""
        self.leaders.append((words, text))
        return f"{TEXT}{len(self.leaders) - 1}"


@dataclass
class Cluster:
    key: str
    topic: str
    network: str
    questions: list[Question]
    history: list[int]
    label: str = ""
    signature: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def usual(self) -> float:
        return float(statistics.median(self.history)) if self.history else 0.0

    def surging(self) -> bool:
        usual = max(self.usual, 1.0)
        return (
            self.count >= floor()
            and self.count >= ratio() * usual
            and chance_of_at_least(self.count, usual) < significance()
        )

    def samples(self) -> list[str]:
        latest = sorted(self.questions, key=lambda q: q.at, reverse=True)
        return [q.text[:300] for q in latest[:MAX_SAMPLES]]

    def named(self, attribute: str) -> list[str]:
        """Coins or networks named by at least a third of the cluster's questions."""
        counts = Counter(v for q in self.questions for v in getattr(q, attribute) if v)
        if self.network and attribute == "networks":
            return [self.network]
        least = max(1, len(self.questions) / 3)
        return sorted(v for v, n in counts.items() if n >= least)


def _keys(question: Question, topic: str) -> list[tuple[str, str]]:
    return [(topic, ""), *((topic, network) for network in sorted(question.networks))]


def detect(at: datetime | None = None) -> list[Cluster]:
    """The clusters surging at ``at`` (now), narrowest first; nothing is written."""
    end = at or now()
    span = window()
    current = questions_between(end - span, end)
    texts = _TextClusters(text_similarity())
    counted: dict[tuple[str, str], list[Question]] = defaultdict(list)
    for question in sorted(current, key=lambda q: q.at):
        topic = question.topic or texts.topic(question.text, grow=True)
        if topic:
            for key in _keys(question, topic):
                counted[key].append(question)
    days = history_days()
    history: dict[tuple[str, str], list[int]] = {key: [0] * days for key in counted}
    for day in range(days):
        shift = timedelta(days=day + 1)
        for question in questions_between(end - span - shift, end - shift):
            topic = question.topic or texts.topic(question.text, grow=False)
            for key in _keys(question, topic) if topic else ():
                if key in history:
                    history[key][day] += 1
    clusters = []
    for (topic, network), questions in counted.items():
        cluster = Cluster(
            _key(topic, network, texts), topic, network, questions, history[(topic, network)]
        )
        if topic.startswith(TEXT):
            leader_words, leader_text = texts.leaders[int(topic[len(TEXT) :])]
            cluster.signature = sorted(leader_words)[:MAX_SIGNATURE]
            cluster.label = leader_text[:200]
        clusters.append(cluster)
    surging = [c for c in clusters if c.surging()]
    narrowed = {c.topic for c in surging if c.network}
    surging = [c for c in surging if c.network or c.topic not in narrowed]
    covered = ongoing()
    surging = [c for c in surging if not any(concerns(i, _subject_of(c)) for i in covered)]
    return sorted(surging, key=lambda c: (not c.network, -c.count))


def _key(topic: str, network: str, texts: _TextClusters) -> str:
    if topic.startswith(TEXT):
        words = sorted(texts.leaders[int(topic[len(TEXT) :])][0])[:MAX_SIGNATURE]
        topic = TEXT + " ".join(words)
    return f"{topic}|{network}"[:200] if network else topic[:200]


def _subject_of(cluster: Cluster) -> Any:
    return subject(
        category=category_for_topic(cluster.topic),
        coins=cluster.named("coins"),
        networks=cluster.named("networks"),
        text=cluster.label,
    )


def category_for_topic(topic: str) -> str:
    if topic.startswith(TEXT):
        return ""
    if topic in CATEGORIES:
        return topic
    return category_for_intent(topic)


# -- alerts -----------------------------------------------------------------------------------


@dataclass
class ScanResult:
    questions: int = 0
    raised: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    subsided: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "raised": self.raised,
            "updated": self.updated,
            "subsided": self.subsided,
        }


def scan(at: datetime | None = None) -> ScanResult:
    """Raise an alert for each new surging cluster, refresh the open ones still surging, close
    those that have not surged for a while, and tell the supervisors about new ones."""
    at = at or now()
    result = ScanResult()
    for cluster in detect(at):
        alert = _open_alert_for(cluster)
        if alert is not None:
            _refresh(alert, cluster, at)
            result.updated.append(alert.pk)
            continue
        raised = _raise(cluster, at)
        (result.raised if raised[1] else result.updated).append(raised[0].pk)
    stale = SurgeAlert.objects.filter(
        status=SurgeStatus.OPEN, last_seen_at__lt=at - subside_after()
    )
    for alert in stale:
        with transaction.atomic():
            changed = SurgeAlert.objects.filter(pk=alert.pk, status=SurgeStatus.OPEN).update(
                status=SurgeStatus.SUBSIDED, closed_at=at
            )
            if changed:
                record_event("surge.closed", alert, data={"status": SurgeStatus.SUBSIDED})
                result.subsided += 1
    if result.raised:
        logger.info("surge scan raised alerts %s", result.raised)
        tell_supervisors(SurgeAlert.objects.filter(pk__in=result.raised))
    return result


def _open_alert_for(cluster: Cluster) -> SurgeAlert | None:
    alert = SurgeAlert.objects.filter(status=SurgeStatus.OPEN, key=cluster.key).first()
    if alert is not None or not cluster.topic.startswith(TEXT):
        return alert
    words = set(cluster.signature)
    for candidate in SurgeAlert.objects.filter(
        status=SurgeStatus.OPEN, key__startswith=TEXT, network=cluster.network
    ):
        if dice(words, set(candidate.signature)) >= text_similarity():
            return candidate
    return None


def _refresh(alert: SurgeAlert, cluster: Cluster, at: datetime) -> None:
    SurgeAlert.objects.filter(pk=alert.pk, status=SurgeStatus.OPEN).update(
        count=cluster.count,
        usual=cluster.usual,
        history=cluster.history,
        samples=cluster.samples(),
        coins=cluster.named("coins"),
        networks=cluster.named("networks"),
        peak_count=max(alert.peak_count, cluster.count),
        last_seen_at=at,
    )


def _raise(cluster: Cluster, at: datetime) -> tuple[SurgeAlert, bool]:
    try:
        with transaction.atomic():
            alert = SurgeAlert.objects.create(
                key=cluster.key,
                topic=cluster.topic if not cluster.topic.startswith(TEXT) else "",
                network=cluster.network,
                label=cluster.label,
                signature=cluster.signature,
                count=cluster.count,
                usual=cluster.usual,
                history=cluster.history,
                peak_count=cluster.count,
                window_minutes=int(window().total_seconds() // 60),
                samples=cluster.samples(),
                coins=cluster.named("coins"),
                networks=cluster.named("networks"),
                raised_at=at,
                last_seen_at=at,
            )
            record_event(
                "surge.raised",
                alert,
                data={"key": alert.key, "count": alert.count, "usual": alert.usual},
            )
    except IntegrityError:  # another scan raised it a moment ago
        existing = SurgeAlert.objects.get(status=SurgeStatus.OPEN, key=cluster.key)
        _refresh(existing, cluster, at)
        return existing, False
    return alert, True


# -- what supervisors see ---------------------------------------------------------------------


def topic_label(topic: str) -> str:
    if topic in TOPIC_LABELS:
        return str(TOPIC_LABELS[topic])
    if topic in CATEGORIES:
        return str(CATEGORIES[topic].label)
    from kefu.helpcenter.models import Article

    article = Article.objects.filter(slug=topic).first()
    if article is not None:
        language = translation.get_language() or SupportLanguage.EN
        found = article.translation(language) or article.translation(SupportLanguage.EN)
        if found is not None:
            return str(found.title)
    return topic


def describe(alert: SurgeAlert) -> str:
    """The alert's cluster in the current language: "Deposits not credited · TRC20"."""
    if not alert.topic:
        text = alert.label or " ".join(alert.signature)
        head = _("Similar questions: “%(text)s”") % {"text": text[:80]}
    else:
        head = topic_label(alert.topic)
    return f"{head} · {alert.network}" if alert.network else head


def suggest_incident(alert: SurgeAlert) -> IncidentDraft:
    """An incident pre-filled from an alert, for the supervisor to edit and confirm."""
    category = category_for_topic(alert.topic) if alert.topic else ""
    kind = TOPIC_KINDS.get(alert.topic, IncidentKind.OTHER)
    networks = [alert.network] if alert.network else list(alert.networks)
    titles: dict[str, str] = {}
    messages: dict[str, str] = {}
    assets = ", ".join([*alert.coins, *networks])
    for language in SupportLanguage.values:
        with translation.override(language):
            if kind != IncidentKind.OTHER:
                what = str(dict(IncidentKind.choices)[kind])
            elif alert.topic:
                what = topic_label(alert.topic)
            else:  # customers' own words do not make a public title
                what = _("Service issue")
            titles[language] = f"{what}: {assets}"[:200] if assets else what[:200]
            messages[language] = _(
                "We are looking into reports about this: %(title)s. We will post an update "
                "here as soon as we know more."
            ) % {"title": titles[language]}
    return IncidentDraft(
        kind=kind,
        titles=titles,
        messages=messages,
        coins=list(alert.coins),
        networks=networks,
        categories=[category] if category else [],
    )


def tell_supervisors(alerts: Iterable[SurgeAlert]) -> None:
    """Push new alerts to every supervisor's and administrator's open consoles (a
    ``surge_alert`` frame on their own channel-layer group), once the alerts are stored."""
    frames = [
        {
            "id": alert.pk,
            "label": describe(alert),
            "count": alert.count,
            "usual": alert.usual,
            "window_minutes": alert.window_minutes,
        }
        for alert in alerts
    ]
    if not frames:
        return
    supervisors = list(
        Agent.objects.filter(is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(lambda: _push(supervisors, frames))


def _push(supervisors: Sequence[int], alerts: list[dict[str, Any]]) -> None:
    try:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        from kefu.connectors.webchat.outbox import agent_group

        layer = get_channel_layer()
        if layer is None:
            return
        frame = {"type": "surge_alert", "alerts": alerts}
        for agent_id in supervisors:
            async_to_sync(layer.group_send)(
                agent_group(agent_id), {"type": "chat.frame", "frame": frame}
            )
    except Exception:
        logger.exception("could not push surge alerts to the consoles")
