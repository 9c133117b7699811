"""Background work of tickets: the SLA scan, every ``KEFU_SLA_SCAN_SECONDS``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kefu.jobs import periodic, task

from .sla.scan import scan


@task("tickets.sla_scan")
def sla_scan() -> dict[str, Any]:
    """Warn, breach and escalate; returns the counts (logged by the scan itself)."""
    return scan().as_dict()


periodic("tickets.sla_scan", every_seconds=settings.KEFU_SLA_SCAN_SECONDS)
