"""Exchange-side ids: order ids, support ticket numbers and the customer's UID.

These are what the self-service checks look up, so an id is taken only where its form is
unambiguous (the demo exchange's 18-digit order ids) or a keyword says what it is.
"""

from __future__ import annotations

import re

from .base import Entity

_SEP = r"(?:\s*(?:[:：#=]|is(?![A-Za-z])|是|为|号码|号))*\s*"
_UID = re.compile(
    rf"(?i)(?:(?<![A-Za-z])uid|用户\s*id|用户编号){_SEP}(?P<id>\d{{6,10}})(?![0-9A-Za-z])"
)
_TICKET_KEYWORD = re.compile(
    rf"(?i)(?:(?<![A-Za-z])ticket|工单)(?:\s*(?:no\.?|number|id|编号))?{_SEP}"
    r"#?(?P<id>\d{6,})(?![0-9A-Za-z])"
)
_TICKET_HASH = re.compile(r"(?<![0-9A-Za-z&#])#(?P<id>\d{6,})(?![0-9A-Za-z])")
_ORDER_KEYWORD = re.compile(
    rf"(?i)(?:(?<![A-Za-z])order(?:\s*(?:id|no\.?|number))?|订单编号|订单号|订单|委托单号|委托单){_SEP}"
    r"(?P<id>[A-Za-z0-9][A-Za-z0-9-]{6,22}[A-Za-z0-9])(?![0-9A-Za-z-])"
)
# The demo exchange's order ids: exactly 18 digits, e.g. 230915123456789012.
_ORDER_FORMAT = re.compile(r"(?<![0-9A-Za-z.])(?P<id>\d{18})(?![0-9A-Za-z]|\.\d)")


def find_identifiers(text: str) -> list[Entity]:
    """UIDs, ticket numbers and order ids; a keyword's reading wins over a bare number's."""
    found: list[Entity] = []

    def add(kind: str, m: re.Match[str], value: str, source: str) -> None:
        start, end = m.span("id")
        if not any(e.overlaps(start, end) for e in found):
            found.append(Entity(kind, value, m.group("id"), start, end, {"source": source}))

    for m in _UID.finditer(text):
        add("uid", m, m.group("id"), "keyword")
    for m in _TICKET_KEYWORD.finditer(text):
        add("ticket", m, m.group("id"), "keyword")
    for m in _ORDER_KEYWORD.finditer(text):
        if any(c.isdigit() for c in m.group("id")):
            add("order_id", m, m.group("id"), "keyword")
    for m in _ORDER_FORMAT.finditer(text):
        add("order_id", m, m.group("id"), "format")
    for m in _TICKET_HASH.finditer(text):
        add("ticket", m, m.group("id"), "format")
    return sorted(found, key=lambda e: e.start)
