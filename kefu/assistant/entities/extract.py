"""One call that pulls every fact out of a message, for the assistant and the agent handover.

Extractors run from the most specific form to the loosest (hashes and addresses, ids, times,
coins and networks, amounts) and a later one never claims text an earlier one took, so the
digits of a tx hash never become an amount and "3小时前" never becomes "3".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from .addresses import find_addresses, invalid_addresses
from .amounts import find_amounts
from .assets import COIN_CHAINS, find_assets
from .base import Entity, fold_width, longest_first, overlaps_any
from .identifiers import find_identifiers
from .times import find_times
from .transactions import find_tx_hashes, resolve_hex_chain

_CJK = re.compile(r"[\u3400-\u9fff]")


def extract_entities(
    text: str, *, now: datetime | None = None, tz: str | tzinfo | None = None
) -> list[Entity]:
    """Entities in ``text`` in text order, never overlapping, spans against ``text`` itself.

    Relative times are resolved against ``now`` (aware; default: the current time) in ``tz``
    (default Asia/Shanghai for Chinese text, UTC otherwise). Strings shaped like an address
    that fail their checksum are left out; ``invalid_addresses`` reports them.
    """
    folded = fold_width(text)
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = _zone(tz, folded)

    accepted: list[Entity] = []
    # A mistyped address is claimed too (but not returned), so its pieces are not read as
    # amounts or coins.
    blocked = [(e.start, e.end) for e in invalid_addresses(folded)]

    def take(candidates: Iterable[Entity]) -> None:
        for entity in candidates:
            spans = blocked + [(e.start, e.end) for e in accepted]
            if not overlaps_any(entity.start, entity.end, spans):
                accepted.append(entity)

    take(longest_first(find_tx_hashes(folded) + find_addresses(folded)))
    take(find_identifiers(folded))
    take(find_times(folded, now=moment, tz=zone))
    take(find_assets(folded))
    coins = [e for e in accepted if e.kind == "coin"]
    take(find_amounts(folded, coins=coins, taken=blocked + [(e.start, e.end) for e in accepted]))

    chains = _context_chains(accepted)
    result = [
        replace(resolve_hex_chain(e, chains), text=text[e.start : e.end])
        if e.kind == "tx_hash"
        else replace(e, text=text[e.start : e.end])
        for e in accepted
    ]
    return sorted(result, key=lambda e: e.start)


def _zone(tz: str | tzinfo | None, folded: str) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    if tz:
        return ZoneInfo(tz)
    return ZoneInfo("Asia/Shanghai" if _CJK.search(folded) else "UTC")


def _context_chains(entities: Iterable[Entity]) -> set[str]:
    """Chains the message is about, from networks, then addresses, then coins."""
    entities = list(entities)
    for kinds in (("network",), ("address",)):
        chains = {e.attrs["chain"] for e in entities if e.kind in kinds and "chain" in e.attrs}
        if chains:
            return chains
    return {COIN_CHAINS[e.value] for e in entities if e.kind == "coin" and e.value in COIN_CHAINS}
