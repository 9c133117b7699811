"""When something happened, as users say it: "昨天下午3点", "3小时前", "yesterday 3pm".

Deposits and withdrawals are looked up by time window, so a phrase is resolved against the
moment the message was sent (``now``) in the user's time zone, and the value says how precise
it is: "minute", "hour", "day" or "part_of_day" (with ``attrs["end"]`` closing the window).
A date without a year is the most recent such date, since users report the past.

Phrases are found as parts (a day, a part of day, a clock time) and adjacent parts are merged,
so "11月20日 下午3点", "3pm yesterday" and "today at 10:30" each become one entity.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from .base import Entity, longest_first
from .numerals import parse_number

_CN_NUM = "[零〇一二两三四五六七八九十]"
_NUM = rf"(?:\d{{1,2}}|{_CN_NUM}{{1,3}})"

# Part of day -> (start hour, end hour); an end past 24 runs into the next day.
PARTS_OF_DAY = {
    "early_morning": (0, 6),
    "morning": (6, 12),
    "noon": (11, 13),
    "afternoon": (12, 18),
    "evening": (18, 24),
    "night": (18, 30),
    "late_night": (23, 29),
}
_ZH_PARTS = {
    "凌晨": "early_morning",
    "清晨": "morning",
    "早上": "morning",
    "早晨": "morning",
    "上午": "morning",
    "中午": "noon",
    "下午": "afternoon",
    "傍晚": "evening",
    "晚上": "evening",
    "夜里": "night",
    "夜间": "night",
    "半夜": "late_night",
    "深夜": "late_night",
}
_DAY_WORDS = {
    "大前天": -3,
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "the day before yesterday": -2,
    "yesterday": -1,
    "today": 0,
    "tomorrow": 1,
}
_DAY_AND_PART = {
    "昨晚": (-1, "evening"),
    "昨夜": (-1, "night"),
    "今早": (0, "morning"),
    "今晨": (0, "morning"),
    "今晚": (0, "evening"),
    "明早": (1, "morning"),
    "明晚": (1, "evening"),
    "tonight": (0, "evening"),
    "last night": (-1, "night"),
    "this morning": (0, "morning"),
    "this afternoon": (0, "afternoon"),
    "this evening": (0, "evening"),
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "a couple of": 2,
    "couple of": 2,
}
_UNIT_WORDS = {
    "分钟": "minutes",
    "分": "minutes",
    "小时": "hours",
    "钟头": "hours",
    "天": "days",
    "日": "days",
    "周": "weeks",
    "星期": "weeks",
    "礼拜": "weeks",
    "月": "months",
    "min": "minutes",
    "minute": "minutes",
    "hr": "hours",
    "hour": "hours",
    "day": "days",
    "week": "weeks",
    "month": "months",
}

_EN = r"(?<![A-Za-z])"
_EN_END = r"(?![A-Za-z])"
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO_DATETIME = re.compile(
    r"(?<![\d.])\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?!\d)"
)
_DATE_NUMERIC = re.compile(
    r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d|\.\d)"
)
_DATE_ZH = re.compile(
    rf"(?:(?P<y>\d{{4}})\s*年\s*)?(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM}|[二三]十{_CN_NUM}?)\s*[日号]"
)
_DATE_SLASH = re.compile(r"(?<![\d/.])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])")
_DATE_EN = re.compile(
    rf"(?i){_EN}(?:(?P<mon>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{_MONTH_NAMES})\.?)"
    rf"(?:,?\s+(?P<y>\d{{4}}))?(?![\dA-Za-z])"
)
_DAY_WORD = re.compile(
    r"大前天|前天|昨天|昨日|今天|今日|明天|明日|后天"
    rf"|(?i:{_EN}(?:the day before yesterday|yesterday|today|tomorrow){_EN_END})"
)
_DAY_AND_PART_WORD = re.compile(
    r"昨晚|昨夜|今早|今晨|今晚|明早|明晚"
    rf"|(?i:{_EN}(?:tonight|last\s+night|this\s+(?:morning|afternoon|evening)){_EN_END})"
)
_PART_ZH = re.compile("|".join(_ZH_PARTS))
_PART_EN = re.compile(
    rf"(?i){_EN}(?:in\s+the\s+|at\s+)?(?P<p>morning|afternoon|evening|night){_EN_END}"
)
_CLOCK_ZH = re.compile(
    rf"(?<![\d.])(?P<h>{_NUM})\s*[点时]"
    rf"(?:(?:(?P<half>半)|(?P<quarter>一刻|三刻)|(?P<min>{_NUM}|[二三四五]十{_CN_NUM}?)\s*分"
    r"|(?P<min2>\d{2})(?![\d.])|(?P<oclock>钟|整)))?"
)
_CLOCK_COLON = re.compile(
    r"(?<![\d:.])(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)(?::(?P<sec>[0-5]\d))?(?![\d:])"
    r"(?:\s*(?P<ampm>(?i:[ap]\.?m\.?))(?![A-Za-z]))?"
)
_CLOCK_AMPM = re.compile(
    r"(?<![\d:.])(?P<h>1[0-2]|0?[1-9])\s*(?:(?P<ampm>(?i:[ap]\.?m\.?))(?![A-Za-z])"
    r"|(?P<oclock>(?i:o'?clock))(?![A-Za-z]))"
)
_CLOCK_WORD = re.compile(rf"(?i){_EN}(?:at\s+)?(?P<w>noon|midday|midnight){_EN_END}")
_AGO_ZH = re.compile(
    r"(?<![\d.])(?:(?P<n>\d{1,4}(?:\.\d{1,2})?|[零一二两三四五六七八九十百]{1,4})\s*个?\s*(?P<half>半)?"
    r"|(?P<half2>半))"
    r"\s*个?\s*(?P<unit>分钟|分|小时|钟头|天|日|周|星期|礼拜|月)\s*(?:之前|以前|前)"
)
_AGO_EN = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?P<n>\d{1,4}(?:\.\d{1,2})?|half\s+an?|a\s+couple\s+of|couple\s+of"
    r"|forty-five"
    rf"|{'|'.join(sorted((k for k in _EN_NUMBERS if ' ' not in k), key=len, reverse=True))})"
    r"\s+(?P<unit>min|minute|hr|hour|day|week|month)s?\s+ago(?![A-Za-z])"
)
_JOIN = re.compile(r"\s*(?:(?i:at|around|about|on)\s+|,\s*|的\s*)?")


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int = 0
    second: int = 0
    has_minute: bool = False
    has_second: bool = False
    ampm: str = ""  # "am" / "pm" when said
    needs_context: bool = False  # "两点" alone is "two points", not 2 o'clock


@dataclass(frozen=True)
class _Part:
    start: int
    end: int
    slots: frozenset[str]  # which of "date", "part", "clock" this part fills
    day: date | None = None
    year_inferred: bool = False
    part_of_day: str = ""
    clock: _Clock | None = None


def find_times(text: str, *, now: datetime, tz: tzinfo) -> list[Entity]:
    """Date/time mentions in ``text`` resolved against ``now`` (aware) in zone ``tz``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(tz)
    found = _relative(text, local_now) + _absolute_iso(text, tz)
    taken = [(e.start, e.end) for e in found]
    parts = [
        p for p in _parts(text, local_now) if not any(s < p.end and p.start < e for s, e in taken)
    ]
    for group in _merge(text, parts):
        entity = _resolve(text, group, local_now, tz)
        if entity is not None:
            found.append(entity)
    return longest_first(found)


