"""Finding secrets a user should never send: seed phrases, private keys, passwords, 2FA codes,
card numbers.

The assistant warns when it sees one and the conversation stores the text with the secret
masked. Every finding is validated where a checksum exists (BIP39, WIF and xprv base58check,
Luhn), and context words decide the ambiguous cases, because a support desk that masks tx
hashes or order ids cannot help anyone: a bare 64-hex string is a transaction hash unless the
user calls it a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import base58
from mnemonic import Mnemonic

MASK = "[masked]"


@dataclass(frozen=True)
class SecretFinding:
    kind: str  # seed_phrase | private_key | password | two_factor_code | card_number
    start: int
    end: int


@cache
def _wordlist(language: str) -> frozenset[str]:
    return frozenset(Mnemonic(language).wordlist)


_LATIN_WORD = re.compile(r"[a-zA-Z]+")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
_HEX64 = re.compile(r"(?<![0-9a-fA-Fx])(?:0x)?[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_BASE58_LONG = re.compile(r"\b[1-9A-HJ-NP-Za-km-z]{51,52}\b|\bxprv[1-9A-HJ-NP-Za-km-z]{107,108}\b")
_KEY_CONTEXT = re.compile(r"私钥|密钥|private\s*key|priv\s*key|secret\s*key|api\s*secret", re.I)
_PASSWORD = re.compile(
    r"(?:密码|登录密码|资金密码|password|passcode|pwd)\s*(?:是|为|:|：|is|=)\s*(\S{4,64})", re.I
)
_TWO_FACTOR = re.compile(
    r"(?:验证码|谷歌验证|动态码|2fa|otp|authenticator|google\s*code|verification\s*code|"
    r"sms\s*code|code)\D{0,12}?(?<!\d)(\d{6})(?!\d)",
    re.I,
)
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_CARD_CONTEXT = re.compile(r"卡号|银行卡|信用卡|card", re.I)


def find_secrets(text: str) -> list[SecretFinding]:
    findings = [
        *_seed_phrases(text),
        *_private_keys(text),
        *_passwords(text),
        *_two_factor_codes(text),
        *_card_numbers(text),
    ]
    findings.sort(key=lambda f: (f.start, -f.end))
    merged: list[SecretFinding] = []
    for finding in findings:
        if merged and finding.start < merged[-1].end:
            continue
        merged.append(finding)
    return merged


def mask_secrets(text: str) -> tuple[str, list[SecretFinding]]:
    """``text`` with every secret replaced by ``[masked]``, and what was found."""
    findings = find_secrets(text)
    for finding in reversed(findings):
        text = text[: finding.start] + MASK + text[finding.end :]
    return text, findings


def _seed_phrases(text: str) -> list[SecretFinding]:
    found = []
    english = _wordlist("english")
    words = list(_LATIN_WORD.finditer(text))
    run: list[re.Match[str]] = []
    for match in [*words, None]:
        if (
            match is not None
            and match.group().lower() in english
            and (not run or _only_separators(text[run[-1].end() : match.start()]))
        ):
            run.append(match)
            continue
        if len(run) >= 12:
            found.append(SecretFinding("seed_phrase", run[0].start(), run[-1].end()))
        run = [match] if match is not None and match.group().lower() in english else []
    chinese = _wordlist("chinese_simplified")
    for match in re.finditer(r"(?:[\u4e00-\u9fff][\s,，、]*){12,24}", text):
        chars = _HAN_CHAR.findall(match.group())
        spaced = bool(re.search(r"\s", match.group().strip()))
        if (
            len(chars) in (12, 15, 18, 21, 24)
            and all(c in chinese for c in chars)
            and (spaced or Mnemonic("chinese_simplified").check(" ".join(chars)))
        ):
            end = match.start() + len(match.group().rstrip(" ,，、"))
            found.append(SecretFinding("seed_phrase", match.start(), end))
    return found


def _only_separators(gap: str) -> bool:
    return bool(re.fullmatch(r"[\s,，、.\d]*", gap)) and len(gap) <= 6


def _private_keys(text: str) -> list[SecretFinding]:
    found = []
    for match in _BASE58_LONG.finditer(text):
        if _is_private_base58(match.group()):
            found.append(SecretFinding("private_key", match.start(), match.end()))
    if _KEY_CONTEXT.search(text):
        for match in _HEX64.finditer(text):
            found.append(SecretFinding("private_key", match.start(), match.end()))
    return found


def _is_private_base58(value: str) -> bool:
    try:
        payload = base58.b58decode_check(value)
    except ValueError:
        return False
    if value.startswith("xprv"):
        return len(payload) == 78
    return payload[:1] == b"\x80" and len(payload) in (33, 34)


def _passwords(text: str) -> list[SecretFinding]:
    return [
        SecretFinding("password", m.start(1), m.end(1))
        for m in _PASSWORD.finditer(text)
        if not _HAN_CHAR.fullmatch(m.group(1)[:1] or "x")  # "密码是什么" is a question
    ]


def _two_factor_codes(text: str) -> list[SecretFinding]:
    return [
        SecretFinding("two_factor_code", m.start(1), m.end(1)) for m in _TWO_FACTOR.finditer(text)
    ]


def _card_numbers(text: str) -> list[SecretFinding]:
    found = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if _luhn(digits) and (_card_prefix(digits) or _CARD_CONTEXT.search(text)):
            found.append(SecretFinding("card_number", match.start(), match.end()))
    return found


def _card_prefix(digits: str) -> bool:
    """Issuer ranges of the common card schemes, so Luhn-valid order ids are left alone."""
    n = len(digits)
    return (
        (digits[0] == "4" and n in (13, 16, 19))
        or (51 <= int(digits[:2]) <= 55 and n == 16)
        or (2221 <= int(digits[:4]) <= 2720 and n == 16)
        or (digits[:2] in ("34", "37") and n == 15)
        or (digits[:2] == "62" and 16 <= n <= 19)
    )


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0
