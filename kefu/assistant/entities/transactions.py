"""Transaction ids: the one fact that lets an agent find a deposit on any explorer.

Bitcoin and TRON (and TON, XRP) ids are both 64 bare hex digits, so the chain is only known
from context; EVM chains write 0x + 64 hex; Solana signatures are 64 bytes in base58. A 64-hex
string may also be a private key: telling those apart and masking them is the trust app's job,
not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import replace

from .base import B58, NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM, Entity, b58decode

_EVM_TX = re.compile(rf"{NOT_AFTER_ALNUM}0[xX][0-9a-fA-F]{{64}}{NOT_BEFORE_ALNUM}")
_HEX_TX = re.compile(rf"{NOT_AFTER_ALNUM}[0-9a-fA-F]{{64}}{NOT_BEFORE_ALNUM}")
_SOLANA_SIG = re.compile(rf"{NOT_AFTER_ALNUM}[{B58}]{{64,90}}{NOT_BEFORE_ALNUM}")

AMBIGUOUS_HEX_CHAIN = "bitcoin_or_tron"


def find_tx_hashes(text: str) -> list[Entity]:
    """Transaction ids in ``text``, in text order, with ``attrs["chain"]`` as far as known."""
    found = [
        Entity("tx_hash", m.group().lower(), m.group(), m.start(), m.end(), {"chain": "evm"})
        for m in _EVM_TX.finditer(text)
    ]
    found += [
        Entity(
            "tx_hash",
            m.group().lower(),
            m.group(),
            m.start(),
            m.end(),
            {"chain": AMBIGUOUS_HEX_CHAIN},
        )
        for m in _HEX_TX.finditer(text)
    ]
    for m in _SOLANA_SIG.finditer(text):
        raw = b58decode(m.group())
        if raw is not None and len(raw) == 64:
            found.append(
                Entity("tx_hash", m.group(), m.group(), m.start(), m.end(), {"chain": "solana"})
            )
    return sorted(found, key=lambda e: e.start)


def resolve_hex_chain(entity: Entity, context_chains: Collection[str]) -> Entity:
    """Settle a bare 64-hex id's chain when the rest of the message names exactly one.

    ``context_chains`` are the chains of the coins, networks and addresses mentioned
    ("bitcoin", "tron", "evm", ...). An EVM context gets the 0x form users paste into explorers.
    """
    if entity.attrs.get("chain") != AMBIGUOUS_HEX_CHAIN:
        return entity
    chains = set(context_chains) & {"bitcoin", "tron", "evm", "ton"}
    if len(chains) != 1:
        return entity
    chain = chains.pop()
    value = "0x" + entity.value if chain == "evm" else entity.value
    return replace(entity, value=value, attrs={**entity.attrs, "chain": chain})
