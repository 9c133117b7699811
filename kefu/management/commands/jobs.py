"""``kefu jobs list|run NAME|ping``: what background jobs exist, and running one by hand."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "List background jobs and their schedules, run one now, or ping the workers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="tasks, schedules and where jobs run")
        run = sub.add_parser("run", help="run a task in this process and print its result")
        run.add_argument("name")
        run.add_argument("--kwargs", default="{}", help="keyword arguments as a JSON object")
        sub.add_parser("ping", help="enqueue jobs.ping; a worker records a jobs.ping event")

    def handle(self, *args: Any, **options: Any) -> None:
        from kefu import jobs
        from kefu.jobs import registry

        action = options["action"]
        if action == "list":
            self.stdout.write(f"jobs run: {jobs.mode()}")
            schedule = registry.schedule()
            for spec in sorted(registry.tasks(), key=lambda s: s.name):
                every = schedule.get(spec.name)
                when = f"every {every:g} s" if every else "on demand"
                self.stdout.write(f"  {spec.name:32} {when}")
        elif action == "run":
            try:
                kwargs = json.loads(options["kwargs"])
                result = jobs.run_now(options["name"], **kwargs)
            except (ValueError, jobs.UnknownTask) as error:
                raise CommandError(f"[invalid_job] {error}") from None
            self.stdout.write(json.dumps(result, default=str, ensure_ascii=False))
        else:
            token = uuid.uuid4().hex
            jobs.enqueue("jobs.ping", token=token)
            self.stdout.write(f"sent jobs.ping {token} ({jobs.mode()})")
