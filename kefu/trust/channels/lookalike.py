"""Look-alikes of official names: the tricks that make "not us" read as "us".

- homoglyphs: other scripts' letters or digits in a Latin name ("bеacon" with a Cyrillic е,
  "beac0n", punycode "xn--bacon-zwe"), found by comparing skeletons (see ``confusables``);
- typosquats: a Damerau-Levenshtein distance of 1 (names up to 5 letters) or 2 (longer);
- added words: the name plus "support", "help", "official", "login"... ("beacon-support",
  "support-beacon", "BeaconSupport_official");
- the official name under a domain someone else owns ("beacon.example.evil.io",
  "https://beacon.example@evil.io", "beacon.com" when the exchange is beacon.example).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from publicsuffixlist import PublicSuffixList
from rapidfuzz.distance import DamerauLevenshtein

from .confusables import compact, fold, skeleton
from .normalise import unicode_host
from .reasons import Reason

# Words impersonators put around an exchange's name. Stripped from either end of a name, one
# at a time, before comparing what is left.
_BAIT = """
    support supports help helpdesk helpline desk service services care customer customers
    client official officials real team staff kefu app apps login logon signin sign verify
    verification verified secure security safe safety wallet wallets account accounts update
    auth online web www mail email info contact admin admins bot exchange global pro airdrop
    bonus reward rewards claim gift promo recovery recover restore unlock unfreeze kyc pay swap
    trade trading crypto coin token cs hq center centre live chat group news channel hub portal
    com net org io vip my get go the
    官方 客服 服务 服务号 助手 中心 在线 官网 热线 平台
