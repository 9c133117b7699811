"""Deposit or withdrawal: the one distinction a crypto support desk must never get backwards.

"提现还没到账" (my withdrawal has not arrived) shares its words with the many deposit
phrasings that say "还没到账", so words and sentence vectors alike rank deposit articles first.
The words that name a direction are few and unambiguous, so a plain rule settles it: search
lists and the assistant put articles about the other direction after the rest (the assistant
drops them). An article's direction is read from its titles the same way, so any help center
gets this without tagging its articles.
"""

from __future__ import annotations

import re
from typing import Literal

Side = Literal["deposit", "withdrawal"]

# On the normalised text (lower case, simplified, half-width). "提u" and "充u" cover
# "提USDT" / "充USDT"; "提的" / "充的" cover "我提的币" / "我充的币".
_WORDS: dict[Side, re.Pattern[str]] = {
    "deposit": re.compile(r"充值|充币|充进|充入|充u|充的|入金|存入|\bdeposit|\btop(ped)? ?up\b"),
    "withdrawal": re.compile(r"提现|提币|提款|提u|提的|提出|出金|\bwithdr[ae]w|\bcash(ed)? ?out\b"),
}


# Asking after something sent that has not shown up: "还没到", "到哪了", "where is my", "stuck".
# Not "在哪" or a bare "where is": "提现按钮在哪" asks for a button, not a status.
_WHEREABOUTS = re.compile(
    r"没到|未到|没收到|没有到|到哪|去哪|哪去了|不见了|卡住|卡着|一直没|怎么还没"
    r"|\bwhere(?:'s| is| are) my\b|\bnot (?:arrived|received|credited|showing up)\b"
    r"|\b(?:hasn'?t|has not|haven'?t|have not|didn'?t|did not|never) (?:arrived|come|got|"
    r"received|receive|arrive|shown up)\b|\bmissing\b|\bstuck\b"
)


def asks_whereabouts(text: str) -> bool:
    """Whether ``text`` (normalised) asks where something sent has got to."""
    return bool(_WHEREABOUTS.search(text))


def side_of(*texts: str) -> Side | None:
    """The one direction ``texts`` speak of, or ``None`` for neither or both."""
    found = {side for side, words in _WORDS.items() for text in texts if words.search(text)}
    return found.pop() if len(found) == 1 else None
