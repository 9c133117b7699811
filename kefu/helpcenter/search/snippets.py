"""Cutting a short, highlighted excerpt around the words a search matched."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable

from .text import is_latin


def _folded(text: str) -> tuple[str, list[int] | range]:
    """Text folded like the index (NFKC, lower case) with a map back to original positions."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) == len(text):
        return folded, range(len(text))  # the usual case: folding kept every character's place
    out: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(text):
        piece = unicodedata.normalize("NFKC", ch).lower()
        out.append(piece)
        positions.extend([i] * len(piece))
    return "".join(out), positions


def _hits(folded: str, words: Iterable[str]) -> list[tuple[int, int, str]]:
    hits = []
    for word in words:
        if not word:
            continue
        start = folded.find(word)
        while start != -1:
            end = start + len(word)
            if is_latin(word):
                if start > 0 and folded[start - 1].isalnum():
                    start = folded.find(word, start + 1)
                    continue
                while end < len(folded) and folded[end].isalnum():
                    end += 1  # stems ("withdraw") highlight the whole word ("withdrawals")
            hits.append((start, end, word))
            start = folded.find(word, end)
    hits.sort()
    merged: list[tuple[int, int, str]] = []
    for hit in hits:
        if merged and hit[0] < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], hit[1]), last[2])
        else:
            merged.append(hit)
    return merged


def highlight(text: str, words: Iterable[str], width: int = 160) -> str:
    """An HTML-escaped excerpt of about ``width`` characters with matches in ``<mark>``."""
    text = " ".join(text.split())
    folded, positions = _folded(text)
    hits = _hits(folded, set(words))
    if not hits:
        cut = text[:width]
        return html.escape(cut) + ("…" if len(text) > width else "")
    best_start, best_score = 0, -1
    for start, _end, _word in hits:
        window = [h for h in hits if start <= h[0] and h[1] <= start + width]
        score = len({h[2] for h in window}) * 10 + len(window)
        if score > best_score:
            best_start, best_score = start, score
    lead = width // 6
    begin = max(0, positions[best_start] - lead)
    end = min(len(text), begin + width)
    pieces: list[str] = ["…" if begin > 0 else ""]
    cursor = begin
    for start, stop, _word in hits:
        a, b = positions[start], positions[stop - 1] + 1
        if a < begin or b > end:
            continue
        pieces.append(html.escape(text[cursor:a]))
        pieces.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    pieces.append(html.escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return "".join(pieces)
