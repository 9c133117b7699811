"""The email channel against real servers: a throwaway Dovecot (IMAP) and an aiosmtpd sink
(SMTP). Each test gets its own IMAP folder, so UIDs and state never leak between tests."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import override_settings

from kefu.connectors.email import outbound
from kefu.connectors.email.config import parse_mailbox
from kefu.connectors.email.imap import PollResult, poll_mailbox

from .servers import DOVECOT, Dovecot, SmtpSink, dovecot, smtp_sink

SUPPORT = "support@beacon.test"
_folders = itertools.count(1)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[Dovecot]:
    if DOVECOT is None:
        pytest.skip(
            "dovecot is not installed: apt-get install dovecot-imapd (scripts/system_deps.sh)"
        )
    with dovecot() as server:
        yield server


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    with smtp_sink() as sink:
        yield sink


@dataclass
class Mailbox:
    """One test's IMAP folder, wired into the settings, and the SMTP sink for what we send."""

    imap: Dovecot
    smtp: SmtpSink
    folder: str

    @property
    def url(self) -> str:
        return self.imap.url(self.folder)

    def deliver(self, *mails: bytes | EmailMessage) -> None:
        self.imap.append(self.folder, *(m if isinstance(m, bytes) else m.as_bytes() for m in mails))

    def poll(self, **kwargs: int) -> PollResult:
        return poll_mailbox(parse_mailbox(self.url), **kwargs)

    def send(self) -> list[EmailMessage]:
        """Send what is queued; the mails the SMTP server received."""
        outbound.send_due()
        return self.smtp.mails()


@pytest.fixture
def mailbox(imap_server: Dovecot, smtp_server: SmtpSink, db: None) -> Iterator[Mailbox]:
    folder = f"t{next(_folders)}"
    imap_server.create_folder(folder)
    smtp_server.clear()
    box = Mailbox(imap_server, smtp_server, folder)
    with override_settings(
        KEFU_EMAIL_MAILBOXES=[box.url],
        KEFU_EMAIL_SMTP_URL=smtp_server.url,
        KEFU_EMAIL_FROM=f"Beacon Support <{SUPPORT}>",
        KEFU_EMAIL_TICKETS_PER_HOUR=10,
    ):
        yield box


def mail(
    sender: str = "alice@example.com",
    subject: str = "My deposit has not arrived",
    body: str = "I sent 100 USDT three hours ago and it is not in my account.",
    *,
    to: str = SUPPORT,
    cc: str = "",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    charset: str = "utf-8",
    html: str = "",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    if body:
        message.set_content(body, charset=charset)
    if html:
        if body:
            message.add_alternative(html, subtype="html")
        else:
            message.set_content(html, subtype="html")
    return message


@pytest.fixture(autouse=True, scope="session")
def quiet_smtp_log() -> None:
    """aiosmtpd logs every SMTP command at INFO."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)
