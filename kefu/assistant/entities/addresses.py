"""Blockchain addresses, accepted only when their checksum or structure proves them.

A support agent acts on an address (whitelists it, traces a deposit to it), so a string that
merely has the shape of one is not enough: a typo must be caught here and reported as such.
Solana is the exception that cannot be proved: any 32 bytes is a valid key, so only length and
base58 are checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field, replace

import bech32
from Crypto.Hash import keccak

from .base import (
    NOT_AFTER_ALNUM,
    NOT_BEFORE_ALNUM,
    Entity,
    b58decode,
    fold_width,
    overlaps_any,
)

_BECH32M_CONST = 0x2BC830A3  # BIP350; plain bech32 (BIP173) checks against 1
_BECH32_CHARSET = bech32.CHARSET

_EVM = re.compile(r"0[xX][0-9a-fA-F]{38,42}")
_SEGWIT = re.compile(r"(?i)bc1[0-9a-z]{6,87}")
_TRON = re.compile(r"T[0-9A-Za-z]{33}")
_BTC_BASE58 = re.compile(r"[13][0-9A-Za-z]{25,34}")
_TON = re.compile(r"[EUk0][0-9A-Za-z_-]{47}")
_SOLANA = re.compile(r"[0-9A-Za-z]{32,44}")  # base58 is checked when decoding
_HEX = re.compile(r"[0-9a-fA-F]+")

_ALNUM_RUN = re.compile(rf"{NOT_AFTER_ALNUM}[0-9A-Za-z]{{12,90}}{NOT_BEFORE_ALNUM}")
_TON_RUN = re.compile(r"(?<![0-9A-Za-z_-])[EUk0][0-9A-Za-z_-]{47}(?![0-9A-Za-z_-])")

# Shapes whose failures are worth telling the user about: each has a checksum or a fixed form.
_REPORTABLE = frozenset({"evm", "segwit", "tron", "btc", "ton"})


@dataclass(frozen=True)
class AddressCheck:
    """The verdict on one candidate address; ``reason`` is "ok" or a stable failure code."""

    address: str
    valid: bool
    reason: str
    chain: str = ""
    address_type: str = ""
    normalized: str = ""
    attrs: dict[str, str] = field(default_factory=dict, hash=False)


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of a 0x address (Keccak-256, which is not NIST SHA3-256)."""
    lower = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(d, 16) >= 8 else c
        for c, d in zip(lower, digest[:40], strict=True)
    )


def check_address(candidate: str) -> AddressCheck:
    """Say whether ``candidate`` is a valid mainnet address, and if not, why not."""
    s = candidate.strip()
    shape = _shape(s, from_text=False)
    if shape == "evm":
        return _check_evm(s)
    if shape == "segwit":
        return _check_segwit(s)
    if shape == "tron":
        return _check_tron(s)
    if shape == "btc":
        verdict = _check_btc_base58(s)
        if not verdict.valid and len(s) >= 32:
            solana = _check_solana(s)
            if solana.valid:
                return solana
        return verdict
    if shape == "ton":
        return _check_ton(s)
    if shape == "solana":
        return _check_solana(s)
    return AddressCheck(s, False, "unrecognised")


def find_addresses(text: str) -> list[Entity]:
    """Valid addresses in ``text``; strings that fail their checksum are left out."""
    return [e for e in _scan(text) if e.kind == "address"]


def invalid_addresses(text: str) -> list[Entity]:
    """Strings shaped like a checksummed address that fail it, as kind "invalid_address".

    ``attrs["reason"]`` says why ("bad_checksum", "bad_length", ...) and ``attrs["chain"]``
    which chain the string resembles, so the assistant can say "that address has a typo".
    """
    return [e for e in _scan(text) if e.kind == "invalid_address"]


def _scan(text: str) -> list[Entity]:
    folded = fold_width(text)  # "ｂｃ１ｑ…" pasted from a full-width IME is still an address
    found: list[Entity] = []
    for match in _TON_RUN.finditer(folded):
        found.extend(_entity_for(match.group(), match.start()))
    ton_spans = [(e.start, e.end) for e in found]
    for match in _ALNUM_RUN.finditer(folded):
        if not overlaps_any(match.start(), match.end(), ton_spans):
            found.extend(_entity_for(match.group(), match.start()))
    return sorted((replace(e, text=text[e.start : e.end]) for e in found), key=lambda e: e.start)


def _entity_for(token: str, start: int) -> list[Entity]:
    shape = _shape(token, from_text=True)
    if shape is None:
        return []
    verdict = check_address(token)
    end = start + len(token)
    if verdict.valid:
        attrs = {"chain": verdict.chain, "address_type": verdict.address_type, **verdict.attrs}
        return [Entity("address", verdict.normalized, token, start, end, attrs)]
    if shape in _REPORTABLE:
        attrs = {"chain": _SHAPE_CHAIN[shape], "reason": verdict.reason}
        return [Entity("invalid_address", token, token, start, end, attrs)]
    return []


_SHAPE_CHAIN = {"evm": "evm", "segwit": "bitcoin", "btc": "bitcoin", "tron": "tron", "ton": "ton"}


