"""From raw text to search tokens, the same way for articles and for queries.

Normalisation: NFKC (full-width to half-width), traditional to simplified Chinese, lower case.
Segmentation: jieba's search mode (long words also yield their sub-words), extended with the
support domain's vocabulary. Latin words are stemmed so "withdrawals" finds "withdraw".
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from importlib import resources

import opencc
import rjieba
import snowballstemmer

_WORD = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"^[0-9a-z]+$")
_ALPHA = re.compile(r"^[a-z]+$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

_converter = opencc.OpenCC("t2s")
_stemmer = snowballstemmer.stemmer("english")
_stem_lock = threading.Lock()
_dictionary_lock = threading.Lock()
_known_words: set[str] = set()


def _data_lines(name: str) -> list[str]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


STOPWORDS: frozenset[str] = frozenset(
    w for line in _data_lines("stopwords.txt") for w in line.split()
)


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter whole words (domain terms, synonyms) so they are not split apart."""
    with _dictionary_lock:
        for word in words:
            word = normalize(word).strip()
            if word and _HAN.search(word) and " " not in word and word not in _known_words:
                rjieba.add_word(word, 50_000, "n")
                _known_words.add(word)


def normalize(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case."""
    text = unicodedata.normalize("NFKC", text)
    if _HAN.search(text):
        text = _converter.convert(text)
    return text.lower()


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    if len(word) <= 3 or not _ALPHA.match(word):
        return word
    with _stem_lock:  # the snowball stemmer object is not thread-safe
        return str(_stemmer.stemWord(word))


def segment(text: str) -> list[str]:
    """Normalised tokens in order, stop words kept (queries need them for phrase matching)."""
    tokens = []
    for raw in rjieba.cut_for_search(normalize(text)):
        token = raw.strip()
        if token and _WORD.search(token):
            tokens.append(stem(token) if _LATIN.match(token) else token)
    return tokens


def tokenize(text: str) -> list[str]:
    """The tokens that go into the index or the query: segmented, without stop words."""
    return [t for t in segment(text) if t not in STOPWORDS]


def dictionary_words(token: str) -> list[str]:
    """``token`` split by the dictionary alone, without stop words. The segmenter's guesses at
    unknown words glue characters together ("我提的币" -> "提的币"), which no article contains;
    its dictionary words ("提", "币") are what the index knows."""
    return [w for w in rjieba.cut(token, False) if w.strip() and w not in STOPWORDS]


def is_han(token: str) -> bool:
    return bool(_HAN.search(token))


def is_latin(token: str) -> bool:
    return bool(_LATIN.match(token))


add_words(_data_lines("domain_words.txt"))