def _parts(text: str, local_now: datetime) -> list[_Part]:
    today = local_now.date()
    parts: list[_Part] = []
    for m in _DATE_NUMERIC.finditer(text):
        day = _date(int(m["y"]), int(m["m"]), int(m["d"]))
        if day:
            parts.append(_Part(m.start(), m.end(), frozenset({"date"}), day))
    for m in _DATE_ZH.finditer(text):
        month, day_of_month = parse_number(m["m"]), parse_number(m["d"])
        if month is not None and day_of_month is not None:
            parts += _dated(m, today, m["y"], int(month), int(day_of_month))
    for m in _DATE_SLASH.finditer(text):
        if len(m.group()) >= 4:
            parts += _dated(m, today, None, int(m["m"]), int(m["d"]))
    for m in _DATE_EN.finditer(text):
        name = (m["mon"] or m["mon2"]).lower()
        if name == "may" and not (m["mon"] or m["mon2"])[0].isupper():
            continue  # "I may 5 ..." is not a date
        parts += _dated(m, today, m["y"], _MONTHS[name], int(m["d"] or m["d2"]))
    for m in _DAY_WORD.finditer(text):
        offset = _DAY_WORDS[re.sub(r"\s+", " ", m.group().lower())]
        parts.append(_Part(m.start(), m.end(), frozenset({"date"}), today + timedelta(offset)))
    for m in _DAY_AND_PART_WORD.finditer(text):
        offset, part = _DAY_AND_PART[re.sub(r"\s+", " ", m.group().lower())]
        day = today + timedelta(offset)
        parts.append(_Part(m.start(), m.end(), frozenset({"date", "part"}), day, part_of_day=part))
    for m in _PART_ZH.finditer(text):
        parts.append(
            _Part(m.start(), m.end(), frozenset({"part"}), part_of_day=_ZH_PARTS[m.group()])
        )
    for m in _PART_EN.finditer(text):
        parts.append(_Part(m.start(), m.end(), frozenset({"part"}), part_of_day=m["p"].lower()))
    parts += _clocks(text)
    return _without_overlaps(parts)


