"""``kefu beat [CELERY OPTIONS]``: the schedule of periodic jobs in scaled mode (Celery beat).

Run exactly one per deployment; workers run what it sends.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run Celery beat for Kefu's periodic jobs (scaled mode: one per deployment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("celery_args", nargs=argparse.REMAINDER, help="passed to `celery beat`")

    def run_from_argv(self, argv: list[str]) -> None:
        """Every option goes to Celery (Django's parser would refuse ``--pool=solo``)."""
        try:
            self.handle(celery_args=argv[2:])
        except CommandError as error:
            self.stderr.write(str(error))
            sys.exit(error.returncode)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError(
                "[jobs_not_scaled] set KEFU_REDIS_URL: in embedded mode `kefu serve` runs the "
                "schedule"
            )
        from kefu.jobs.celery_app import app

        app.start(["beat", "--loglevel=INFO", *options["celery_args"]])