def _shape(s: str, *, from_text: bool) -> str | None:
    """Which address family ``s`` resembles, before any checksum is looked at.

    In free text, base58 shapes must also look random (upper, lower and digits), so words and
    plain numbers are not taken for, or reported as, addresses.
    """
    if _EVM.fullmatch(s):
        return "evm"
    if _SEGWIT.fullmatch(s):
        return "segwit"
    if from_text and _HEX.fullmatch(s):
        return None
    random_looking = not from_text or _looks_random(s)
    if _TRON.fullmatch(s) and random_looking:
        return "tron"
    if _BTC_BASE58.fullmatch(s) and random_looking:
        return "btc"
    if _TON.fullmatch(s) and random_looking:
        return "ton"
    if _SOLANA.fullmatch(s) and (not from_text or _has_letter_and_digit(s)):
        return "solana"
    return None


def _looks_random(s: str) -> bool:
    return (
        any(c.isupper() for c in s)
        and any(c.islower() for c in s)
        and any(c.isdigit() for c in s[1:])
    )


def _has_letter_and_digit(s: str) -> bool:
    return any(c.isalpha() for c in s) and any(c.isdigit() for c in s)


def _check_evm(s: str) -> AddressCheck:
    body = s[2:]
    if len(body) != 40:
        return AddressCheck(s, False, "bad_length", chain="evm")
    canonical = eip55_checksum(s)
    if body == body.lower() or body == body.upper():
        checksum = "unchecked"
    elif "0x" + body == canonical:
        checksum = "valid"
    else:
        return AddressCheck(s, False, "bad_checksum", chain="evm")
    return AddressCheck(s, True, "ok", "evm", "account", canonical, {"checksum": checksum})


def _check_segwit(s: str) -> AddressCheck:
    """BIP173/BIP350: witness v0 uses bech32 with a 20- or 32-byte program, v1+ uses bech32m."""

    def fail(reason: str) -> AddressCheck:
        return AddressCheck(s, False, reason, chain="bitcoin")

    if s != s.lower() and s != s.upper():
        return fail("mixed_case")
    lower = s.lower()
    if len(lower) > 90:
        return fail("bad_length")
    data_part = lower[3:]
    if any(c not in _BECH32_CHARSET for c in data_part):
        return fail("invalid_character")
    values = [_BECH32_CHARSET.index(c) for c in data_part]
    if len(values) < 7:  # a witness version and a 6-character checksum at least
        return fail("bad_length")
    constant = bech32.bech32_polymod(bech32.bech32_hrp_expand("bc") + values)
    if constant == 1:
        encoding = "bech32"
    elif constant == _BECH32M_CONST:
        encoding = "bech32m"
    else:
        return fail("bad_checksum")
    version = values[0]
    if version > 16:
        return fail("bad_witness_version")
    program = bech32.convertbits(values[1:-6], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return fail("bad_witness_program")
    if version == 0 and len(program) not in (20, 32):
        return fail("bad_witness_program")
    if (version == 0) != (encoding == "bech32"):
        return fail("wrong_encoding")
    attrs = {"witness_version": str(version)}
    return AddressCheck(s, True, "ok", "bitcoin", encoding, lower, attrs)


def _base58check(s: str) -> tuple[bytes, str]:
    """The payload of a 25-byte base58check string, or b"" and the reason it is not one."""
    raw = b58decode(s)
    if raw is None:
        return b"", "invalid_character"
    if len(raw) != 25:
        return b"", "bad_length"
    if hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] != raw[-4:]:
        return b"", "bad_checksum"
    return raw[:-4], "ok"


def _check_btc_base58(s: str) -> AddressCheck:
    payload, reason = _base58check(s)
    if not payload:
        return AddressCheck(s, False, reason, chain="bitcoin")
    address_type = {0x00: "p2pkh", 0x05: "p2sh"}.get(payload[0])
    if address_type is None:
        return AddressCheck(s, False, "bad_version", chain="bitcoin")
    return AddressCheck(s, True, "ok", "bitcoin", address_type, s)


def _check_tron(s: str) -> AddressCheck:
    payload, reason = _base58check(s)
    if not payload:
        return AddressCheck(s, False, reason, chain="tron")
    if payload[0] != 0x41:
        return AddressCheck(s, False, "bad_version", chain="tron")
    return AddressCheck(s, True, "ok", "tron", "base58check", s)


def _crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _check_ton(s: str) -> AddressCheck:
    """A user-friendly TON address: flag, workchain, 32-byte account and CRC16-XMODEM."""
    try:
        raw = base64.urlsafe_b64decode(s)
    except (binascii.Error, ValueError):
        return AddressCheck(s, False, "invalid_character", chain="ton")
    if len(raw) != 36:
        return AddressCheck(s, False, "bad_length", chain="ton")
    if _crc16_xmodem(raw[:34]) != int.from_bytes(raw[34:], "big"):
        return AddressCheck(s, False, "bad_checksum", chain="ton")
    flag, workchain = raw[0], raw[1]
    if flag & 0x80:
        return AddressCheck(s, False, "testnet", chain="ton")
    if flag not in (0x11, 0x51) or workchain not in (0x00, 0xFF):
        return AddressCheck(s, False, "bad_version", chain="ton")
    address_type = "bounceable" if flag == 0x11 else "non_bounceable"
    return AddressCheck(s, True, "ok", "ton", address_type, s)


def _check_solana(s: str) -> AddressCheck:
    if not 32 <= len(s) <= 44:
        return AddressCheck(s, False, "bad_length", chain="solana")
    raw = b58decode(s)
    if raw is None:
        return AddressCheck(s, False, "invalid_character", chain="solana")
    if len(raw) != 32:
        return AddressCheck(s, False, "bad_length", chain="solana")
    return AddressCheck(s, True, "ok", "solana", "ed25519", s)
