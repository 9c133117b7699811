"""An SMTP server that takes mail for the desk directly (instead of, or beside, IMAP polling):
the organisation's mail server forwards support mail to it. Each mail goes through the same
:func:`ingest`; "250 OK" is only answered once it is stored, so the sending server keeps and
retries anything we did not acknowledge.
"""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from .ingest import ingest

logger = logging.getLogger(__name__)

MAX_BYTES = 30 * 1024 * 1024


class IngestHandler:
    def __init__(self, mailbox: str = "smtp") -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await sync_to_async(_ingest, thread_sensitive=True)(
                raw, self.mailbox, envelope.mail_from or ""
            )
        except Exception:
            logger.exception("SMTP listener could not store a mail")
            return "451 Requested action aborted: local error, try again later"
        return "250 OK"


def _ingest(raw: bytes, mailbox: str, mail_from: str) -> None:
    close_old_connections()
    ingest(raw, mailbox=mailbox, envelope_sender=mail_from.strip("<>"))


def start(host: str, port: int, **kwargs: Any) -> Controller:
    """Start listening in a background thread; ``controller.stop()`` ends it."""
    controller = Controller(
        IngestHandler(),
        hostname=host,
        port=port,
        data_size_limit=MAX_BYTES,
        decode_data=False,
        **kwargs,
    )
    controller.start()
    return controller
