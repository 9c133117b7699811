"""``kefu customer export UID`` and ``kefu customer erase UID``: a customer's data requests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.errors import ApiError
from kefu.trust.erasure import erase_customer
from kefu.trust.export import export_customer


class Command(BaseCommand):
    help = "Export (as JSON) or erase everything Kefu holds about one customer."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Print the customer's data as JSON.")
        export.add_argument("uid", help="The exchange user id.")
        export.add_argument("-o", "--output", type=Path, help="Write to this file instead.")
        erase = sub.add_parser(
            "erase", help="Erase the customer's personal data; the audit trail stays."
        )
        erase.add_argument("uid", help="The exchange user id.")
        erase.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "export":
                self._export(options["uid"], options.get("output"))
            else:
                self._erase(options["uid"], options["yes"])
        except ApiError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None

    def _export(self, uid: str, output: Path | None) -> None:
        text = json.dumps(export_customer(uid), ensure_ascii=False, indent=2)
        if output is None:
            self.stdout.write(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            output.chmod(0o600)
            self.stderr.write(f"wrote {output}")

    def _erase(self, uid: str, confirmed: bool) -> None:
        if not confirmed:
            if not sys.stdin.isatty():
                raise CommandError("Erasing cannot be undone: pass --yes to confirm.")
            answer = input(f"Erase the personal data of customer {uid}? Type the id to confirm: ")
            if answer.strip() != uid:
                raise CommandError("Not confirmed; nothing was erased.")
        done = erase_customer(uid)
        self.stdout.write(
            f"erased customer {uid}: {done.tickets} tickets, {done.messages} messages, "
            f"{done.attachments} attachments, {done.mails} mails, "
            f"{done.conversations} assistant conversations"
        )
