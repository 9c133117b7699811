"""Amounts of money or crypto: "100 USDT", "0.5btc", "1,000.50 USDT", "1万U", "五百个USDT".

The number is the entity; its unit (a coin ticker found by ``assets``, a fiat code, or "" when
none was said) goes in ``attrs["unit"]``, so the coin stays an entity of its own. A bare number
counts only when it cannot be anything else: it has a multiplier ("3千"), is written in Chinese
("两百"), or follows a money verb ("提了500", "sent 500"). Values are Decimal strings, never
float, because amounts are compared with ledgers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from .base import Entity, overlaps_any
from .numerals import CN_BIG_UNITS, CN_DIGITS, CN_NUMERAL_CHARS, CN_SMALL_UNITS, parse_number

_UNITS = "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)
_CN = CN_NUMERAL_CHARS
_CN_DIGIT_CHARS = "".join(CN_DIGITS)
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![.,/]\d)"

_NUMBER = re.compile(
    r"(?<![0-9A-Za-z.,/第])"
    r"(?P<prefix>[$¥]\s?)?"
    rf"(?P<num>{_ARABIC}(?:[{_UNITS}][0-9{_CN}]*)?(?:[kK](?![A-Za-z]))?"
    rf"|[{_CN}]+(?:点[{_CN_DIGIT_CHARS}]+)?"
    r"|半)"
    r"(?P<half>个半)?"
)
_FIAT = re.compile(
    r"(?P<cny>元|块钱|块|人民币|(?i:rmb|cny)(?![A-Za-z]))"
    r"|(?P<usd>美元|美金|刀|(?i:usd|dollars?|bucks)(?![A-Za-z]))"
)
_MONEY_WORD_BEFORE = re.compile(
    r"(?:(?:提现|提币|提|充值|充币|充|转账|转|汇|买入|买|卖出|卖|存|取|收到|到账|入金|出金"
    r"|金额|数量|余额|少|丢|扣|手续费|付|花)(?:了|过)?"
    r"|(?<![A-Za-z])(?:withdrew|withdrawn|withdrawal|withdraw|deposited|deposit|sent|send"
    r"|transferred|transfer|received|receive|bought|buy|sold|sell|paid|pay|lost|amount"
    r"|balance|fee))"
    r"(?:\s*(?:of|is|was|:|：|=|是|为|有|约|大概|大约))*\s*$",
    re.IGNORECASE,
)
# After a bare number these say it counts something other than money: "3天", "三千人", "5%".
_NOT_MONEY_AFTER = frozenset(
    "天日号年月周星期时小点分秒次人位名岁遍倍层楼条张页步种样项件份字足几届代期级度米克斤台部辆只本句%"
)
_WORDS_AFTER_MONEY = frozenset(
    {
        "to",
        "from",
        "on",
        "at",
        "in",
        "into",
        "out",
        "yesterday",
        "today",
        "but",
        "and",
        "via",
        "through",
        "last",
        "this",
        "for",
        "onto",
        "which",
        "that",
    }
)
_WORD = re.compile(r"[A-Za-z]+")


def find_amounts(
    text: str, *, coins: Iterable[Entity] = (), taken: Sequence[tuple[int, int]] = ()
) -> list[Entity]:
    """Amounts in ``text``, skipping spans in ``taken`` (hashes, ids, times found first).

    ``coins`` are the coin entities already found; a number right before one gets its ticker.
    """
    coin_at = {c.start: c.value for c in coins if c.kind == "coin"}
    found: list[Entity] = []
    for m in _NUMBER.finditer(text):
        if overlaps_any(m.start(), m.end(), taken) or _after_weekday(text, m.start()):
            continue
        entity = _amount(text, m, coin_at)
        if entity is not None:
            found.append(entity)
    return found


def _amount(text: str, m: re.Match[str], coin_at: dict[int, str]) -> Entity | None:
    num = m.group("num")
    value = Decimal("0.5") if num == "半" else parse_number(num)
    if value is None:
        return None
    if m.group("half"):
        value += Decimal("0.5")
    pos = _skip_spaces(text, m.end())
    approximate = pos < len(text) and text[pos] in "多余"
    if approximate:
        pos = _skip_spaces(text, pos + 1)
    counted = pos < len(text) and text[pos] in "个枚颗"
    if counted:
        pos = _skip_spaces(text, pos + 1)
    unit = _unit_at(text, pos, coin_at, m.group("prefix") or "")
    if unit == "" and not _bare_number_is_money(text, m, pos, counted):
        return None
    attrs = {"unit": unit}
    if approximate:
        attrs["approximate"] = "true"
    return Entity("amount", _plain(value), m.group(), m.start(), m.end(), attrs)


def _unit_at(text: str, pos: int, coin_at: dict[int, str], prefix: str) -> str:
    if pos in coin_at:
        return coin_at[pos]
    fiat = _FIAT.match(text, pos)
    if fiat:
        return "CNY" if fiat.group("cny") else "USD"
    if prefix.startswith("$"):
        return "USD"
    if prefix.startswith("¥"):
        return "CNY"
    return ""


def _bare_number_is_money(text: str, m: re.Match[str], pos: int, counted: bool) -> bool:
    num = m.group("num")
    if pos < len(text) and text[pos] in _NOT_MONEY_AFTER:
        return False
    if m.end() < len(text) and text[m.end()].isascii() and text[m.end()].isalpha():
        return False  # "2FA", "3x"
    word = _WORD.match(text, pos)
    if word and word.group().lower() not in _WORDS_AFTER_MONEY:
        return False  # "sent 2 emails"
    after_money_word = bool(_MONEY_WORD_BEFORE.search(text[max(0, m.start() - 30) : m.start()]))
    if counted or num[0].isascii():
        # "提了500个" / "提了500": only a money verb makes these amounts; "3千", "10k" are.
        multiplied = any(c in _UNITS or c in "kK" for c in num)
        return after_money_word or (multiplied and not counted)
    # Chinese numerals: "两百", "三千" yes; "一" (一下), "千万" (by all means), "半" no.
    if num == "半" or (len(num) == 1 and num in CN_DIGITS):
        return after_money_word and num != "半"
    return num[0] not in _UNITS or num[0] == "十"


def _after_weekday(text: str, start: int) -> bool:
    return text[max(0, start - 2) : start].endswith(("周", "星期", "礼拜"))


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _plain(value: Decimal) -> str:
    """A Decimal as plain digits: "10000", not "1E+4"; "1000.5", not "1000.50"."""
    return format(value.normalize(), "f")
