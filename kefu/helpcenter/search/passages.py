"""An article's body cut into passages a sentence encoder can read, one per section or part.

Users ask about details an article answers in its body ("will my trading bot keep running
while the account is frozen?") but that its title and similar questions never mention. The
body as a whole is too long and too mixed for one vector; a passage of a few sentences under
its heading is what a question matches. Each passage starts with the article's title and its
section's heading, so "How long does it take?" under "Unfreezing" still says what it is about.
"""

from __future__ import annotations

import re

from ..rendering import plain_text

# Long enough for a table row or a few sentences, short enough that one topic dominates the
# vector (passages of 120, 200 and 400 characters found the held-out questions of the demo
# help center about as well; 300 keeps the count of vectors low).
MAX_CHARS = 300
# A very long article keeps its first passages only: the vectors live in every web process.
MAX_PASSAGES = 16

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[。！？；.!?;])\s+|(?<=[。！？；])")


def passages(title: str, body: str) -> list[str]:
    """The passages of one translation: ``body`` is its Markdown source."""
    found: list[str] = []
    for heading, section in _sections(body):
        prefix = f"{title} {heading}".strip() if heading else title.strip()
        for chunk in _chunks(plain_text(section)):
            found.append(f"{prefix}: {chunk}" if prefix else chunk)
            if len(found) == MAX_PASSAGES:
                return found
    return found


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, Markdown under it); text before the first heading has no heading."""
    marks = list(_HEADING.finditer(body))
    parts = [("", body[: marks[0].start()] if marks else body)]
    ends = [mark.start() for mark in marks[1:]] + [len(body)]
    for mark, end in zip(marks, ends[: len(marks)], strict=True):
        parts.append((mark.group(1).strip("*_ "), body[mark.end() : end]))
    return [(heading, text) for heading, text in parts if text.strip()]


def _chunks(text: str) -> list[str]:
    """Whole sentences (or lines, for lists and tables) joined up to ``MAX_CHARS``."""
    pieces = [
        piece.strip()
        for line in text.splitlines()
        for piece in _SENTENCE_END.split(line)
        if piece.strip()
    ]
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + 1 + len(piece) > MAX_CHARS:
            chunks.append(current)
            current = ""
        current = f"{current} {piece}".strip()
    if current:
        chunks.append(current)
    return [chunk[:MAX_CHARS] for chunk in chunks]
