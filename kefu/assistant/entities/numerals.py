"""Numbers as people type them in chat: "1,000.50", "1.5万", "两万五", "三千五", "一百零五".

Amounts and clock times both need this, and float would round crypto amounts, so everything is
Decimal.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10**4, "亿": 10**8}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

_Token = tuple[str, Decimal]  # ("digit" | "zero" | "unit", value)


def parse_number(text: str) -> Decimal | None:
    """The value of an Arabic, Chinese or mixed numeral, or None if it is not one.

    Colloquial forms are understood: a lone digit after a unit counts in the next lower unit
    ("三千五" is 3500, "两万五" 25000), and "点" is the Chinese decimal point.
    """
    s = text.replace(",", "").replace(" ", "")
    if not s:
        return None
    if "点" in s:
        whole, _, fraction = s.partition("点")
        if not fraction or any(c not in CN_DIGITS for c in fraction):
            return None
        integer = parse_number(whole) if whole else Decimal(0)
        if integer is None:
            return None
        return integer + Decimal("0." + "".join(str(CN_DIGITS[c]) for c in fraction))
    multiplier = Decimal(1)
    if s[-1] in "kK":
        s, multiplier = s[:-1], Decimal(1000)
    tokens = _tokenize(s)
    if not tokens:
        return None
    value = _parse_big(tokens)
    return None if value is None else value * multiplier


def _tokenize(s: str) -> list[_Token] | None:
    tokens: list[_Token] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isascii() and (ch.isdigit() or ch == "."):
            j = i
            while j < len(s) and s[j].isascii() and (s[j].isdigit() or s[j] == "."):
                j += 1
            try:
                tokens.append(("digit", Decimal(s[i:j])))
            except InvalidOperation:
                return None
            i = j
            continue
        if ch in CN_DIGITS:
            tokens.append(
                ("zero", Decimal(0)) if CN_DIGITS[ch] == 0 else ("digit", Decimal(CN_DIGITS[ch]))
            )
        elif ch in CN_SMALL_UNITS:
            tokens.append(("unit", Decimal(CN_SMALL_UNITS[ch])))
        elif ch in CN_BIG_UNITS:
            tokens.append(("unit", Decimal(CN_BIG_UNITS[ch])))
        else:
            return None
        i += 1
    return tokens


def _parse_big(tokens: list[_Token]) -> Decimal | None:
    for big in (Decimal(10**8), Decimal(10**4)):
        if ("unit", big) in tokens:
            at = tokens.index(("unit", big))
            left, right = tokens[:at], tokens[at + 1 :]
            high = _parse_big(left) if left else Decimal(1)
            if high is None:
                return None
            if len(right) == 1 and right[0][0] == "digit" and right[0][1] < 10:
                return high * big + right[0][1] * big / 10  # 两万五 = 25000
            low = _parse_big(right) if right else Decimal(0)
            return None if low is None else high * big + low
    return _parse_small(tokens)


def _parse_small(tokens: list[_Token]) -> Decimal | None:
    total = Decimal(0)
    digit: Decimal | None = None
    last_unit: Decimal | None = None
    zero_seen = False
    for kind, value in tokens:
        if kind == "zero":
            if digit is not None:
                return None
            zero_seen = True
        elif kind == "digit":
            if digit is not None:
                return None  # "一一", "三三": not a number
            digit = value
        else:
            if last_unit is not None and value >= last_unit:
                return None
            total += (digit if digit is not None else Decimal(1)) * value
            digit, last_unit, zero_seen = None, value, False
    if digit is not None:
        colloquial = last_unit is not None and not zero_seen and digit < 10 and digit == int(digit)
        total += digit * last_unit / 10 if colloquial and last_unit is not None else digit
    return total
