"""Background work of the trust app: the retention purge, every hour (a no-op when
``KEFU_RETENTION_DAYS`` is 0 or nothing has expired)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kefu.jobs import periodic, task

from .retention import purge_expired

RETENTION_EVERY_SECONDS = 3600.0


@task("trust.purge_expired")
def purge_expired_task() -> dict[str, Any]:
    """Purge transcripts and files past retention; returns the counts."""
    return asdict(purge_expired())


periodic("trust.purge_expired", every_seconds=RETENTION_EVERY_SECONDS)
