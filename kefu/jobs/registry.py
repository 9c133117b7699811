"""Registered tasks and schedules: the same names whichever runner executes them.

Task modules are each app's ``tasks.py`` and its direct sub-packages' (``kefu/tickets/tasks.py``,
``kefu/connectors/email/tasks.py``); they register on import, and are imported once, on first
need, by every process that enqueues or runs tasks.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps

F = TypeVar("F", bound=Callable[..., Any])


class UnknownTask(LookupError):
    pass


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable[..., Any]
    retries: int = 0
    retry_delay: float = 30.0  # seconds before the first retry; doubled for each next one


_tasks: dict[str, TaskSpec] = {}
_schedule: dict[str, float] = {}
_lock = threading.Lock()
_discovered = False


def task(name: str, *, retries: int = 0, retry_delay: float = 30.0) -> Callable[[F], F]:
    """Register a function taking JSON-able keyword arguments as task ``name``.

    A task may run more than once (a retry, a worker killed after it finished but before it
    acknowledged), so it must be idempotent.
    """

    def register(func: F) -> F:
        existing = _tasks.get(name)
        if existing is not None and _qualname(existing.func) != _qualname(func):
            raise ValueError(f"task {name!r} is already registered by {_qualname(existing.func)}")
        _tasks[name] = TaskSpec(name, func, retries, retry_delay)
        return func

    return register


def periodic(name: str, *, every_seconds: float) -> Callable[[F], F]:
    """Run registered task ``name`` every ``every_seconds`` (embedded scheduler or Celery beat).

    A statement (``periodic("x", every_seconds=60)``) or a decorator over ``@task("x")``."""
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    _schedule[name] = float(every_seconds)

    def unchanged(func: F) -> F:
        return func

    return unchanged


def discover() -> None:
    """Import every installed app's task modules, once per process."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        for config in apps.get_app_configs():
            for module in _task_modules(config.name, Path(config.path)):
                importlib.import_module(module)
        _discovered = True


def _task_modules(package: str, path: Path) -> list[str]:
    found = []
    if (path / "tasks.py").exists():
        found.append(f"{package}.tasks")
    for child in sorted(path.iterdir()) if path.is_dir() else ():
        if (child / "__init__.py").exists() and (child / "tasks.py").exists():
            found.append(f"{package}.{child.name}.tasks")
    return found


def get(name: str) -> TaskSpec:
    discover()
    try:
        return _tasks[name]
    except KeyError:
        raise UnknownTask(f"no task named {name!r}") from None


def tasks() -> list[TaskSpec]:
    discover()
    return list(_tasks.values())


def schedule() -> dict[str, float]:
    """Periodic task names and their intervals (seconds)."""
    discover()
    return dict(_schedule)


def unschedule(name: str) -> None:
    """Forget a schedule (tests that register their own)."""
    _schedule.pop(name, None)


def _qualname(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"
