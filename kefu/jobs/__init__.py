"""Background jobs: the same task code in embedded and scaled mode.

::

    from kefu.jobs import enqueue, periodic, task

    @task("email.send_outbound")
    def send_outbound(message_id: int) -> None: ...

    enqueue("email.send_outbound", message_id=42)   # runs after the current transaction commits
    periodic("tickets.sla_scan", every_seconds=60)

Where a job runs depends on the settings only:

- ``KEFU_JOBS_EAGER``: inline, in the enqueuing thread, right after commit (tests);
- ``KEFU_REDIS_URL`` set (scaled): Celery with Redis as broker; ``kefu worker`` runs the jobs,
  ``kefu beat`` (one per deployment) the schedule;
- otherwise (embedded): worker threads in this process, and a scheduler thread started by
  ``kefu serve`` or an ASGI server's lifespan start-up.

A job is only sent once its transaction commits, so it never sees data that was rolled back or
not yet written; arguments go through JSON in every mode, so what works embedded works scaled.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction

from . import embedded, registry
from .registry import UnknownTask, periodic, task

__all__ = ["UnknownTask", "enqueue", "mode", "periodic", "run_now", "start", "task"]


def mode() -> str:
    """``eager``, ``celery`` or ``embedded``."""
    if settings.KEFU_JOBS_EAGER:
        return "eager"
    return "celery" if settings.REDIS_URL else "embedded"


def enqueue(name: str, **kwargs: Any) -> None:
    """Run task ``name`` with ``kwargs`` in the background once the current transaction commits
    (at once outside a transaction); nothing is sent if it rolls back."""
    registry.get(name)  # an unknown name fails here, in the caller, not later in a worker
    try:
        kwargs = json.loads(json.dumps(kwargs))
    except (TypeError, ValueError) as error:
        raise TypeError(f"arguments of task {name!r} must be JSON-able: {error}") from None
    how = mode()
    if how == "eager":
        transaction.on_commit(lambda: embedded.run_job(name, kwargs))
    elif how == "celery":
        # robust: a broker that is down is logged, not raised into a request that has committed
        transaction.on_commit(lambda: _send(name, kwargs), robust=True)
    else:
        transaction.on_commit(lambda: embedded.submit(name, kwargs), robust=True)


def run_now(name: str, **kwargs: Any) -> Any:
    """Run a task in this thread and return its result (CLI, tests)."""
    return registry.get(name).func(**kwargs)


def start() -> bool:
    """Start embedded mode's scheduler in this process; no-op when Celery beat does the work
    (scaled mode), in eager mode, or with ``KEFU_JOBS_SCHEDULER`` off. True if it runs."""
    if mode() != "embedded":
        return False
    return embedded.start_scheduler()


def _send(name: str, kwargs: dict[str, Any]) -> None:
    from .celery_app import producer

    producer().send_task(name, kwargs=kwargs, queue=settings.KEFU_JOBS_QUEUE)
