"""Finding secrets a user should never send, and masking them before anything is stored or logged.

Seed phrases, private keys, API secrets, passwords, 2FA codes and card numbers. Every finding is
validated where a checksum exists (BIP39, WIF and extended keys' base58check, Luhn), and the
words around a value decide the ambiguous cases, because a support desk that masks tx hashes,
addresses or order ids cannot help anyone: a bare 64-hex string is a transaction hash unless the
user calls it a key.

The placeholder names the kind (``[masked: seed phrase]``) so that staff reading a transcript
know what the customer tried to send without ever seeing it. It is the same in every language:
it is part of the stored record; the notice the customer gets explains it in their language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import base58
from mnemonic import Mnemonic

KINDS = ("seed_phrase", "private_key", "api_secret", "password", "two_factor_code", "card_number")
LABELS = {
    "seed_phrase": "seed phrase",
    "private_key": "private key",
    "api_secret": "API secret",
    "password": "password",
    "two_factor_code": "2FA code",
    "card_number": "card number",
}
PLACEHOLDER = re.compile(r"\[masked: [A-Za-z0-9 ]+\]")


@dataclass(frozen=True)
class SecretFinding:
    kind: str  # one of KINDS
    start: int
    end: int


def placeholder(kind: str) -> str:
    return f"[masked: {LABELS[kind]}]"


def find_secrets(text: str) -> list[SecretFinding]:
    """Every secret in ``text``, in order, without overlaps (the earliest, longest wins)."""
    findings = [
        *_seed_phrases(text),
        *_base58_keys(text),
        *_hex_and_base58_by_context(text),
        *_api_secrets(text),
        *_passwords(text),
        *_two_factor_codes(text),
        *_card_numbers(text),
    ]
    findings.sort(key=lambda f: (f.start, -f.end, KINDS.index(f.kind)))
    merged: list[SecretFinding] = []
    for finding in findings:
        if merged and finding.start < merged[-1].end:
            continue
        merged.append(finding)
    return merged


def mask_secrets(text: str) -> tuple[str, list[SecretFinding]]:
    """``text`` with every secret replaced by a placeholder naming its kind, and what was found.

    The one function every channel calls before it stores what a customer wrote."""
    findings = find_secrets(text)
    if not findings:
        return text, findings
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts += [text[position : finding.start], placeholder(finding.kind)]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts), findings


def without_secrets(text: str) -> str:
    """``text`` with its secrets masked, for callers that need no findings."""
    return mask_secrets(text)[0]


class Redactor:
    """Masks the texts of one submission (subject, body, fields, file names) and remembers the
    kinds found, so that the customer gets one notice for all of them. ``already`` are kinds a
    channel masked before handing the submission on (an email's subject and HTML body)."""

    def __init__(self, already: Sequence[str] = ()) -> None:
        self.findings: list[SecretFinding] = []
        self.already = list(already)

    def mask(self, text: str) -> str:
        masked, found = mask_secrets(text)
        self.findings += found
        return masked

    @property
    def kinds(self) -> list[str]:
        found = {*self.already, *(f.kind for f in self.findings)}
        return [kind for kind in KINDS if kind in found]


def kinds_of(findings: list[SecretFinding]) -> list[str]:
    """The kinds found, each once, in the order of :data:`KINDS`."""
    found = {f.kind for f in findings}
    return [kind for kind in KINDS if kind in found]


def without_placeholders(text: str) -> str:
    """What is left of a masked text once the placeholders are taken out."""
    return PLACEHOLDER.sub("", text)


# Seed phrases ----------------------------------------------------------------------------------


@cache
def _mnemonic(language: str) -> Mnemonic:
    return Mnemonic(language)


@cache
def _wordlist(language: str) -> frozenset[str]:
    return frozenset(_mnemonic(language).wordlist)


PHRASE_LENGTHS = (12, 15, 18, 21, 24)
_LATIN_WORD = re.compile(r"[a-zA-Z]+")
# What may stand between the words of a phrase: spaces, commas, numbering ("1. ", "(2)", "#3").
_WORD_GAP = re.compile(r"[\s,，、.;；:：()（）\[\]#|/_\-\d]{1,8}")
_HAN = "\u4e00-\u9fff"
_HAN_SEP = r"\s,，、.;；:：()（）\[\]#|/\-\d"
# Twelve or more Han characters standing alone, each apart from the next ("灯 翻 词 ...").
_HAN_APART = re.compile(
    rf"(?<![{_HAN}])[{_HAN}](?![{_HAN}])(?:[{_HAN_SEP}]{{1,6}}[{_HAN}](?![{_HAN}])){{11,}}"
)
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_NAMED_HAN_PHRASE = re.compile(
    rf"(?:助记词|助记码|记忆词|恢复短语|种子短语|种子词|备份词|钱包词|"
    rf"\bseed(?:\s*phrase)?|\bmnemonic|\brecovery\s*(?:phrase|words))"
    rf"(?:是|为|如下|[:：\s])*(?P<phrase>[{_HAN}]{{12,24}})(?![{_HAN}])",
    re.I,
)


def _seed_phrases(text: str) -> Iterator[SecretFinding]:
    yield from _english_phrases(text)
    if _HAN_CHAR.search(text):
        yield from _chinese_phrases(text)


def _english_phrases(text: str) -> Iterator[SecretFinding]:
    """Twelve or more BIP39 words in a row. No checksum is required: a phrase with one word
    mistyped is still a secret, and ordinary prose breaks a run within a few words ("I", "my",
    "to", "the" are not BIP39 words)."""
    english = _wordlist("english")
    run_start = run_end = -1
    count = 0
    for match in _LATIN_WORD.finditer(text):
        if match.group().lower() not in english:
            if count >= 12:
                yield SecretFinding("seed_phrase", run_start, run_end)
            count = 0
            continue
        if count and _WORD_GAP.fullmatch(text[run_end : match.start()]):
            count += 1
        else:
            if count >= 12:
                yield SecretFinding("seed_phrase", run_start, run_end)
            run_start, count = match.start(), 1
        run_end = match.end()
    if count >= 12:
        yield SecretFinding("seed_phrase", run_start, run_end)


def _chinese_phrases(text: str) -> Iterator[SecretFinding]:
    """Chinese phrases are single characters, and most common characters are BIP39 words, so
    prose alone proves nothing (a 12-character clause passes the checksum one time in 16):
    characters written one by one with separators are a phrase; characters written together are
    one only right after words that call them a phrase, filling the whole run up to the next
    punctuation, with a valid checksum."""
    chinese = _wordlist("chinese_simplified")
    for run in _HAN_APART.finditer(text):
        if all(c in chinese for c in _HAN_CHAR.findall(run.group())):
            yield SecretFinding("seed_phrase", run.start(), run.end())
    for match in _NAMED_HAN_PHRASE.finditer(text):
        phrase = match.group("phrase")
        if (
            len(phrase) in PHRASE_LENGTHS
            and all(c in chinese for c in phrase)
            and _mnemonic("chinese_simplified").check(" ".join(phrase))
        ):
            yield SecretFinding("seed_phrase", match.start("phrase"), match.end("phrase"))


# Private keys and API secrets ------------------------------------------------------------------

_B58 = "1-9A-HJ-NP-Za-km-z"
_WIF = re.compile(rf"(?<![{_B58}])[5KL9c][{_B58}]{{50,51}}(?![{_B58}])")
_EXTENDED_KEY = re.compile(rf"(?<![{_B58}])[xyztuvXYZUV]prv[{_B58}]{{100,112}}(?![{_B58}])")
_HEX_KEY = re.compile(r"(?<![0-9A-Za-z])(?:0[xX])?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
_BASE58_64_BYTES = re.compile(rf"(?<![{_B58}])[{_B58}]{{86,90}}(?![{_B58}])")
# The words that say what a long hex or base58 value is; the nearest one decides.
_CUES = re.compile(
    r"(?P<public>\b(?:public|pub)[\s_-]*key\b|\bpubkey\b|公钥|\baddress\b|地址)"
    r"|(?P<api>\bapi[\s_-]*(?:secret|key)(?:[\s_-]*secret)?\b|api\s*(?:密钥|私钥|秘钥)|"
    r"\bsecret[\s_-]*key\b|\bapikey\b|\baccess[\s_-]*key\b|密钥|秘钥)"
    r"|(?P<key>\bprivate[\s_-]*key\b|\bpriv[\s_-]*key\b|\bprivkey\b|私钥|\bkey\b)"
    r"|(?P<hash>\btx[\s_-]*(?:id|hash)\b|\btxid\b|\btxhash\b|\btx\b|\btransaction\b|\bhash\b|"
    r"\bsignature\b|\bblock\b|哈希|交易|区块|签名|转账)",
    re.I,
)
_BEFORE, _AFTER = 80, 40
_CLAUSE_BREAK = re.compile(r"[。！？!?，,;；|\n]|\.(?:\s|$)")


def _base58_keys(text: str) -> Iterator[SecretFinding]:
    """WIF and extended private keys carry a checksum: no context needed."""
    for match in _WIF.finditer(text):
        payload = _b58check(match.group())
        if payload is not None and _is_wif(payload):
            yield SecretFinding("private_key", match.start(), match.end())
    for match in _EXTENDED_KEY.finditer(text):
        payload = _b58check(match.group())
        if payload is not None and len(payload) == 78 and payload[45:46] == b"\x00":
            yield SecretFinding("private_key", match.start(), match.end())


def _is_wif(payload: bytes) -> bool:
    """Mainnet (0x80) or testnet (0xef) version, 32 key bytes, and 0x01 if compressed."""
    if payload[:1] not in (b"\x80", b"\xef"):
        return False
    return len(payload) == 33 or (len(payload) == 34 and payload[-1:] == b"\x01")


def _b58check(value: str) -> bytes | None:
    try:
        return base58.b58decode_check(value)
    except ValueError:
        return None


def _hex_and_base58_by_context(text: str) -> Iterator[SecretFinding]:
    """64-hex values (EVM, TRON, Bitcoin keys; also every tx hash) and 64-byte base58 values
    (Solana keys; also every Solana signature): a secret only when the nearest cue calls it one."""
    for match in _HEX_KEY.finditer(text):
        kind = _called(text, match.start(), match.end())
        if kind:
            yield SecretFinding(kind, match.start(), match.end())
    for match in _BASE58_64_BYTES.finditer(text):
        try:
            decoded = base58.b58decode(match.group())
        except ValueError:
            continue
        if len(decoded) == 64:
            kind = _called(text, match.start(), match.end())
            if kind:
                yield SecretFinding(kind, match.start(), match.end())


def _called(text: str, start: int, end: int) -> str:
    """The kind of secret the nearest cue in the same clause calls the value at ``start:end``,
    or "" ("API密钥泄露了，怎么办 <tx hash>" speaks of a key, then gives a hash)."""
    nearest: tuple[int, str] | None = None
    window_start = max(0, start - _BEFORE)
    for brk in _CLAUSE_BREAK.finditer(text, window_start, start):
        window_start = brk.end()
    window_end = min(len(text), end + _AFTER)
    if brk_after := _CLAUSE_BREAK.search(text, end, window_end):
        window_end = brk_after.start()
    for cue in _CUES.finditer(text, window_start, start):
        nearest = (start - cue.end(), cue.lastgroup or "")
    after = _CUES.search(text, end, window_end)
    if after is not None and (nearest is None or after.start() - end < nearest[0]):
        nearest = (after.start() - end, after.lastgroup or "")
    if nearest is None:
        return ""
    return {"key": "private_key", "api": "api_secret"}.get(nearest[1], "")


_API_SECRET = re.compile(
    r"(?:\bapi[\s_-]*(?:secret|key)(?:[\s_-]*secret)?\b|api\s*(?:密钥|私钥|秘钥)|"
    r"\bsecret[\s_-]*key\b|\bapikey\b|\baccess[\s_-]*key\b|密钥|秘钥|\bsecret(?=\s*[:：=]))"
    r"(?:\s*(?:[:：=]|\bis\b|\bwas\b|是|为)){0,2}\s*[\"'“‘`]?"
    r"(?P<value>[A-Za-z0-9][A-Za-z0-9+/=_\-]{15,127})(?![A-Za-z0-9+/=_\-])",
    re.I,
)


def _api_secrets(text: str) -> Iterator[SecretFinding]:
    """Exchange API keys and secrets (64 alphanumerics, 32 hex, a UUID, base64) after the
    words that name them. Prose after "API key" has no digits or is short, so it is left."""
    for match in _API_SECRET.finditer(text):
        value = match.group("value")
        has_digit = any(c.isdigit() for c in value)
        has_letter = any(c.isalpha() for c in value)
        if ((has_digit and has_letter) or len(value) >= 32) and not _explicit_address(match):
            yield SecretFinding("api_secret", match.start("value"), match.end("value"))


def _explicit_address(match: re.Match[str]) -> bool:
    """An address after "API key" with no "is" or ":" between ("api key <address>") is not
    the key; a value introduced with ":", "=" or "is" is taken as given."""
    between = match.string[match.start() : match.start("value")]
    if re.search(r"[:：=]|\bis\b|是|为", between):
        return False
    return bool(_NOT_A_SECRET.fullmatch(match.group("value")))


# Passwords -------------------------------------------------------------------------------------

_PASSWORD = re.compile(
    r"(?:(?P<strong>(?:登录|登陆|资金|交易|支付|提币|提现|账户|账号|邮箱|安全)?密码|口令|"
    r"\bpass[\s_-]*(?:word|code|phrase)\b|\bpasswd\b|\bpwd\b)|(?P<weak>\b(?:pw|pass)\b))"
    r"(?P<sep>(?:\s*(?:[:：=]|\bis\b|\bwas\b|\bnow\b|是|为|就是|改成了?|改为了?|换成了?|设为|设成|设置为|设置成|"
    r"\bchanged\s+to\b|\bset\s+to\b))*)(?P<space>\s*)[\"'“‘`]?"
    r"(?P<value>[^\s\u4e00-\u9fff，。！？；、“”‘’（）《》【】]{4,64})",
    re.I,
)
# Values that are something else: addresses and hashes (an address is never the password),
# dates and amounts ("改登录密码 2026-12-01 11:30").
_NOT_A_SECRET = re.compile(
    rf"0x[0-9a-fA-F]{{40}}|(?:0x)?[0-9a-fA-F]{{64}}|[13][{_B58}]{{25,34}}|T[{_B58}]{{33}}|"
    rf"[{_B58}]{{43,44}}|bc1[02-9ac-hj-np-z]{{11,71}}|"
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+"
)
# Words that follow "my password is" when it is not followed by the password.
_NOT_A_PASSWORD = frozenset(
    str.split(
        "wrong incorrect correct right not invalid expired locked blocked changed reset forgotten "
        "lost too very the same different strong weak okay fine working required needed missing "
        "empty rejected accepted compromised leaked stolen hacked safe secure long short new old "
        "saved stored still already now also just being case sensitive mine yours this that what "
        "which there here and but never always none unknown updated disabled enabled active "
        "inactive definitely probably correctly somehow somewhere even only checked sent shown "
        "hidden visible encrypted hashed"
    )
)


def _passwords(text: str) -> Iterator[SecretFinding]:
    for match in _PASSWORD.finditer(text):
        value = match.group("value").rstrip(".,;:)]}'\"”’")
        if len(value) < 4:
            continue
        separated = bool(match.group("sep").strip())
        if match.group("weak") and not re.search(r"[:：=]", match.group("sep")):
            continue  # "pass" and "pw" are too common to trust without "pw: ..."
        if not separated and not (
            any(c.isdigit() for c in value) and (match.group("space") or "密" in match.group())
        ):
            continue  # "password reset", "password@host" (a URL), "密码 错误"
        if value.isalpha() and value.lower() in _NOT_A_PASSWORD:
            continue
        if _NOT_A_SECRET.fullmatch(value):
            continue
        if PLACEHOLDER.match(text, match.start("value")):
            continue
        yield SecretFinding("password", match.start("value"), match.start("value") + len(value))


# 2FA codes -------------------------------------------------------------------------------------

_TWO_FACTOR = re.compile(
    r"(?:(?P<strong>(?:谷歌|google|短信|手机|邮箱|邮件|动态|安全|身份|二次|两步)?验证码|谷歌验证器?|动态(?:口令|码)|"
    r"校验码|\b(?:2fa|mfa|otp|totp|authenticator|google\s*auth(?:enticator)?)\b(?:\s*(?:code|pin)\b|\s*码)?|"
    r"\b(?:verification|verify|sms|email|security|auth|one[\s-]*time|login|2-step)\s*(?:code|pin)\b)"
    r"|(?P<plain>\bcode\b))"
    r"(?:[\s:：=#\-]*(?:\bis\b|\bwas\b|\bshows?\b|\bsays\b|\bnow\b|是|为|显示(?:的是|为)?|收到的是|"
    r"发来的是)?){0,2}[\s:：\"'“]*"
    r"(?<![\d.])(?P<code>\d{3}[ -]\d{3}|\d{4,8})(?!\d)(?![.,]\d)",
    re.I,
)
# "code" alone is a 2FA code unless the word before says which other code it is.
_OTHER_CODES = re.compile(
    r"(?:referral|invite|invitation|promo|promotion|error|status|country|area|zip|postal|post|"
    r"qr|discount|coupon|bonus|reward|voucher|swift|bank|branch|response|exit|order|product|"
    r"activation|tracking)[\s_-]*$",
    re.I,
)


def _two_factor_codes(text: str) -> Iterator[SecretFinding]:
    for match in _TWO_FACTOR.finditer(text):
        code = match.group("code")
        if match.group("plain"):
            if len(code.replace(" ", "").replace("-", "")) != 6:
                continue
            if _OTHER_CODES.search(text, max(0, match.start() - 20), match.start()):
                continue
        yield SecretFinding("two_factor_code", match.start("code"), match.end("code"))


# Card numbers ----------------------------------------------------------------------------------

_CARD = re.compile(r"(?<![0-9A-Za-z.\-])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z\-])")
_CARD_CUES = re.compile(
    r"(?P<card>卡号|银行卡|信用卡|借记卡|储蓄卡|\bcard\b|\bvisa\b|\bmastercard\b|\bamex\b|银联)"
    r"|(?P<other>订单|单号|编号|工单|流水|交易号|手机|电话|时间戳|\border\b|\buid\b|\bid\b|"
    r"\bticket\b|\bphone\b|\btel\b|\btx\b|\btxid\b|\bhash\b|\btimestamp\b|\breference\b|\bref\b)",
    re.I,
)


def _card_numbers(text: str) -> Iterator[SecretFinding]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if not _luhn(digits):
            continue
        cue = None
        for found in _CARD_CUES.finditer(text, max(0, match.start() - 30), match.start()):
            cue = found.lastgroup
        if cue == "other":
            continue  # an order id or a timestamp that happens to pass Luhn
        if cue == "card" or _card_prefix(digits):
            yield SecretFinding("card_number", match.start(), match.end())


def _card_prefix(digits: str) -> bool:
    """Issuer ranges of the common card schemes, so Luhn-valid order ids are left alone."""
    n = len(digits)
    return (
        (digits[0] == "4" and n in (13, 16, 19))
        or (51 <= int(digits[:2]) <= 55 and n == 16)
        or (2221 <= int(digits[:4]) <= 2720 and n == 16)
        or (digits[:2] in ("34", "37") and n == 15)
        or (digits[:2] == "62" and 16 <= n <= 19)
        or (digits[:4] == "6011" and n == 16)
        or (3528 <= int(digits[:4]) <= 3589 and n == 16)
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
