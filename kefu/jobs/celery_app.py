"""Scaled mode's job runner: Celery with Redis as broker, the tasks of ``kefu.jobs`` registered
under their own names, and their schedules as Celery beat's.

``kefu worker`` and ``kefu beat`` start it, as does ``celery -A kefu.jobs.celery_app worker``.
Jobs are acknowledged after they finish (a worker killed mid-job leaves it to another) and no
results are stored: tasks write what they produce to the database.
"""

from __future__ import annotations

import os
from typing import Any

import django
from celery import Celery, signals
from django.apps import apps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
if not apps.ready:
    django.setup()

from django.conf import settings
from django.db import close_old_connections

from . import registry


def make_app() -> Celery:
    """A Celery app for the current settings, with every discovered task and schedule."""
    app = Celery("kefu")
    app.conf.update(
        broker_url=settings.REDIS_URL or "memory://",
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.KEFU_JOBS_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        timezone="UTC",
        enable_utc=True,
        beat_schedule_filename=str(settings.DATA_DIR / "celerybeat-schedule"),
        beat_schedule={
            name: {
                "task": name,
                "schedule": every,
                # a run that could not start before the next one is due is dropped
                "options": {"queue": settings.KEFU_JOBS_QUEUE, "expires": every},
            }
            for name, every in registry.schedule().items()
        },
    )
    for spec in registry.tasks():
        options: dict[str, Any] = {"name": spec.name}
        if spec.retries:
            options.update(
                autoretry_for=(Exception,),
                max_retries=spec.retries,
                retry_backoff=max(1, int(spec.retry_delay)),
                retry_jitter=False,
            )
        app.task(**options)(spec.func)
    return app


@signals.task_prerun.connect
def _before(**kwargs: Any) -> None:
    close_old_connections()


@signals.task_postrun.connect
def _after(**kwargs: Any) -> None:
    close_old_connections()


app = make_app()
_producers: dict[str, Celery] = {}


def producer() -> Celery:
    """The app to send jobs with: ``app``, unless the broker setting changed since import
    (tests point one process at a throwaway queue)."""
    url = settings.REDIS_URL or "memory://"
    queue = settings.KEFU_JOBS_QUEUE
    if app.conf.broker_url == url and app.conf.task_default_queue == queue:
        return app
    key = f"{url} {queue}"
    if key not in _producers:
        _producers[key] = make_app()
    return _producers[key]
