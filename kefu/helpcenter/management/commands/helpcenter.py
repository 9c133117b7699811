"""``kefu helpcenter import|export|reindex``: move a help center in and out as Markdown."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.helpcenter.actions import ContentError
from kefu.helpcenter.demo_data import ensure_default_synonyms
from kefu.helpcenter.search.indexer import rebuild_index
from kefu.helpcenter.transfer import export_helpcenter, import_helpcenter


class Command(BaseCommand):
    help = "Import or export the help center as Markdown files, or rebuild its search index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="Import a folder of Markdown files (re-import updates)."
        )
        imp.add_argument("path", type=Path)
        exp = sub.add_parser("export", help="Export every category and article to a folder.")
        exp.add_argument("path", type=Path)
        sub.add_parser("reindex", help="Rebuild the search index from published articles.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            if options["action"] == "import":
                ensure_default_synonyms()
                report = import_helpcenter(options["path"], progress=self._progress)
                self._end_progress()
                for key, counts in (
                    ("categories", report.categories),
                    ("articles", report.articles),
                ):
                    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"
                    self.stdout.write(f"{key}: {summary}")
                for warning in report.warnings:
                    self.stderr.write(f"warning: {warning}")
            elif options["action"] == "export":
                files = export_helpcenter(options["path"], progress=self._progress)
                self._end_progress()
                self.stdout.write(f"wrote {files} files to {options['path']}")
            else:
                docs = rebuild_index(progress=lambda d, t: self._progress(d, t, "articles"))
                self._end_progress()
                self.stdout.write(f"indexed {docs} documents")
        except ContentError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")

    def _progress(self, done: int, total: int, label: str) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        stream = sys.stderr
        if stream.isatty():
            stream.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}")
        elif done == total or done % 25 == 0:
            stream.write(f"[{bar}] {done}/{total}\n")
        stream.flush()

    def _end_progress(self) -> None:
        if sys.stderr.isatty():
            sys.stderr.write("\n")
