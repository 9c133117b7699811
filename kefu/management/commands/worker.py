"""``kefu worker [CELERY OPTIONS]``: run background jobs in scaled mode (a Celery worker)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run a Celery worker for Kefu's background jobs (scaled mode: KEFU_REDIS_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "celery_args", nargs=argparse.REMAINDER, help="passed to `celery worker`"
        )

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
                "[jobs_not_scaled] set KEFU_REDIS_URL: in embedded mode `kefu serve` runs jobs"
            )
        from kefu.jobs.celery_app import app

        app.worker_main(["worker", "--loglevel=INFO", *options["celery_args"]])
