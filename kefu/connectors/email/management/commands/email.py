"""``kefu email poll|listen|send``: run the email channel's parts by hand or as processes of
their own (the job scheduler polls and sends by itself in ``kefu serve`` and Celery beat)."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from kefu.connectors.email import imap, listener, outbound
from kefu.connectors.email.config import mailboxes


class Command(BaseCommand):
    help = "Poll the mailboxes, run the SMTP listener, or send queued mail."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="read new mail from KEFU_EMAIL_MAILBOXES")
        poll.add_argument("--loop", action="store_true", help="keep polling until stopped")
        poll.add_argument(
            "--interval", type=float, help="seconds between polls (KEFU_EMAIL_POLL_SECONDS)"
        )
        poll.add_argument("--batch", type=int, default=imap.BATCH, help="mails per UID FETCH")
        listen = sub.add_parser("listen", help="receive mail over SMTP")
        listen.add_argument("--host", default="127.0.0.1")
        listen.add_argument("--port", type=int, default=2525)
        sub.add_parser("send", help="send queued mail that is due (KEFU_EMAIL_SMTP_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "poll":
            self.poll(options)
        elif action == "listen":
            self.listen(options["host"], options["port"])
        else:
            self.stdout.write(f"{outbound.send_due(limit=10_000)}")

    def poll(self, options: dict[str, Any]) -> None:
        if not mailboxes():
            raise CommandError("No mailboxes: set KEFU_EMAIL_MAILBOXES.")
        interval = options["interval"] or settings.KEFU_EMAIL_POLL_SECONDS
        stop = _stop_event()
        while True:
            close_old_connections()  # a database restart must not stop the loop for good
            for result in imap.poll_all(batch=options["batch"]):
                if result.fetched or result.errors or options["verbosity"] > 1:
                    self.stdout.write(
                        f"{result.mailbox}: {result.processed} new, {result.skipped} seen before"
                        + (f", errors: {result.errors}" if result.errors else "")
                    )
            if not options["loop"] or stop.wait(interval):
                return

    def listen(self, host: str, port: int) -> None:
        server = listener.start(host, port)
        self.stdout.write(f"SMTP listener on {host}:{port}")
        stop = _stop_event()
        try:
            while not stop.wait(1):
                time.sleep(0)
        finally:
            server.stop()


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop
