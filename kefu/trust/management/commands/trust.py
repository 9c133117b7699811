"""``kefu trust rotate-keys``: re-encrypt personal data under the newest field key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.trust.rotation import BATCH, rotate_keys


class Command(BaseCommand):
    help = "Trust and security maintenance: re-encrypt personal data with the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser(
            "rotate-keys",
            help="Re-encrypt every encrypted value with the first of KEFU_FIELD_KEYS and "
            "refresh lookup hashes (idempotent; run again after an interruption).",
        )
        rotate.add_argument("--batch-size", type=int, default=BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        result = rotate_keys(batch_size=max(1, options["batch_size"]))
        for label, count in sorted(result.rotated.items()):
            self.stdout.write(f"{label}: {count} re-encrypted")
        for label, count in sorted(result.rehashed.items()):
            self.stdout.write(f"{label}: {count} lookup hashes updated")
        self.stdout.write(f"checked {result.checked} values, changed {result.changed}")
