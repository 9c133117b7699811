"""Decoding text whose declared charset cannot be trusted.

Mail from Chinese clients is routinely labelled gb2312 while it contains GBK characters (GBK and
GB18030 are supersets), and Big5 mail uses the Hong Kong and Microsoft extensions; decoding by
the label alone turns names and addresses into replacement characters. Unknown or missing labels
fall back to UTF-8, then GB18030, then Latin-1 (which never fails).
"""

from __future__ import annotations

import codecs
from email.header import decode_header

# Declared label -> codec to decode with (a superset that reads the same bytes the same way).
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
}
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a declared charset, or None when it is unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    label = SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Text from ``data`` in its declared charset, else the first charset that reads it whole."""
    declared = codec_for(label)
    tried: list[str] = []
    for codec in (declared, *FALLBACKS):
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    # Nothing reads it whole: keep what the declared (or UTF-8) reading can, marking the rest.
    return data.decode(declared or "utf-8", errors="replace")


def decode_header_value(value: str) -> str:
    """A header's text: RFC 2047 encoded words decoded with the charsets above, and raw 8-bit
    bytes (which the email package keeps as surrogate escapes) read as UTF-8 or GB18030."""
    if not value:
        return ""
    try:
        parts = decode_header(value)
    except Exception:
        parts = [(value, None)]
    out: list[str] = []
    for chunk, label in parts:
        if isinstance(chunk, str):
            out.append(_unescape(chunk))
        else:
            # Unencoded runs between encoded words come back as raw-unicode-escape bytes.
            out.append(decode_bytes(chunk, label) if label else _unescape(_raw(chunk)))
    text = "".join(out)
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _raw(chunk: bytes) -> str:
    try:
        return chunk.decode("raw-unicode-escape")
    except UnicodeError:
        return chunk.decode("latin-1")


def _unescape(text: str) -> str:
    """Undo the email package's surrogate escapes of 8-bit header bytes."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))
