"""Normal forms of channel values, so that what a user pastes compares with what the exchange
publishes: "HTTPS://WWW.Beacon.example/login?x=1" is the host "www.beacon.example",
"t.me/BeaconSupportBot" is "@beaconsupportbot", "+86 (400) 123-4567" is "+864001234567".

Web hosts are kept in their ASCII (IDNA, punycode) form, the one that cannot hide a Cyrillic
letter; :func:`unicode_host` gives the form a reader sees. An email channel whose value is
"@beacon.example" (or "*@beacon.example") stands for every address at exactly that domain.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import parse_qs, urlsplit

import idna

from ..models import ChannelKind

MAX_VALUE_LENGTH = 300

_ASCII_HOST = re.compile(
    r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$"
)
_TELEGRAM_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/(?:s/)?(?P<path>[^?#]*)", re.IGNORECASE
)
_HANDLE = re.compile(r"^[\w]{2,64}$")
_WECHAT_PREFIX = re.compile(
    r"^(?:wechat|weixin|wx|微信号?|公众号)\s*(?:id)?\s*[:：]?\s*", re.IGNORECASE
)
_WECHAT_ID = re.compile(r"^[\w-]{2,64}$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{5,}$")


class InvalidChannel(ValueError):
    """The value is not a channel of the kind asked for."""

    def __init__(self, kind: str, value: str) -> None:
        super().__init__(f"not a valid {kind}: {value!r}")
        self.kind = kind


@dataclass(frozen=True)
class WebAddress:
    host: str  # ASCII (IDNA) form, lower case, no trailing dot
    userinfo: str  # what stood before "@" in the address ("beacon.example" in a trick URL)


def _text(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().strip("<>").strip()


def web_address(value: str) -> WebAddress:
    raw = _text(value)
    if not raw or len(raw) > MAX_VALUE_LENGTH or any(c.isspace() for c in raw):
        raise InvalidChannel(ChannelKind.DOMAIN, value)
    if "://" not in raw:
        raw = "http://" + raw.removeprefix("//")
    try:
        parts = urlsplit(raw)
        netloc = parts.netloc
    except ValueError:
        raise InvalidChannel(ChannelKind.DOMAIN, value) from None
    userinfo, _at, hostport = netloc.rpartition("@")
    host = hostport
    if host.startswith("["):  # IPv6 literal
        host = host[1 : host.find("]")] if "]" in host else ""
    else:
        host = host.split(":", 1)[0]
    return WebAddress(host=normalise_host(host, original=value), userinfo=userinfo)


def normalise_host(host: str, *, original: str = "") -> str:
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > 253:
        raise InvalidChannel(ChannelKind.DOMAIN, original or host)
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        # Labels with "_" are not IDNA but do occur; anything else that fails is no host.
        if "_" not in host or "xn--" in host or not _ASCII_HOST.match(host):
            raise InvalidChannel(ChannelKind.DOMAIN, original or host) from None
        ascii_host = host
    if "." not in ascii_host and ascii_host != "localhost":
        raise InvalidChannel(ChannelKind.DOMAIN, original or host)
    return ascii_host


def unicode_host(ascii_host: str) -> str:
    """What a reader sees: punycode labels ("xn--…") decoded."""
    try:
        return idna.decode(ascii_host)
    except (idna.IDNAError, UnicodeError):
        return ascii_host


def normalise_domain(value: str) -> str:
    return web_address(value).host


def split_email(value: str) -> tuple[str, str]:
    """(local part, ASCII domain); the local part is empty for a whole-domain channel."""
    raw = _text(value)
    raw = re.sub(r"^mailto:", "", raw, flags=re.IGNORECASE).split("?", 1)[0]
    if raw.startswith(("@", "*@")):
        local, domain = "", raw.split("@", 1)[1]
    else:
        _name, address = parseaddr(raw)
        local, at, domain = (address or raw).rpartition("@")
        if not at or not local or len(local) > 64 or any(c.isspace() for c in local):
            raise InvalidChannel(ChannelKind.EMAIL, value)
    try:
        host = normalise_host(domain)
    except InvalidChannel:
        raise InvalidChannel(ChannelKind.EMAIL, value) from None
    return local.casefold(), host


def normalise_email(value: str) -> str:
    local, domain = split_email(value)
    return f"{local}@{domain}"


def normalise_telegram(value: str) -> str:
    """ "@name" in lower case (Telegram names are case-insensitive), or "t.me/+code" for an
    invitation link."""
    raw = _text(value)
    if raw.lower().startswith("tg://"):
        query = parse_qs(urlsplit(raw).query)
        raw = "@" + (query.get("domain") or [""])[0]
    elif link := _TELEGRAM_LINK.match(raw):
        path = link.group("path").strip("/")
        if path.startswith("+") or path.startswith("joinchat/"):
            code = path.removeprefix("joinchat/").removeprefix("+").split("/", 1)[0]
            if not code:
                raise InvalidChannel(ChannelKind.TELEGRAM, value)
            return f"t.me/+{code}"
        raw = "@" + path.split("/", 1)[0]
    name = raw.removeprefix("@")
    if not _HANDLE.match(name):
        raise InvalidChannel(ChannelKind.TELEGRAM, value)
    return "@" + name.casefold()


def normalise_phone(value: str) -> str:
    """Digits, with "+" when the number carries its country code ("00" counts as "+")."""
    raw = re.sub(r"^tel:", "", _text(value), flags=re.IGNORECASE)
    if not _PHONE.match(raw):
        raise InvalidChannel(ChannelKind.PHONE, value)
    digits = re.sub(r"\D", "", raw)
    international = raw.startswith("+")
    if not international and digits.startswith("00"):
        digits, international = digits[2:], True
    if not 5 <= len(digits) <= 15:
        raise InvalidChannel(ChannelKind.PHONE, value)
    return ("+" if international else "") + digits


def normalise_wechat(value: str) -> str:
    raw = _WECHAT_PREFIX.sub("", _text(value))
    if not _WECHAT_ID.match(raw):
        raise InvalidChannel(ChannelKind.WECHAT, value)
    return raw.casefold()


_NORMALISERS = {
    ChannelKind.DOMAIN: normalise_domain,
    ChannelKind.EMAIL: normalise_email,
    ChannelKind.TELEGRAM: normalise_telegram,
    ChannelKind.PHONE: normalise_phone,
    ChannelKind.WECHAT: normalise_wechat,
}


def normalise(kind: str, value: str) -> str:
    """The canonical form of ``value`` as a channel of ``kind``; :class:`InvalidChannel` if it
    is not one."""
    try:
        normaliser = _NORMALISERS[ChannelKind(kind)]
    except ValueError:
        raise InvalidChannel(kind, value) from None
    return normaliser(value)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def guess_kinds(value: str) -> list[str]:
    """The kinds a free-text value may be, most likely first. A bare name ("BeaconSupport")
    may be a Telegram or a WeChat account, so both are given."""
    raw = _text(value)
    low = raw.lower()
    if not raw:
        return []
    if low.startswith("mailto:"):
        return [ChannelKind.EMAIL]
    if _WECHAT_PREFIX.match(raw) and _WECHAT_PREFIX.sub("", raw) != raw:
        return [ChannelKind.WECHAT]
    if low.startswith(("@", "tg://")) or _TELEGRAM_LINK.match(raw):
        return [ChannelKind.TELEGRAM]
    if low.startswith("tel:"):
        return [ChannelKind.PHONE]
    if "@" in raw and "://" not in raw and "/" not in raw.split("@", 1)[0]:
        return [ChannelKind.EMAIL]
    if _is_ip(raw):
        return [ChannelKind.DOMAIN]
    if _PHONE.match(raw) and sum(c.isdigit() for c in raw) >= 5:
        return [ChannelKind.PHONE]
    if "." in raw or "/" in raw or ":" in raw:
        return [ChannelKind.DOMAIN]
    if _HANDLE.match(raw):
        return [ChannelKind.TELEGRAM, ChannelKind.WECHAT]
    if _WECHAT_ID.match(raw):
        return [ChannelKind.WECHAT]
    return []
