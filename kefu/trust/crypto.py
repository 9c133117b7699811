"""Encryption of personal data at rest, and the keyed hashes that find it again.

Values are Fernet tokens (AES-128-CBC with HMAC-SHA256, a random IV each time): a database dump
or a backup alone reveals nothing. ``KEFU_FIELD_KEYS`` lists keys newest first; the newest
encrypts and every one decrypts, so a new key can be put in front at any time and old values
re-encrypted later (``kefu trust rotate-keys``).

Because encryption is randomised, equal values do not compare equal in SQL. Lookups go through
a separate column holding HMAC-SHA256 of the normalised value under ``KEFU_LOOKUP_KEY``: whoever
holds only the database cannot test guesses against it, and the desk finds "the customer with
this email" on an index.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = [
    "InvalidToken",
    "decrypt",
    "encrypt",
    "is_current",
    "lookup_hash",
    "normalise",
    "reencrypted",
]

NON_DIGITS = re.compile(r"\D+")


@cache
def _keys() -> tuple[Fernet, ...]:
    keys = settings.KEFU_FIELD_KEYS
    if not keys:
        raise ValueError("KEFU_FIELD_KEYS is empty: personal data cannot be encrypted.")
    return tuple(Fernet(key.encode() if isinstance(key, str) else key) for key in keys)


@cache
def _all_keys() -> MultiFernet:
    return MultiFernet(list(_keys()))


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in {"KEFU_FIELD_KEYS", "KEFU_LOOKUP_KEY"}:
        _keys.cache_clear()
        _all_keys.cache_clear()


def encrypt(plaintext: str) -> str:
    """A token of ``plaintext`` under the newest key."""
    return _keys()[0].encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The plaintext of a token made with any configured key; ``InvalidToken`` otherwise."""
    return _all_keys().decrypt(token.encode("ascii")).decode()


def is_current(token: str) -> bool:
    """Whether ``token`` is already encrypted with the newest key (rotation skips it)."""
    try:
        _keys()[0].decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def reencrypted(token: str) -> str | None:
    """``token``'s plaintext under the newest key, or ``None`` when it already is."""
    if is_current(token):
        return None
    return _all_keys().rotate(token.encode("ascii")).decode("ascii")


def normalise(kind: str, value: str) -> str:
    """The form two spellings of one value share: emails trimmed and lower-cased, phone numbers
    reduced to their digits, anything else trimmed."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        return NON_DIGITS.sub("", value)
    return value


def lookup_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 (hex) of the normalised value; empty for an empty value, so blank fields
    never match each other."""
    normal = normalise(kind, value)
    if not normal:
        return ""
    key = settings.KEFU_LOOKUP_KEY.encode()
    return hmac.new(key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()
