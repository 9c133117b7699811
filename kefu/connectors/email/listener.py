"""An SMTP server that takes mail for the desk directly (instead of, or beside, IMAP polling):
the organisation's mail server forwards support mail to it. Each mail goes through the same
:func:`ingest`; "250 OK" is only answered once it is stored, so the sending server keeps and
retries anything we did not acknowledge.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connections

from .ingest import ingest

logger = logging.getLogger(__name__)

MAX_BYTES = 30 * 1024 * 1024


class IngestHandler:
    """aiosmtpd handler: stores each mail on one database thread of its own."""

    def __init__(self, mailbox: str = "smtp") -> None:
        self.mailbox = mailbox
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="kefu-smtp")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        sender = (envelope.mail_from or "").strip("<>")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.executor, self._ingest, raw, sender)
        except Exception:
            logger.exception("SMTP listener could not store a mail")
            return "451 Requested action aborted: local error, try again later"
        return "250 OK"

    def _ingest(self, raw: bytes, sender: str) -> None:
        close_old_connections()
        ingest(raw, mailbox=self.mailbox, envelope_sender=sender)

    def close(self) -> None:
        self.executor.submit(connections.close_all).result()
        self.executor.shutdown()


class Listener:
    """The SMTP server on a background thread; :meth:`stop` ends it."""

    def __init__(self, host: str, port: int, mailbox: str = "smtp") -> None:
        self.handler = IngestHandler(mailbox)
        self.controller = Controller(
            self.handler, hostname=host, port=port, data_size_limit=MAX_BYTES, decode_data=False
        )

    def start(self) -> Listener:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
        self.handler.close()


def start(host: str, port: int) -> Listener:
    return Listener(host, port).start()
