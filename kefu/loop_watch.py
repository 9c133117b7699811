"""Event-loop stalls, logged with the garbage collections that overlapped them.

One event loop serves every socket of a web process: whatever holds it (a garbage collection,
a slow callback, another thread keeping the interpreter lock) delays every chat on the process
at once, and shows up only as a latency tail. With ``KEFU_LOOP_STALL_MS`` set, a callback
re-scheduled every few milliseconds measures how late the loop ran it, and a lateness above
that many milliseconds is logged as a warning on ``kefu.loop``::

    event loop stalled 110 ms (garbage collection: generation 1 for 105 ms)

Off by default; ``kefu bench chat`` turns it on and counts the stalls of its steady phase.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

logger = logging.getLogger("kefu.loop")

BEAT_SECONDS = 0.005

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class LoopWatch:
    """The heartbeat of one event loop and the collections seen since it started."""

    def __init__(self, threshold_ms: float) -> None:
        self.threshold = threshold_ms / 1000
        self.collections: deque[tuple[float, float, int]] = deque(maxlen=32)
        self._collection_start = 0.0
        self._last_beat = 0.0
        self._beating: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        gc.callbacks.append(self._on_collection)
        self._last_beat = time.monotonic()
        self._beating = loop.call_later(BEAT_SECONDS, self._beat, loop)

    def stop(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            self._beating = None
            gc.callbacks.remove(self._on_collection)

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._collection_start = time.monotonic()
        else:
            self.collections.append((self._collection_start, time.monotonic(), info["generation"]))

    def _beat(self, loop: asyncio.AbstractEventLoop) -> None:
        now = time.monotonic()
        late = now - self._last_beat - BEAT_SECONDS
        if late > self.threshold:
            logger.warning(
                "event loop stalled %.0f ms%s", late * 1000, self._cause(self._last_beat, now)
            )
        self._last_beat = now
        self._beating = loop.call_later(BEAT_SECONDS, self._beat, loop)

    def _cause(self, since: float, until: float) -> str:
        overlapping = [
            f"generation {generation} for {(end - start) * 1000:.0f} ms"
            for start, end, generation in self.collections
            if start < until and end > since
        ]
        return f" (garbage collection: {', '.join(overlapping)})" if overlapping else ""


def watched(app: ASGIApp, threshold_ms: float) -> ASGIApp:
    """``app``, whose event loop is watched from its first connection on."""
    watch = LoopWatch(threshold_ms)
    started = False

    async def application(scope: Scope, receive: Any, send: Any) -> None:
        nonlocal started
        if not started:
            started = True
            watch.start(asyncio.get_running_loop())
        await app(scope, receive, send)

    return application
