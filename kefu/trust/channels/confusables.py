"""A skeleton of a name, in the spirit of Unicode TR39: two names that look alike to a reader
get the same skeleton, so "bеacon" (Cyrillic е), "beac0n" and "beacon" all become "beacon".

Characters from other scripts are mapped to the Latin letter or digit they are confusable with,
using the Unicode confusables data shipped by ``confusable_homoglyphs``; then the confusions
inside plain ASCII that phishing relies on (``0``/``o``, ``1``/``l``/``I``, ``rn``/``m``,
``vv``/``w``) are folded too. Accents are dropped and invisible characters removed. The skeleton
is only ever compared with another skeleton: it is not a spelling of anything.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

# Inside ASCII, before lower-casing ("I" and "l" differ only in upper case).
_ASCII_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "I": "l", "|": "l"})
_ASCII_SEQUENCES = (("rn", "m"), ("vv", "w"))
_SEPARATORS = re.compile(r"[\W_]+")


@cache
def _to_latin() -> dict[str, str]:
    """Every non-ASCII character the confusables data likens to an ASCII letter or digit."""
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[str, str] = {}
    for char, homoglyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        latin = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii()]
        latin = [c for c in latin if c.isalnum()]
        if latin:
            # Prefer a small letter, then a capital, then a digit: "Ο" is "o", not "0".
            latin.sort(key=lambda c: (not c.islower(), not c.isupper()))
            table[char] = latin[0]
    return table


def fold(text: str) -> str:
    """Compatibility-normalised and lower-cased, invisible characters removed: how the name is
    spelled, without width or case differences (no look-alike folding)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf").casefold()


def skeleton(text: str) -> str:
    table = _to_latin()
    text = unicodedata.normalize("NFKC", text)
    text = "".join(table.get(c, c) for c in text if unicodedata.category(c) != "Cf")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    # Case folding can reveal more look-alikes (capital Greek to small), so map once more.
    text = text.translate(_ASCII_LOOKALIKES).casefold()
    text = "".join(table.get(c, c) for c in text).translate(_ASCII_LOOKALIKES).lower()
    for sequence, letter in _ASCII_SEQUENCES:
        text = text.replace(sequence, letter)
    return text


def compact(text: str) -> str:
    """Without separators ("beacon-support_official" → "beaconsupportofficial")."""
    return _SEPARATORS.sub("", text)


def is_mixed_script(text: str) -> bool:
    """Letters from more than one script: Latin with Cyrillic or Greek is rarely innocent."""
    scripts = set()
    for c in text:
        if c.isalpha():
            name = unicodedata.name(c, "")
            scripts.add(name.split(" ", 1)[0])
    return len(scripts) > 1
