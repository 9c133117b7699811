"""Coins and networks, in English, Chinese and traders' slang, normalised to tickers and codes.

Network codes match the exchange adapter's ("BTC", "ERC20", "TRC20", "BEP20", "SOL", "TON",
...). Names that are both a coin and a chain ("以太坊", "Solana", "TON") mean the coin unless
they are said as a chain: "以太坊网络", "Solana network", "via Bitcoin", "走BTC链".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import Entity, longest_first

# Which chain a network code or coin ticker lives on; used to place bare 64-hex tx ids.
NETWORK_CHAINS = {
    "BTC": "bitcoin",
    "ERC20": "evm",
    "BEP20": "evm",
    "POLYGON": "evm",
    "ARBITRUM": "evm",
    "OPTIMISM": "evm",
    "TRC20": "tron",
    "SOL": "solana",
    "TON": "ton",
    "XRP": "xrp",
    "LIGHTNING": "lightning",
}
COIN_CHAINS = {
    "BTC": "bitcoin",
    "ETH": "evm",
    "BNB": "evm",
    "TRX": "tron",
    "SOL": "solana",
    "TON": "ton",
    "XRP": "xrp",
}


@dataclass(frozen=True)
class _Name:
    pattern: str  # a regex; ASCII ones are matched case-insensitively unless ``exact``
    coin: str = ""  # the ticker when said as a coin
    network: str = ""  # the network code when said as a chain
    exact: bool = False


# "U" for USDT is handled separately: it is only a coin when glued to a number or a verb.
_NAMES: tuple[_Name, ...] = (
    # Coins that are also the name of their own chain.
    _Name(r"btc|bitcoin|比特币|大饼", "BTC", "BTC"),
    _Name(r"eth|ether|ethereum|以太坊|以太币|以太(?!网)|姨太|二饼", "ETH", "ERC20"),
    _Name(r"bnb|币安币", "BNB", "BEP20"),
    _Name(r"sol|solana|索拉纳", "SOL", "SOL"),
    _Name(r"xrp|瑞波币|瑞波", "XRP", "XRP"),
    _Name(r"Ripple|RIPPLE", "XRP", "XRP", exact=True),
    _Name(r"TON", "TON", "TON", exact=True),
    _Name(r"toncoin", "TON", "TON"),
    _Name(r"trx|波场币", "TRX", "TRC20"),
    # Coins only.
    _Name(r"usdt|tether|泰达币|泰达", "USDT"),
    _Name(r"usdc|usd\s+coin", "USDC"),
    _Name(r"doge|dogecoin|狗狗币|狗币", "DOGE"),
    _Name(r"ADA", "ADA", exact=True),
    _Name(r"cardano|艾达币", "ADA"),
    _Name(r"LINK", "LINK", exact=True),
    _Name(r"chainlink", "LINK"),
    _Name(r"DOT", "DOT", exact=True),
    _Name(r"polkadot|波卡", "DOT"),
    _Name(r"ltc|litecoin|莱特币", "LTC"),
    _Name(r"bcn|beacon\s+(?:token|coin)|beacon币", "BCN"),
    # Networks only.
    _Name(r"erc[\s_-]?20", network="ERC20"),
    _Name(r"trc[\s_-]?20|tron|波场(?:链|网络)?", network="TRC20"),
    _Name(
        r"bep[\s_-]?20|bsc|(?:bnb|binance)\s+smart\s+chain|币安智能链|币安链",
        network="BEP20",
    ),
    _Name(r"polygon(?:\s+pos)?|matic", network="POLYGON"),
    _Name(r"arbitrum(?:\s+one)?", network="ARBITRUM"),
    _Name(r"optimism|op\s+mainnet", network="OPTIMISM"),
    _Name(r"lightning(?:\s+network)?|闪电网络", network="LIGHTNING"),
    _Name(r"xrpl|xrp\s+ledger", network="XRP"),
)

_CHAIN_SUFFIX = r"\s*(?:(?:network|chain|mainnet|blockchain)(?![A-Za-z])|网络|主网|公链|链)"
_CHAIN_PREFIX = re.compile(r"(?:(?<![A-Za-z])(?:via|through)\s+(?:the\s+)?|走|通过)$", re.I)
# "U" means USDT in "100U", "1万U", "500个U", "提U", "买点U"; never the English "u".
_USDT_U = re.compile(
    r"(?:(?<=[0-9一二三四五六七八九十百千万亿两个半点些])[Uu]"
    r"|(?<=[0-9] )U"
    r"|(?<=[提充转买卖换出收存取])[Uu])"
    r"(?![A-Za-z0-9盾])"
)


def _compile(name: _Name) -> re.Pattern[str]:
    flags = 0 if name.exact else re.IGNORECASE
    # ASCII names need ASCII boundaries (\b treats 地址 as part of the word); a leading digit
    # is allowed ("0.5btc") and checked in code, a trailing digit is not ("eth0").
    body = rf"(?<![A-Za-z])(?:{name.pattern})(?![A-Za-z0-9])"
    if name.coin and name.network:
        body = rf"(?P<name>{body})(?P<suffix>{_CHAIN_SUFFIX})?"
    return re.compile(body, flags)


_COMPILED = tuple((name, _compile(name)) for name in _NAMES)


def find_assets(text: str) -> list[Entity]:
    """Coins (kind "coin", value a ticker) and networks (kind "network", value a code)."""
    found: list[Entity] = []
    for name, pattern in _COMPILED:
        for m in pattern.finditer(text):
            if not _standalone(text, m.start()):
                continue
            found.append(_entity(text, name, m))
    found += [
        Entity("coin", "USDT", m.group(), m.start(), m.end(), {})
        for m in _USDT_U.finditer(text)
        if _standalone(text, m.start())
    ]
    return longest_first(found)


def _entity(text: str, name: _Name, m: re.Match[str]) -> Entity:
    if not name.coin:
        return _network(name.network, text, m.start(), m.end())
    if name.network and m.group("suffix"):
        return _network(name.network, text, m.start(), m.end())
    end = m.end("name") if name.network else m.end()
    if name.network and _CHAIN_PREFIX.search(text[max(0, m.start() - 12) : m.start()]):
        return _network(name.network, text, m.start(), end)
    return Entity("coin", name.coin, text[m.start() : end], m.start(), end, {})


def _network(code: str, text: str, start: int, end: int) -> Entity:
    return Entity("network", code, text[start:end], start, end, {"chain": NETWORK_CHAINS[code]})


def _standalone(text: str, start: int) -> bool:
    """A name glued to digits counts only if those digits are a number ("0.5btc", not "a9btc")."""
    i = start
    while i > 0 and (text[i - 1].isdigit() or text[i - 1] in ".,") and text[i - 1].isascii():
        i -= 1
    return i == start or i == 0 or not (text[i - 1].isascii() and text[i - 1].isalnum())
