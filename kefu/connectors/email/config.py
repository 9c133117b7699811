"""The email settings, read once per use so tests and operators can change them at run time.

Mailboxes and the SMTP server are URLs (``imap://user:password@host:port/INBOX``,
``imaps://…`` for TLS; ``smtp://host:port``, ``smtp+starttls://…``, ``smtps://…``). User names
and passwords are percent-encoded: ``support%40example.com``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class MailboxConfig:
    url: str
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        """Names the mailbox in the database and logs, without the password."""
        scheme = "imaps" if self.secure else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str
    password: str
    tls: str  # "", "starttls" or "ssl"


def mailboxes() -> list[MailboxConfig]:
    return [parse_mailbox(url) for url in settings.KEFU_EMAIL_MAILBOXES]


def parse_mailbox(url: str) -> MailboxConfig:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ImproperlyConfigured(f"Not an IMAP mailbox URL: {_redacted(url)}")
    secure = parts.scheme == "imaps"
    return MailboxConfig(
        url=url,
        secure=secure,
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def smtp() -> SmtpConfig | None:
    """The SMTP server for outbound mail; None turns sending off (mail stays queued)."""
    url = settings.KEFU_EMAIL_SMTP_URL
    if not url:
        return None
    parts = urlsplit(url)
    tls = {"smtp": "", "smtp+starttls": "starttls", "smtps": "ssl"}.get(parts.scheme)
    if tls is None or not parts.hostname:
        raise ImproperlyConfigured(f"Not an SMTP URL: {_redacted(url)}")
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if tls == "ssl" else 25),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        tls=tls,
    )


def from_address() -> str:
    """Our address (``Name <addr>`` or ``addr``) as the From of everything we send."""
    return str(settings.KEFU_EMAIL_FROM)


def own_addresses() -> frozenset[str]:
    """Addresses that are the desk itself: never a customer's CC, never a sender to answer."""
    return _own_addresses(
        from_address(), tuple(settings.KEFU_EMAIL_MAILBOXES), tuple(settings.KEFU_EMAIL_ADDRESSES)
    )


@functools.lru_cache(maxsize=8)
def _own_addresses(sender: str, urls: tuple[str, ...], aliases: tuple[str, ...]) -> frozenset[str]:
    own = {parseaddr(sender)[1].lower()}
    own.update(m.user.lower() for m in map(parse_mailbox, urls) if "@" in m.user)
    own.update(a.lower() for a in aliases)
    own.discard("")
    return frozenset(own)


def mail_domain() -> str:
    """The right-hand side of the Message-IDs we make."""
    address = parseaddr(from_address())[1]
    return address.rpartition("@")[2] or "kefu.localhost"


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
