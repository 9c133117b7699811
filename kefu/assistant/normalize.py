"""Cleaning a chat message before it is understood.

Users type on phones, in two scripts, with emoji and full-width punctuation. Matching and
entity extraction see one canonical form: NFKC (full-width to half-width), traditional to
simplified Chinese, lower case, emoji and other symbols dropped, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

from kefu.helpcenter.search.text import normalize as fold_text

_SPACE = re.compile(r"\s+")
# Symbol categories: So (emoji, dingbats), Sk (modifiers), Cf (zero-width joiners, variation
# selectors) and the private use area — none of them carry words.
_DROPPED_CATEGORIES = {"So", "Sk", "Cf", "Co", "Cs"}


def strip_symbols(text: str) -> str:
    return "".join(" " if unicodedata.category(ch) in _DROPPED_CATEGORIES else ch for ch in text)


def normalize_message(text: str) -> str:
    """The canonical form of ``text`` used for matching (not for display)."""
    return _SPACE.sub(" ", strip_symbols(fold_text(text))).strip()
