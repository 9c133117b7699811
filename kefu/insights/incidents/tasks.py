"""Background work of incidents: telling customers when one is resolved, and the surge scan
every ``KEFU_SURGE_SCAN_SECONDS`` (300)."""

from __future__ import annotations

from typing import Any

from kefu.jobs import periodic, task

from .notify import notify_resolution
from .surges import scan, setting


@task("incidents.notify_resolved", retries=3)
def notify_resolved(incident_id: int) -> int:
    """Tell the customers of a resolved incident's open tickets; returns how many were told."""
    return notify_resolution(incident_id)


@task("incidents.surge_scan")
def surge_scan() -> dict[str, Any]:
    """Look for clusters of questions above their usual rate; returns what it found."""
    return scan().as_dict()


periodic("incidents.surge_scan", every_seconds=setting("KEFU_SURGE_SCAN_SECONDS", 300))