def _clocks(text: str) -> list[_Part]:
    parts: list[_Part] = []
    slot = frozenset({"clock"})
    for m in _CLOCK_ZH.finditer(text):
        hour = parse_number(m["h"])
        if hour is None or hour > 24:
            continue
        rest = text[m.end() : m.end() + 1]
        bare = not (m["half"] or m["quarter"] or m["min"] or m["min2"] or m["oclock"])
        if bare and rest and (rest.isdigit() or rest in "零〇一二两三四五六七八九"):
            continue  # "3点5个" / "三点五": a decimal, not a time
        minute = _zh_minute(m)
        if minute is None or minute > 59:
            continue
        clock = _Clock(
            int(hour),
            minute,
            has_minute=not bare and not m["oclock"],
            needs_context=bare and not m["h"].isdigit(),
        )
        parts.append(_Part(m.start(), m.end(), slot, clock=clock))
    for m in _CLOCK_COLON.finditer(text):
        clock = _Clock(
            int(m["h"]),
            int(m["min"]),
            int(m["sec"] or 0),
            has_minute=True,
            has_second=bool(m["sec"]),
            ampm=_ampm(m["ampm"]),
        )
        parts.append(_Part(m.start(), m.end(), slot, clock=clock))
    for m in _CLOCK_AMPM.finditer(text):
        parts.append(
            _Part(m.start(), m.end(), slot, clock=_Clock(int(m["h"]), ampm=_ampm(m["ampm"])))
        )
    for m in _CLOCK_WORD.finditer(text):
        noon = m["w"].lower() in ("noon", "midday")
        clock = _Clock(12 if noon else 0, has_minute=True, ampm="pm" if noon else "am")
        parts.append(_Part(m.start(), m.end(), slot, clock=clock))
    return parts


def _zh_minute(m: re.Match[str]) -> int | None:
    if m["half"]:
        return 30
    if m["quarter"]:
        return 15 if m["quarter"] == "一刻" else 45
    if m["min"] or m["min2"]:
        value = parse_number(m["min"] or m["min2"])
        return None if value is None else int(value)
    return 0


def _ampm(said: str | None) -> str:
    return "" if not said else ("pm" if said[0].lower() == "p" else "am")


def _dated(
    m: re.Match[str], today: date, year: str | None, month: int, day_of_month: int
) -> list[_Part]:
    if year:
        day = _date(int(year), month, day_of_month)
        return [_Part(m.start(), m.end(), frozenset({"date"}), day)] if day else []
    day = _date(today.year, month, day_of_month)
    if day and day > today:
        day = _date(today.year - 1, month, day_of_month)
    if day is None:
        return []
    return [_Part(m.start(), m.end(), frozenset({"date"}), day, year_inferred=True)]


def _date(year: int, month: int, day_of_month: int) -> date | None:
    try:
        return date(year, month, day_of_month)
    except ValueError:
        return None


def _without_overlaps(parts: list[_Part]) -> list[_Part]:
    kept: list[_Part] = []
    for part in sorted(parts, key=lambda p: (-(p.end - p.start), p.start)):
        if not any(k.start < part.end and part.start < k.end for k in kept):
            kept.append(part)
    return sorted(kept, key=lambda p: p.start)


def _merge(text: str, parts: list[_Part]) -> list[list[_Part]]:
    """Group adjacent parts that fill different slots: [昨天][下午][3点] is one moment.

    Chinese says day, part of day, clock in that order; only English puts the day after the
    clock ("3pm yesterday"), so "2点 昨天" stays two mentions.
    """
    groups: list[list[_Part]] = []
    for part in parts:
        if groups:
            last = groups[-1]
            filled = frozenset().union(*(p.slots for p in last))
            in_order = _rank(part) > max(_rank(p) for p in last)
            english = text[part.start].isascii()
            joined = _JOIN.fullmatch(text[last[-1].end : part.start])
            if not (filled & part.slots) and joined and (in_order or english):
                last.append(part)
                continue
        groups.append([part])
    return groups


def _rank(part: _Part) -> int:
    return 0 if "date" in part.slots else 1 if "part" in part.slots else 2


