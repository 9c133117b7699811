"""``kefu telegram set-webhook URL | delete-webhook | info | poll | send | retry-failed``.

``set-webhook`` points Telegram at this desk (the URL ends in ``/connectors/telegram/webhook``)
with the webhook secret in force; ``poll`` reads updates with ``getUpdates`` instead (for
development, where Telegram cannot reach the desk; it removes the webhook first, as Telegram
allows only one of the two); ``send`` sends the outbox now."""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from kefu.connectors.telegram import config, inbound, outbound
from kefu.connectors.telegram.client import BotApi, BotApiError
from kefu.connectors.telegram.models import ProcessedUpdate, UpdateStatus
from kefu.errors import ApiError

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


class Command(BaseCommand):
    help = "Set up and run the Telegram connector."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        hook = sub.add_parser("set-webhook", help="tell Telegram where to post updates")
        hook.add_argument("url", help="https://support.example.com/connectors/telegram/webhook")
        hook.add_argument("--drop-pending", action="store_true", help="discard waiting updates")
        sub.add_parser("delete-webhook", help="stop Telegram posting updates")
        sub.add_parser("info", help="the bot and its webhook as Telegram sees them")
        poll = sub.add_parser("poll", help="read updates by long polling (development)")
        poll.add_argument("--once", action="store_true", help="one getUpdates call, then stop")
        poll.add_argument("--timeout", type=int, default=25, help="long-poll seconds")
        sub.add_parser("send", help="send what is due in the outbox")
        sub.add_parser("retry-failed", help="process failed updates again")

    def handle(self, *args: Any, **options: Any) -> None:
        if not config.enabled():
            raise CommandError("No bot token: set KEFU_TELEGRAM_BOT_TOKEN.")
        api = BotApi.configured()
        action = options["action"]
        try:
            if action == "set-webhook":
                self.set_webhook(api, options["url"], options["drop_pending"])
            elif action == "delete-webhook":
                api.delete_webhook()
                self.stdout.write("Webhook removed.")
            elif action == "info":
                me = api.get_me()
                info = api.get_webhook_info()
                self.stdout.write(json.dumps({"bot": me, "webhook": info}, indent=2))
            elif action == "poll":
                self.poll(api, once=options["once"], timeout=options["timeout"])
            elif action == "send":
                self.stdout.write(f"{outbound.send_due(limit=10_000)}")
            else:
                self.retry_failed()
        except BotApiError as exc:
            raise CommandError(f"Telegram said: {exc}") from None

    def set_webhook(self, api: BotApi, url: str, drop_pending: bool) -> None:
        if not url.startswith("https://"):
            raise CommandError("Telegram only posts to https:// URLs.")
        api.set_webhook(
            url,
            config.webhook_secret(),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
        )
        self.stdout.write(f"Webhook set: {url}")

    def poll(self, api: BotApi, *, once: bool, timeout: int) -> None:
        api.delete_webhook()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        offset: int | None = None
        while not stop.is_set():
            close_old_connections()
            try:
                updates = api.get_updates(offset, timeout=0 if once else timeout)
            except BotApiError as exc:
                self.stderr.write(f"getUpdates: {exc}")
                if once or stop.wait(5):
                    return
                continue
            for update in updates:
                update_id = update.get("update_id") if isinstance(update, dict) else None
                try:
                    status = inbound.receive(update).status
                except ApiError as exc:
                    status = exc.code  # not an update we can read: skipped
                except BotApiError as exc:
                    self.stderr.write(f"update {update_id}: {exc}")
                    break  # not acknowledged: read again on the next call
                if isinstance(update_id, int):
                    offset = update_id + 1
                self.stdout.write(f"update {update_id}: {status}")
            outbound.send_due()
            if once:
                return

    def retry_failed(self) -> None:
        for row in ProcessedUpdate.objects.filter(status=UpdateStatus.FAILED).order_by("id"):
            received = inbound.retry_failed(row)
            self.stdout.write(f"update {row.update_id}: {received.status}")