"""
BAIT_WORDS = frozenset(_BAIT.split())
_BAIT_BY_LENGTH = sorted(BAIT_WORDS, key=len, reverse=True)
_DIGITS_AT_ENDS = re.compile(r"^\d+|\d+$")
_MAX_STRIPS = 3
_MIN_CORE = 2


class Likeness(StrEnum):
    EXACT = "exact"  # the name itself, spelled the same
    ADDED_WORDS = "added_words"  # the name with bait words around it
    HOMOGLYPH = "homoglyph"  # the name (with or without added words) in look-alike characters
    TYPO = "typo"  # one or two letters off


@dataclass(frozen=True)
class Target:
    """An official name to compare against, and the published value it stands for."""

    name: str  # folded, without separators
    skeleton: str  # skeleton, without separators
    official: str  # what to point the user to ("beacon.example", "@BeaconSupportBot")
    brand: bool = False  # the exchange's own name rather than one channel's

    @classmethod
    def of(cls, text: str, official: str, *, brand: bool = False) -> Target:
        return cls(compact(fold(text)), compact(skeleton(text)), official, brand)


@dataclass(frozen=True)
class Resemblance:
    likeness: Likeness
    target: Target
    distance: int = 0


@dataclass(frozen=True)
class Lookalike:
    reason: Reason
    of: str  # the published value imitated
    real: str = ""  # the domain that really owns it, or a punycode host as it really is


def _cores(name: str) -> dict[str, int]:
    """``name`` and what is left of it after stripping bait words and digits from its ends,
    with the number of strips each took (fewest kept)."""
    seen = {name: 0}
    frontier = [name]
    for depth in range(1, _MAX_STRIPS + 1):
        following = []
        for core in frontier:
            for shorter in _strips(core):
                if len(shorter) >= _MIN_CORE and shorter not in seen:
                    seen[shorter] = depth
                    following.append(shorter)
        frontier = following
    return seen


def _strips(core: str) -> Iterable[str]:
    for word in _BAIT_BY_LENGTH:
        if len(word) < len(core):
            if core.startswith(word):
                yield core[len(word) :]
            if core.endswith(word):
                yield core[: -len(word)]
    without_digits = _DIGITS_AT_ENDS.sub("", core)
    if without_digits != core:
        yield without_digits


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\W_]+", text) if t]


def _found(cores: dict[str, int], tokens: list[str], name: str) -> int | None:
    """Strips needed to reach ``name`` (0: it is the name), or None."""
    if name in cores:
        return cores[name]
    if name in tokens and len(tokens) > 1:  # "beacon-fan-club": the name as one of the words
        return 1
    return None


def _typo_allowance(name: str, strips: int) -> int:
    if len(name) <= 3:
        return 0
    if strips:
        return 1 if len(name) >= 5 else 0
    return 1 if len(name) <= 5 else 2


def resemble(text: str, targets: Sequence[Target], *, typos: bool = True) -> Resemblance | None:
    """How ``text`` (one name: a domain label, a handle, an email's local part) resembles the
    closest of ``targets``, or None when it does not."""
    if not targets:
        return None
    folded, skeletal = fold(text), skeleton(text)
    # The fewest strips win; at equal strips, the name as written beats its skeleton.
    best: tuple[int, bool, Target] | None = None
    for lookalike, form, key in ((False, folded, "name"), (True, skeletal, "skeleton")):
        cores, tokens = _cores(compact(form)), _tokens(form)
        for target in targets:
            strips = _found(cores, tokens, getattr(target, key))
            if strips is not None and (best is None or (strips, lookalike) < best[:2]):
                best = (strips, lookalike, target)
    if best is not None:
        strips, lookalike, target = best
        if lookalike:
            return Resemblance(Likeness.HOMOGLYPH, target)
        return Resemblance(Likeness.EXACT if strips == 0 else Likeness.ADDED_WORDS, target)
    if not typos:
        return None
    closest: tuple[int, int, Target] | None = None
    for core, strips in cores.items():
        for target in targets:
            allowed = _typo_allowance(target.skeleton, strips)
            if not allowed:
                continue
            distance = DamerauLevenshtein.distance(core, target.skeleton, score_cutoff=allowed)
            if 0 < distance <= allowed and (closest is None or (distance, strips) < closest[:2]):
                closest = (distance, strips, target)
    if closest is not None:
        return Resemblance(Likeness.TYPO, closest[2], closest[0])
    return None


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def registrable(host: str) -> str:
    """The part of a host someone registers ("evil.co.uk" of "beacon.evil.co.uk"); the host
    itself when it is a public suffix or an IP address."""
    if host.replace(".", "").isdigit() or ":" in host:
        return host
    return _suffixes().privatesuffix(host) or host


def _label(registrable_host: str) -> str:
    suffix = _suffixes().publicsuffix(registrable_host)
    if suffix and suffix != registrable_host:
        return registrable_host[: -len(suffix) - 1]
    return registrable_host


_DOMAIN_REASONS = {
    Likeness.EXACT: Reason.OFFICIAL_NAME_FOREIGN_DOMAIN,
    Likeness.ADDED_WORDS: Reason.LOOKALIKE_ADDED_WORDS,
    Likeness.HOMOGLYPH: Reason.LOOKALIKE_HOMOGLYPH,
    Likeness.TYPO: Reason.LOOKALIKE_TYPO,
}


def domain_lookalike(
    host: str,
    userinfo: str,
    targets: Sequence[Target],
    official_skeletons: dict[str, str],
) -> Lookalike | None:
    """Why the ASCII ``host`` (not an official one) looks official. ``official_skeletons``
    maps the skeleton of each official registrable domain to its published value."""
    owner = registrable(host)
    shown = unicode_host(owner)
    real = owner if shown != owner else ""
    if (of := official_skeletons.get(skeleton(shown))) is not None:
        return Lookalike(Reason.LOOKALIKE_HOMOGLYPH, of, real)
    label = _label(owner)
    if (found := resemble(unicode_host(label), targets)) is not None:
        return Lookalike(
            _DOMAIN_REASONS[found.likeness],
            found.target.official,
            owner if found.likeness == Likeness.EXACT else real,
        )
    # The official name elsewhere in the address: in front of someone else's domain.
    prefix = host[: -len(owner)].rstrip(".") if host != owner else ""
    parts = [p for p in re.split(r"[.:]", userinfo) if p] + [p for p in prefix.split(".") if p]
    for part in parts:
        found = resemble(unicode_host(part), targets)
        if found is None:
            continue
        if found.likeness in (Likeness.HOMOGLYPH, Likeness.TYPO):
            return Lookalike(_DOMAIN_REASONS[found.likeness], found.target.official, owner)
        return Lookalike(Reason.OFFICIAL_NAME_FOREIGN_DOMAIN, found.target.official, owner)
    return None


def handle_lookalike(name: str, targets: Sequence[Target]) -> Lookalike | None:
    """Why an account name (Telegram, WeChat; not an official one) looks official."""
    found = resemble(name, targets)
    if found is None:
        return None
    if found.likeness == Likeness.EXACT:
        # "beacon_support_bot" for "BeaconSupportBot": a different account, one mark off.
        reason = Reason.OFFICIAL_NAME_UNLISTED if found.target.brand else Reason.LOOKALIKE_TYPO
        return Lookalike(reason, found.target.official)
    return Lookalike(_DOMAIN_REASONS[found.likeness], found.target.official)