def _resolve(text: str, group: list[_Part], local_now: datetime, tz: tzinfo) -> Entity | None:
    day = next((p.day for p in group if p.day), None)
    part = next((p.part_of_day for p in group if p.part_of_day), "")
    clock = next((p.clock for p in group if p.clock), None)
    if day is None and clock is None:
        return None  # "早上好", "good morning"
    if clock is not None and clock.needs_context and day is None and not part:
        return None
    attrs: dict[str, str] = {}
    if any(p.year_inferred for p in group):
        attrs["year"] = "inferred"
    base = day or local_now.date()
    if clock is not None:
        hour = _hour_of_day(clock, part)
        if not clock.ampm and not part and 1 <= clock.hour <= 12:
            attrs["ambiguous"] = "am_pm"
        # Past midnight only when a day was named: "昨天半夜2点" is early today, "半夜2点" too.
        extra_days, hour = divmod(hour, 24)
        if day is None:
            extra_days = 0
        moment = datetime.combine(
            base + timedelta(extra_days), time(hour, clock.minute, clock.second)
        )
        precision = "second" if clock.has_second else "minute" if clock.has_minute else "hour"
    elif part:
        start_hour, end_hour = PARTS_OF_DAY[part]
        moment = datetime.combine(base, time(start_hour))
        closes = datetime.combine(base, time()) + timedelta(hours=end_hour)
        precision = "part_of_day"
        attrs["part_of_day"] = part
        attrs["end"] = closes.replace(tzinfo=tz).isoformat()
    else:
        moment = datetime.combine(base, time())
        precision = "day"
    start, end = group[0].start, group[-1].end
    attrs = {"precision": precision, **attrs}
    value = moment.replace(tzinfo=tz).isoformat()
    return Entity("datetime", value, text[start:end], start, end, attrs)


def _hour_of_day(clock: _Clock, part: str) -> int:
    """The 0-based hour (24+ means the next day) of a spoken hour in a part of the day."""
    hour = clock.hour
    if clock.ampm:
        hour = hour % 12 + (12 if clock.ampm == "pm" else 0)
        return hour + 24 if part in ("night", "late_night") and hour < 6 else hour
    if hour > 12:
        return hour
    if part == "early_morning":
        return 0 if hour == 12 else hour
    if part == "noon":
        return hour + 12 if 1 <= hour <= 5 else hour
    if part in ("afternoon", "evening"):
        return hour + 12 if hour < 12 or part == "evening" else hour
    if part in ("night", "late_night"):
        if hour < 6:
            return hour + 24
        return hour + 12
    return hour


def _absolute_iso(text: str, tz: tzinfo) -> list[Entity]:
    found = []
    for m in _ISO_DATETIME.finditer(text):
        try:
            moment = datetime.fromisoformat(m.group())
        except ValueError:
            continue
        moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
        precision = "second" if m.group().count(":") >= 2 and "T" in m.group() else "minute"
        found.append(
            Entity(
                "datetime",
                moment.isoformat(),
                m.group(),
                m.start(),
                m.end(),
                {"precision": precision},
            )
        )
    return found


def _relative(text: str, local_now: datetime) -> list[Entity]:
    found = []
    for m in _AGO_ZH.finditer(text):
        amount = parse_number(m["n"]) if m["n"] else Decimal(0)
        if amount is None:
            continue
        if m["half"] or m["half2"]:
            amount += Decimal("0.5")
        found.append(_ago(text, m, local_now, amount, _UNIT_WORDS[m["unit"]]))
    for m in _AGO_EN.finditer(text):
        said = re.sub(r"\s+", " ", m["n"].lower())
        if said.startswith("half"):
            amount = Decimal("0.5")
        elif said in _EN_NUMBERS:
            amount = Decimal(_EN_NUMBERS[said])
        else:
            amount = Decimal(said)
        found.append(_ago(text, m, local_now, amount, _UNIT_WORDS[m["unit"].lower()]))
    return [e for e in found if e.value]


def _ago(text: str, m: re.Match[str], local_now: datetime, amount: Decimal, unit: str) -> Entity:
    zone = local_now.tzinfo
    if unit == "months":
        months = int(amount)
        year, month = divmod(local_now.year * 12 + local_now.month - 1 - months, 12)
        last_day = calendar.monthrange(year, month + 1)[1]
        day = date(year, month + 1, min(local_now.day, last_day))
        moment = datetime.combine(day, time(), tzinfo=zone)
        precision = "day"
    else:
        seconds = amount * {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}[unit]
        # Subtract in UTC so "3小时前" across a DST change is three real hours.
        moment = (local_now.astimezone(UTC) - timedelta(seconds=int(seconds))).astimezone(zone)
        if unit in ("days", "weeks"):
            moment = datetime.combine(moment.date(), time(), tzinfo=zone)
            precision = "day"
        else:
            moment = moment.replace(second=0, microsecond=0)
            whole_hours = unit == "hours" and amount == int(amount)
            precision = "hour" if whole_hours else "minute"
    value = moment.isoformat() if amount > 0 else ""
    attrs = {"precision": precision, "relative": "true"}
    return Entity("datetime", value, m.group(), m.start(), m.end(), attrs)
