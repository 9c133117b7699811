"""The entity record and the span helpers every extractor shares.

Extractors work on width-folded text whose character positions equal the original's, so an
entity's ``start``/``end`` can be used to highlight or mask the user's own words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import base58

# Kinds an entity can have; "invalid_address" is only produced by ``invalid_addresses``.
KINDS = frozenset(
    {
        "tx_hash",
        "address",
        "order_id",
        "coin",
        "network",
        "amount",
        "datetime",
        "uid",
        "ticket",
        "invalid_address",
    }
)

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B58 = "1-9A-HJ-NP-Za-km-z"  # the alphabet as a regex character-class body

# Identifiers are glued to Chinese text without spaces, so "word boundary" means "not next to
# another ASCII letter or digit" (\b would treat 地址TR7N... as one word).
NOT_AFTER_ALNUM = r"(?<![0-9A-Za-z])"
NOT_BEFORE_ALNUM = r"(?![0-9A-Za-z])"

# Folding "，" would turn "100，200" (two numbers in Chinese prose) into "100,200" (one).
_KEEP_UNFOLDED = frozenset("，")


@dataclass(frozen=True)
class Entity:
    """One fact found in a message: what it is, its normalised value and where it was said."""

    kind: str
    value: str
    text: str
    start: int
    end: int
    attrs: dict[str, str] = field(default_factory=dict, hash=False)

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


def fold_width(text: str) -> str:
    """Fold full-width and other compatibility characters one by one, keeping every position.

    Whole-string NFKC can change the length ("㎏" → "kg"), which would shift every span after
    it; characters whose NFKC form is not a single character are left as they are.
    """
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        out.append(folded if len(folded) == 1 and ch not in _KEEP_UNFOLDED else ch)
    return "".join(out)


def overlaps_any(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def longest_first(candidates: Iterable[Entity]) -> list[Entity]:
    """Keep the longest of overlapping candidates (then the earliest); return them in text order."""
    kept: list[Entity] = []
    for entity in sorted(candidates, key=lambda e: (-(e.end - e.start), e.start)):
        if not any(entity.overlaps(k.start, k.end) for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: e.start)


def b58decode(text: str) -> bytes | None:
    """Decode base58 (Bitcoin alphabet), or None if a character is outside the alphabet."""
    try:
        return base58.b58decode(text)
    except ValueError:
        return None
