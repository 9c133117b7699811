"""``kefu serve``: migrate, load the demo on first start, serve HTTP and WebSocket."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run Kefu: migrate, load demo data on first start, serve HTTP and WebSocket."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        from kefu import jobs
        from kefu.assistant.matching.knowledge import knowledge
        from kefu.demo import load_demo
        from kefu.helpcenter.search import engine as search_engine

        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        password = None
        if not options["no_demo"]:
            password = load_demo(progress=self._progress)
        self.stdout.write("Preparing the assistant (the first start encodes every phrasing) ...")
        knowledge()  # trained now, so the first customer does not wait for it
        search_engine.warm_up()
        # Embedded mode's job scheduler, once in this (main) process whatever --workers says.
        jobs_here = jobs.start()
        host, port = options["host"], options["port"]
        shown = "localhost" if host in {"127.0.0.1", "0.0.0.0", "::"} else host
        base = f"http://{shown}:{port}"
        mode = "scaled (PostgreSQL + Redis)" if settings.SCALED else "embedded (SQLite)"
        lines = [
            "",
            f"Kefu is running in {mode} mode.",
            f"  Help center (English):  {base}/en/",
            f"  Help center (中文):      {base}/zh-hans/",
            f"  Back office (admin):    {base}/admin/",
            f"  API and its docs:       {base}/api/v1/docs  ({base}/api/v1/openapi.json)",
            f"  Assistant:              POST {base}/api/v1/assistant/reply",
            f"  Live chat demo:         {base}/en/demo/exchange/  ({base}/zh-hans/demo/exchange/)",
            f"  Agent console:          {base}/en/console/",
            f"  Supervisor wall:        {base}/en/console/supervisor/",
            f"  Ticket desk:            {base}/en/console/tickets/",
            f"  Supervisor dashboard:   {base}/en/console/insights/  (forecast: .../forecast/)",
            f"  Incidents, surges:      {base}/en/console/incidents/",
            f"  Quality review:         {base}/en/console/quality/",
            f"  Prometheus metrics:     {base}/metrics",
            f"  Telegram webhook:       {base}/connectors/telegram/webhook  (KEFU_TELEGRAM_*)",
            '  Customer portal:        "My tickets" on the live chat demo page (signed in)',
        ]
        if jobs_here:
            lines.append("  Background jobs:        in this process (embedded)")
        elif jobs.mode() == "celery":
            lines.append("  Background jobs:        Celery: run `kefu worker` and one `kefu beat`")
        if password:
            lines += [
                "",
                "Demo staff accounts (first start only; change these passwords):",
                "  admin, supervisor, editor, agent.wang, agent.chen, agent.sam",
                f"  password: {password}",
                "  Each sets up two-factor sign-in on its first sign-in: the page shows a QR code",
                "  for an authenticator app (TOTP) and the key, which `oathtool --totp -b KEY`",
                "  also turns into codes.",
            ]
        lines.append("")
        self.stdout.write("\n".join(lines))
        uvicorn.run(
            "kefu.asgi:application",
            host=host,
            port=port,
            workers=options["workers"],
            lifespan="off",
            log_level="info",
            proxy_headers=True,
        )

    def _progress(self, done: int, total: int, label: str) -> None:
        if done == total or done % 10 == 0:
            self.stdout.write(f"  demo help center: {done}/{total} articles")
