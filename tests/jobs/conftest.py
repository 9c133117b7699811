"""Jobs tests register their own tasks and choose the mode through settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from kefu import clock
from kefu.jobs import embedded, registry, task


@dataclass
class Recorder:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    failures_left: int = 0

    def __call__(self, **kwargs: Any) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("failing on purpose")
        self.calls.append((threading.current_thread().name, kwargs))
        self.done.set()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """Task ``tests.record`` appends (thread name, kwargs) and sets ``done``."""
    rec = Recorder()

    def record(**kwargs: Any) -> None:
        rec(**kwargs)

    task("tests.record", retries=1, retry_delay=0.01)(record)
    yield rec
    registry._tasks.pop("tests.record", None)


@pytest.fixture
def embedded_mode(settings: Any) -> Iterator[None]:
    settings.KEFU_JOBS_EAGER = False
    settings.REDIS_URL = ""
    settings.KEFU_JOBS_SCHEDULER = True
    yield
    embedded.stop()
    clock.reset()
