"""Which language a message is written in: zh, en or other.

Replies follow the user's language. Chinese is decided by script (any Han character makes a
support message Chinese: "我的USDT没到账" is Chinese with an English ticker). Latin-script text is
classified by langid among common languages, so that a Spanish or Russian message is "other"
and gets an English reply offering a person, rather than a misread answer. A message of only
codes ("TRC20", "USDT", an address, an order id) or one short word ("ok") says nothing about
the language: it is "undetermined" and the conversation keeps its language, so a Chinese
customer answering "TRC20" to a question is not suddenly answered in English.
"""

from __future__ import annotations

import re
import threading
from typing import Literal

from langid.langid import LanguageIdentifier, model

Language = Literal["zh", "en", "other", "undetermined"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")
# Hashes and addresses run to dozens of characters; no English word does.
_CODE_LENGTH = 20
_CANDIDATES = ["en", "es", "fr", "de", "pt", "it", "nl", "ru", "tr", "vi", "id", "pl", "uk", "ar"]
# Short English messages ("deposit?", "hi") are often guessed as something else; only a
# confident guess moves a Latin message away from English.
_OTHER_CONFIDENCE = 0.9

_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def _langid() -> LanguageIdentifier:
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
            _identifier.set_languages(_CANDIDATES)
        return _identifier


def detect_language(text: str) -> Language:
    if _KANA_HANGUL.search(text):
        return "other"
    if _HAN.search(text):
        return "zh"
    letters = _LETTERS.findall(text)
    if not letters:
        return "undetermined"
    if any(not ("a" <= ch.lower() <= "z") for ch in letters) and _mostly_non_ascii(letters):
        return "other"  # Cyrillic, Arabic, Thai ...
    if _only_codes(text):
        return "undetermined"
    words = text.split()
    if len(words) < 3:
        return "en"
    guess, confidence = _langid().classify(text)
    return "en" if guess == "en" or confidence < _OTHER_CONFIDENCE else "other"


def _only_codes(text: str) -> bool:
    """Tickers, networks, ids and hashes only, or a single word of up to three letters."""
    words = _LATIN_WORD.findall(text)
    if len(words) == 1 and len(words[0]) <= 3:
        return True
    return all(
        w.isupper() or any(ch.isdigit() for ch in w) or len(w) >= _CODE_LENGTH for w in words
    )


def _mostly_non_ascii(letters: list[str]) -> bool:
    return sum(1 for ch in letters if not ch.isascii()) > len(letters) / 2


def reply_language(language: Language, preferred: str | None = None) -> str:
    """The Django language code to answer in."""
    if language == "zh":
        return "zh-hans"
    if language == "en":
        return "en"
    return preferred if preferred in ("zh-hans", "en") else "en"  # other or undetermined
