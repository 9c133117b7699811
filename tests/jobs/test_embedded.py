"""Embedded mode: jobs run on worker threads after commit; the scheduler keeps time."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction

from kefu import clock, jobs
from kefu.jobs import embedded, registry
from kefu.jobs.embedded import Scheduler
from kefu.jobs.lifespan import with_jobs

from .conftest import Recorder

pytestmark = pytest.mark.django_db
WAIT = 5.0


def test_runs_on_a_worker_thread_after_commit_not_before(
    embedded_mode: None, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    assert jobs.mode() == "embedded"
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            jobs.enqueue("tests.record", ticket=7)
            assert recorder.calls == []  # nothing is sent before commit
        assert recorder.calls == []
    assert recorder.done.wait(WAIT)
    [(thread, kwargs)] = recorder.calls
    assert thread.startswith("kefu-job") and kwargs == {"ticket": 7}


def test_nothing_runs_when_the_transaction_rolls_back(
    embedded_mode: None, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        jobs.enqueue("tests.record", ticket=7)
        raise RuntimeError("roll back")
    assert callbacks == []
    assert not recorder.done.wait(0.1) and recorder.calls == []


def test_eager_mode_runs_inline_after_commit(
    settings: Any, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    settings.KEFU_JOBS_EAGER = True
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # eager wins over Celery
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        jobs.enqueue("tests.record", ticket=1)
        assert recorder.calls == []
    assert recorder.calls == [(threading.current_thread().name, {"ticket": 1})]


def test_a_failed_job_is_retried_as_its_task_allows(
    embedded_mode: None, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    recorder.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("tests.record", n=1)
    assert recorder.done.wait(WAIT)
    assert recorder.calls[0][1] == {"n": 1}


def test_bad_names_and_arguments_fail_in_the_caller(embedded_mode: None) -> None:
    with pytest.raises(jobs.UnknownTask):
        jobs.enqueue("no.such.task")
    with pytest.raises(TypeError, match="JSON"):
        jobs.enqueue("jobs.ping", token=datetime.now(UTC))


def test_tasks_are_discovered_from_apps() -> None:
    names = {spec.name for spec in registry.tasks()}
    assert {"tickets.sla_scan", "jobs.ping"} <= names
    assert registry.schedule()["tickets.sla_scan"] > 0


def test_scheduler_runs_periodic_tasks_on_the_controllable_clock(embedded_mode: None) -> None:
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    clock.set_now(start)
    sent: list[str] = []
    pending: dict[str, Future[Any]] = {}

    def submit(name: str, kwargs: dict[str, Any]) -> Future[Any]:
        sent.append(name)
        pending[name] = Future()
        return pending[name]

    scheduler = Scheduler(submit, schedule=lambda: {"every.minute": 60, "every.five": 300})
    assert scheduler.run_pending() == clock.advance(seconds=60)  # both at once; next in 60 s
    assert sent == ["every.minute", "every.five"]
    pending["every.minute"].set_result(None)
    clock.set_now(start)
    clock.advance(seconds=59)
    scheduler.run_pending()
    assert sent == ["every.minute", "every.five"]
    clock.advance(seconds=1)
    scheduler.run_pending()
    assert sent == ["every.minute", "every.five", "every.minute"]
    # Still running when due again: not stacked on; runs once it has finished.
    clock.advance(seconds=60)
    scheduler.run_pending()
    assert sent.count("every.minute") == 2
    pending["every.minute"].set_result(None)
    pending["every.five"].set_result(None)
    clock.advance(seconds=1)
    scheduler.run_pending()
    assert sent.count("every.minute") == 3
    clock.advance(seconds=300 - 121)
    scheduler.run_pending()
    assert sent.count("every.five") == 2


def test_scheduler_thread_runs_jobs_and_can_be_turned_off(
    embedded_mode: None, settings: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "_schedule", {"tests.record": 3600.0})
    settings.KEFU_JOBS_SCHEDULER = False
    assert jobs.start() is False
    settings.KEFU_JOBS_SCHEDULER = True
    assert jobs.start() is True
    assert recorder.done.wait(WAIT)  # due at once on start
    embedded.stop()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert jobs.start() is False  # Celery beat's job in scaled mode


def test_asgi_lifespan_starts_and_stops_the_scheduler(
    embedded_mode: None, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "_schedule", {"tests.record": 3600.0})
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("lifespan is not passed on")

    async_to_sync(with_jobs(inner))({"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert recorder.done.is_set()
    assert embedded._scheduler is None
