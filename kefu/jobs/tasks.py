"""The jobs system's own task: a ping that proves a worker runs jobs and can write."""

from __future__ import annotations

from kefu.events.services import record_event

from .registry import task

PING_SUBJECT = ("kefu.jobs", "ping")


@task("jobs.ping")
def ping(token: str = "") -> None:
    """Record a ``jobs.ping`` event carrying ``token`` (``kefu jobs ping``, tests)."""
    record_event("jobs.ping", PING_SUBJECT, data={"token": token})
