"""The Kefu side of ``kefu bench telegram``: the server's environment, and a helper process
with the server's settings that seeds the desk and reads back what it stored
(``python -m bench._telegram_desk ACTION SPEC``)."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "bench-webhook-secret_" + secrets.token_hex(8)
JOB_THREADS = 2  # the server's KEFU_JOBS_THREADS (its default)


def server_env(tmp: Path, options: argparse.Namespace, token: str, api: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
            "KEFU_DATA_DIR": str(tmp / "data"),
            "KEFU_SECRET_KEY": secrets.token_urlsafe(40),
            "KEFU_ENCODER": options.encoder,
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_JOBS_THREADS": str(JOB_THREADS),
            "KEFU_RATE_LIMITS": "off",
            "KEFU_TELEGRAM_BOT_TOKEN": token,
            "KEFU_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "KEFU_TELEGRAM_API_BASE": api,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def database_url(db: dict[str, Any]) -> str:
    from urllib.parse import quote

    user = quote(str(db.get("USER") or "postgres"))
    password = f":{quote(str(db['PASSWORD']))}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgresql://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def helper(env: dict[str, str], tmp: Path, action: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``action`` in a process with the server's settings (its database); its result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench._telegram_desk", action, json.dumps(spec)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        from bench._servers import BenchError

        raise BenchError(f"bench helper {action} failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _helper_main(action: str, spec: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Count

    from kefu.connectors.telegram.models import (
        OutboundMessage,
        ProcessedUpdate,
        TelegramConversation,
    )

    if action == "seed":
        from django.core.management import call_command

        from kefu.accounts.demo_data import load_demo_accounts
        from kefu.exchange.demo_data import load_demo_exchange
        from kefu.helpcenter.demo_data import load_demo_helpcenter
        from kefu.routing.demo_data import load_demo_routing
        from kefu.tickets.sla.policy import ensure_default_policies

        t = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter() - t
        t = time.perf_counter()
        ensure_default_policies()
        load_demo_accounts()
        report = load_demo_helpcenter()
        load_demo_exchange()
        load_demo_routing()
        return {
            "migrate_s": round(migrated, 2),
            "seed_s": round(time.perf_counter() - t, 2),
            "articles": sum(report.articles.values()),
        }
    if action == "queue":
        from kefu.accounts.models import Agent
        from kefu.tickets.actions import post_message
        from kefu.tickets.models import Author

        agent = Agent.objects.filter(username="agent.wang").first() or Agent.objects.first()
        links = TelegramConversation.objects.filter(chat_id__in=spec["chats"]).select_related(
            "ticket"
        )
        before = OutboundMessage.objects.count()
        t = time.perf_counter()
        for link in links:
            with transaction.atomic():
                for k in range(spec["per_chat"]):
                    post_message(
                        link.ticket,
                        author=Author.AGENT,
                        agent=agent,
                        text=f"Checked your case (bench-reply:{link.chat_id}:{k}); it is on its "
                        f"way, about 10 minutes more.",
                    )
        return {
            "rows": OutboundMessage.objects.count() - before,
            "seconds": round(time.perf_counter() - t, 2),
        }
    if action == "retry":
        from kefu import jobs

        return {"result": jobs.run_now("telegram.retry_outbound")}
    if action == "check":
        not_two = (
            TelegramConversation.objects.filter(chat_id__in=spec["chats"])
            .annotate(said=Count("ticket__messages", filter=_customer_messages()))
            .exclude(said=2)
            .count()
        )
        return {
            "outbox": _by_status(OutboundMessage.objects),
            "updates": _by_status(ProcessedUpdate.objects),
            "conversations_without_2_customer_messages": not_two,
        }
    raise SystemExit(f"unknown helper action {action!r}")


def _customer_messages() -> Any:
    from django.db.models import Q

    return Q(ticket__messages__author="customer")


def _by_status(rows: Any) -> dict[str, int]:
    from django.db.models import Count

    return {
        row["status"]: row["n"]
        for row in rows.order_by().values("status").annotate(n=Count("id")).order_by("status")
    }


if __name__ == "__main__":
    print(json.dumps(_helper_main(sys.argv[1], json.loads(sys.argv[2]))))
