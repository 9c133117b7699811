"""Embedded mode's job runner: a few worker threads and a scheduler thread in the web process.

Nothing to install or start: ``kefu serve`` (and an ASGI server's lifespan start-up) starts the
scheduler; the worker threads start on the first job. Jobs live in memory, so a job queued but
not yet run is lost if the process stops: tasks that must not be lost keep their work in the
database (an outbox) and are re-run by a periodic task, which the scheduler runs at start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from kefu import clock

from . import registry

logger = logging.getLogger(__name__)

# The scheduler re-reads the clock at least this often, so a new schedule is picked up.
MAX_SLEEP_SECONDS = 5.0


class Runner:
    """Worker threads; each job gets its own database connection handling, as a request does."""

    def __init__(self, threads: int) -> None:
        self._threads = max(1, threads)
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, name: str, kwargs: dict[str, Any]) -> Future[Any]:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="kefu-job")
            return self._executor.submit(run_job, name, kwargs, self)

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)


def run_job(
    name: str, kwargs: dict[str, Any], runner: Runner | None = None, attempt: int = 0
) -> Any:
    """Run one job now, in this thread; failures are logged and retried as the task allows."""
    spec = registry.get(name)
    close_old_connections()
    try:
        return spec.func(**kwargs)
    except Exception:
        if attempt < spec.retries and runner is not None:
            delay = spec.retry_delay * 2**attempt
            logger.warning(
                "job %s failed; retry %d in %.0f s", name, attempt + 1, delay, exc_info=True
            )
            timer = threading.Timer(delay, _retry, (runner, name, kwargs, attempt + 1))
            timer.daemon = True
            timer.start()
        else:
            logger.exception("job %s failed", name)
        return None
    finally:
        close_old_connections()


def _retry(runner: Runner, name: str, kwargs: dict[str, Any], attempt: int) -> None:
    with runner._lock:
        executor = runner._executor
    if executor is not None:
        executor.submit(run_job, name, kwargs, runner, attempt)


class Scheduler:
    """Runs periodic tasks on time. :meth:`run_pending` does one step and can be driven by a
    test with the controllable clock; :meth:`start` runs it in a daemon thread."""

    def __init__(
        self,
        submit: Callable[[str, dict[str, Any]], Future[Any] | None],
        schedule: Callable[[], dict[str, float]] = registry.schedule,
    ) -> None:
        self._submit = submit
        self._schedule = schedule
        self._next: dict[str, datetime] = {}
        self._running: dict[str, Future[Any]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pending(self, now: datetime | None = None) -> datetime | None:
        """Start every periodic task that is due (at once on the first call) and not still
        running from last time; returns when the next one is due."""
        now = now or clock.now()
        schedule = self._schedule()
        for name, every in schedule.items():
            due = self._next.setdefault(name, now)
            if due > now:
                continue
            previous = self._running.get(name)
            if previous is not None and not previous.done():
                continue  # a slow run is not stacked on; it runs again once done
            self._next[name] = now + timedelta(seconds=every)
            future = self._submit(name, {})
            if future is not None:
                self._running[name] = future
        upcoming = [self._next[name] for name in schedule if name in self._next]
        return min(upcoming, default=None)

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kefu-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=MAX_SLEEP_SECONDS)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                now = clock.now()
                upcoming = self.run_pending(now)
                wait = (upcoming - now).total_seconds() if upcoming else MAX_SLEEP_SECONDS
            except Exception:
                logger.exception("job scheduler step failed")
                wait = MAX_SLEEP_SECONDS
            self._stop.wait(min(max(wait, 0.05), MAX_SLEEP_SECONDS))


_runner: Runner | None = None
_scheduler: Scheduler | None = None
_state_lock = threading.Lock()


def runner() -> Runner:
    global _runner
    with _state_lock:
        if _runner is None:
            _runner = Runner(settings.KEFU_JOBS_THREADS)
        return _runner


def submit(name: str, kwargs: dict[str, Any]) -> Future[Any]:
    return runner().submit(name, kwargs)


def start_scheduler() -> bool:
    """Start this process's scheduler unless turned off; True if it runs."""
    global _scheduler
    if not settings.KEFU_JOBS_SCHEDULER:
        return False
    registry.discover()
    with _state_lock:
        if _scheduler is None:
            _scheduler = Scheduler(submit)
        _scheduler.start()
    return True


def stop() -> None:
    """Stop the scheduler and wait for running jobs (process shutdown, tests)."""
    global _scheduler, _runner
    with _state_lock:
        scheduler, _scheduler = _scheduler, None
        pool, _runner = _runner, None
    if scheduler is not None:
        scheduler.stop()
    if pool is not None:
        pool.shutdown(wait=True)
