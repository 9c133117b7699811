"""Is this really the exchange? The verdict on one value against the published channels.

Rules:
- a web address is official when its host is an official domain or a sub-domain of one
  (``support.beacon.example`` is official when ``beacon.example`` is listed);
- an email address is official only when it is listed, or when the exchange lists a whole
  domain for email with an "@beacon.example" channel (exactly that domain, not its
  sub-domains). Any address can be forged as a sender, and "anything@beacon.example" would
  bless addresses nobody at the exchange uses; another address at an official domain gets
  ``unlisted_address``;
- Telegram accounts, WeChat ids and phone numbers are official only when listed; a phone number
  without a country code matches a listed number that ends with it (seven digits at least).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz

from ..models import ChannelKind, OfficialChannel
from .confusables import skeleton
from .lookalike import (
    Likeness,
    Lookalike,
    Target,
    domain_lookalike,
    handle_lookalike,
    registrable,
    resemble,
)
from .normalise import (
    MAX_VALUE_LENGTH,
    InvalidChannel,
    guess_kinds,
    normalise,
    split_email,
    unicode_host,
    web_address,
)
from .reasons import Reason

UNKNOWN_KIND = "unknown"
KIND_NOUNS = {
    ChannelKind.DOMAIN: gettext_lazy("web site"),
    ChannelKind.EMAIL: gettext_lazy("email address"),
    ChannelKind.TELEGRAM: gettext_lazy("Telegram account"),
    ChannelKind.PHONE: gettext_lazy("phone number"),
    ChannelKind.WECHAT: gettext_lazy("WeChat account"),
}
_MIN_NATIONAL_DIGITS = 7


@dataclass(frozen=True)
class PublishedChannel:
    kind: str
    canonical: str
    value: str


@dataclass(frozen=True)
class Verdict:
    official: bool
    kind: str  # a ChannelKind value, or "unknown" when the value is none of them
    reason: str  # a Reason value
    message: str  # for people, in the active language
    lookalike_of: str | None = None  # the published value it imitates
    canonical: str = ""  # the normal form of the value checked


class Registry:
    """The published channels, arranged for checking: exact forms per kind and the names
    look-alikes are compared with."""

    def __init__(self, channels: Iterable[PublishedChannel], exchange_name: str = "") -> None:
        self.by_kind: dict[str, dict[str, str]] = {kind: {} for kind in ChannelKind.values}
        for channel in channels:
            self.by_kind[channel.kind].setdefault(channel.canonical, channel.value)
        self.domains = self.by_kind[ChannelKind.DOMAIN]
        self.whole_mail_domains = {
            c.removeprefix("@"): v
            for c, v in self.by_kind[ChannelKind.EMAIL].items()
            if c.startswith("@")
        }
        # Hosts the exchange sends mail from or serves web pages on, with a value to show.
        self.own_hosts: dict[str, str] = dict(self.domains)
        for canonical, value in self.by_kind[ChannelKind.EMAIL].items():
            self.own_hosts.setdefault(canonical.rsplit("@", 1)[1], value)
        self.registrable_skeletons: dict[str, str] = {}
        self.brand_targets: list[Target] = []
        for host, value in self.own_hosts.items():
            owner = registrable(host)
            shown = unicode_host(owner)
            self.registrable_skeletons.setdefault(skeleton(shown), value)
            self._add_brand(Target.of(shown.split(".", 1)[0], value, brand=True))
            self._add_brand(Target.of(shown, value, brand=True))
        if exchange_name and self.brand_targets:
            self._add_brand(Target.of(exchange_name, self.brand_targets[0].official, brand=True))
        self.handle_targets: dict[str, list[Target]] = {
            kind: [Target.of(c.removeprefix("@"), v) for c, v in self.by_kind[kind].items()]
            + self.brand_targets
            for kind in (ChannelKind.TELEGRAM, ChannelKind.WECHAT)
        }

    def _add_brand(self, target: Target) -> None:
        if len(target.name) >= 3 and all(t.name != target.name for t in self.brand_targets):
            self.brand_targets.append(target)

    def official_host(self, host: str) -> str | None:
        for domain, value in self.domains.items():
            if host == domain or host.endswith("." + domain):
                return value
        return None

    def own_host(self, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in self.own_hosts)

    def closest(self, kind: str, text: str) -> str | None:
        """The published value of ``kind`` most like ``text``."""
        published = self.by_kind[kind]
        if not published:
            return None
        return max(published.items(), key=lambda item: fuzz.ratio(item[0], text))[1]


def active_channels() -> list[PublishedChannel]:
    return [
        PublishedChannel(kind, canonical, value)
        for kind, canonical, value in OfficialChannel.objects.filter(active=True)
        .order_by("kind", "value")
        .values_list("kind", "canonical", "value")
    ]


@lru_cache(maxsize=8)
def _registry(channels: tuple[PublishedChannel, ...], exchange_name: str) -> Registry:
    return Registry(channels, exchange_name)


def verify(
    value: str, kind: str | None = None, *, channels: Sequence[PublishedChannel] | None = None
) -> Verdict:
    """The verdict on ``value`` (a URL, domain, email address, Telegram handle or link, phone
    number or WeChat id; ``kind`` forces one reading). ``channels`` defaults to the active
    official channels in the database."""
    text = (value or "").strip()
    if not text or len(text) > MAX_VALUE_LENGTH:
        return _verdict(False, kind or UNKNOWN_KIND, Reason.INVALID)
    kinds = [kind] if kind else guess_kinds(text)
    if not kinds:
        return _verdict(False, UNKNOWN_KIND, Reason.INVALID)
    published = tuple(active_channels() if channels is None else channels)
    registry = _registry(published, settings.KEFU_EXCHANGE_NAME)
    verdicts = [_check(registry, k, text) for k in kinds]
    return min(verdicts, key=lambda v: Reason(v.reason).rank)


def _check(registry: Registry, kind: str, text: str) -> Verdict:
    try:
        canonical = normalise(kind, text)
    except InvalidChannel:
        return _verdict(False, kind, Reason.INVALID)
    official = _official(registry, kind, canonical)
    if official is not None:
        return _verdict(True, kind, Reason.OFFICIAL, canonical=canonical)
    found: Lookalike | None = None
    if kind == ChannelKind.DOMAIN:
        address = web_address(text)
        found = domain_lookalike(
            address.host, address.userinfo, registry.brand_targets, registry.registrable_skeletons
        )
    elif kind == ChannelKind.EMAIL:
        found = _email_lookalike(registry, canonical)
    elif kind in (ChannelKind.TELEGRAM, ChannelKind.WECHAT):
        found = handle_lookalike(canonical.removeprefix("@"), registry.handle_targets[kind])
        if found is not None and found.of not in registry.by_kind[kind].values():
            found = Lookalike(found.reason, registry.closest(kind, canonical) or found.of)
    if found is None:
        return _verdict(False, kind, Reason.NOT_LISTED, canonical=canonical)
    return _verdict(
        False, kind, found.reason, lookalike_of=found.of, real=found.real, canonical=canonical
    )


def _official(registry: Registry, kind: str, canonical: str) -> str | None:
    published = registry.by_kind[kind]
    if canonical in published:
        return published[canonical]
    if kind == ChannelKind.DOMAIN:
        return registry.official_host(canonical)
    if kind == ChannelKind.EMAIL:
        return registry.whole_mail_domains.get(canonical.rsplit("@", 1)[1])
    if kind == ChannelKind.PHONE:
        return _same_number(published, canonical)
    return None


def _same_number(published: dict[str, str], number: str) -> str | None:
    """A listed number ``number`` is written without (or with) its country code."""
    for listed, value in published.items():
        if listed.startswith("+") and number.startswith("+"):
            continue
        short, long = sorted((listed.lstrip("+"), number.lstrip("+").lstrip("0")), key=len)
        if len(short) >= _MIN_NATIONAL_DIGITS and long.endswith(short.lstrip("0")):
            return value
    return None


def _email_lookalike(registry: Registry, canonical: str) -> Lookalike | None:
    local, domain = split_email(canonical)
    nearest = registry.closest(ChannelKind.EMAIL, canonical)
    if registry.own_host(domain):
        return Lookalike(Reason.UNLISTED_ADDRESS, nearest or "")
    found = domain_lookalike(domain, "", registry.brand_targets, registry.registrable_skeletons)
    if found is not None:
        return Lookalike(found.reason, nearest or found.of, found.real)
    named = resemble(local, registry.brand_targets, typos=False)
    if named is not None:
        reason = (
            Reason.LOOKALIKE_HOMOGLYPH
            if named.likeness == Likeness.HOMOGLYPH
            else Reason.OFFICIAL_NAME_FOREIGN_DOMAIN
        )
        return Lookalike(reason, nearest or named.target.official, registrable(domain))
    return None


def _verdict(
    official: bool,
    kind: str,
    reason: Reason,
    *,
    lookalike_of: str | None = None,
    real: str = "",
    canonical: str = "",
) -> Verdict:
    return Verdict(
        official=official,
        kind=kind,
        reason=reason.value,
        message=explain(reason, kind, lookalike_of=lookalike_of, real=real),
        lookalike_of=lookalike_of or None,
        canonical=canonical,
    )


def explain(reason: str, kind: str, *, lookalike_of: str | None = None, real: str = "") -> str:
    """The verdict in plain words, in the active language."""
    exchange = settings.KEFU_EXCHANGE_NAME
    noun = KIND_NOUNS.get(kind, _("channel"))  # type: ignore[call-overload]
    values = {"exchange": exchange, "kind": noun, "official": lookalike_of or "", "real": real}
    if reason == Reason.OFFICIAL:
        return _("This is an official %(exchange)s %(kind)s.") % values
    if reason == Reason.INVALID:
        return _(
            "This does not look like a web address, email address, Telegram account, phone "
            "number or WeChat ID."
        )
    if reason == Reason.UNLISTED_ADDRESS:
        return (
            _(
                "This address uses %(exchange)s's domain, but %(exchange)s does not publish it. "
                "Sender addresses can be forged: look for your anti-phishing code, and never "
                "send passwords or codes."
            )
            % values
        )
    if reason == Reason.NOT_LISTED:
        return (
            _(
                "%(exchange)s does not list this %(kind)s among its official channels. Do not "
                "give it your password, codes, seed phrase or funds."
            )
            % values
        )
    messages = {
        Reason.LOOKALIKE_HOMOGLYPH: _(
            "Not %(exchange)s. This %(kind)s imitates %(official)s with look-alike characters, "
            "such as Cyrillic or Greek letters or digits in place of letters."
        ),
        Reason.LOOKALIKE_TYPO: _(
            "Not %(exchange)s. This %(kind)s differs from %(official)s by a letter or two, a "
            "common trick of fake sites and accounts."
        ),
        Reason.LOOKALIKE_ADDED_WORDS: _(
            "Not %(exchange)s. This %(kind)s adds words such as “support” or “official” to "
            "%(exchange)s's name; the real one is %(official)s."
        ),
        Reason.OFFICIAL_NAME_FOREIGN_DOMAIN: _(
            "Not %(exchange)s. This %(kind)s uses %(exchange)s's name, but its domain belongs "
            "to someone else (%(real)s)."
        ),
        Reason.OFFICIAL_NAME_UNLISTED: _(
            "Not %(exchange)s. This %(kind)s uses %(exchange)s's name but is not one of its "
            "official accounts; the official one is %(official)s."
        ),
    }
    text = messages[Reason(reason)] % values
    if reason == Reason.LOOKALIKE_HOMOGLYPH and real:
        text += " " + _("Its real address is %(real)s.") % values
    return text
