"""A web process can log the moments its event loop stopped, and why (kefu/loop_watch.py)."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time

import pytest

from kefu.loop_watch import LoopWatch


def _run_on_a_loop_of_its_own(blocking: object) -> None:
    """Watch a fresh loop (in a thread: the test process may already run one) while
    ``blocking`` holds it once."""
    watch = LoopWatch(threshold_ms=50)

    async def main() -> None:
        watch.start(asyncio.get_running_loop())
        await asyncio.sleep(0.05)
        blocking()  # type: ignore[operator]
        await asyncio.sleep(0.05)
        watch.stop()

    thread = threading.Thread(target=asyncio.run, args=(main(),))
    thread.start()
    thread.join(10)


def test_a_blocked_loop_is_logged_with_how_long(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kefu.loop"):
        _run_on_a_loop_of_its_own(lambda: time.sleep(0.2))
    stalls = [r.getMessage() for r in caplog.records if r.name == "kefu.loop"]
    long_ones = [s for s in stalls if int(s.split("stalled ")[1].split(" ms")[0]) >= 190]
    assert len(long_ones) == 1, stalls
    assert "garbage collection" not in long_ones[0]


def test_a_collection_during_the_stall_is_named(caplog: pytest.LogCaptureFixture) -> None:
    def collect_slowly() -> None:
        gc.collect()
        time.sleep(0.1)

    callbacks_before = list(gc.callbacks)
    with caplog.at_level(logging.WARNING, logger="kefu.loop"):
        _run_on_a_loop_of_its_own(collect_slowly)
    stalls = [r.getMessage() for r in caplog.records if r.name == "kefu.loop"]
    assert any("garbage collection: generation 2" in stall for stall in stalls), stalls
    assert gc.callbacks == callbacks_before  # stopping the watch leaves the collector as it was
