"""Scaled mode: a real Celery worker on the machine's Redis runs what a web process enqueues.

The worker is a subprocess with its own SQLite database (so it sees only what it writes), a
queue of its own (so it cannot take another run's jobs) and Redis from the test settings or
127.0.0.1:6379. Skipped when no Redis answers.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from kefu import jobs

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = (
    os.environ.get("KEFU_REDIS_URL")
    or os.environ.get("KEFU_TEST_REDIS_URL")
    or "redis://127.0.0.1:6379/0"
)
TIMEOUT = 60.0


def _redis_answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            return True
    except OSError:
        return False


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[dict[str, str]]:
    if not _redis_answers(REDIS_URL):
        pytest.skip(f"no Redis at {REDIS_URL}")
    env = {k: v for k, v in os.environ.items() if k != "KEFU_DATABASE_URL"}
    env.update(
        KEFU_DATA_DIR=str(tmp_path),
        KEFU_REDIS_URL=REDIS_URL,
        KEFU_JOBS_QUEUE=f"kefu-test-{uuid.uuid4().hex}",
        KEFU_CACHE_PREFIX=f"kefu-test-{uuid.uuid4().hex}",
        KEFU_ENCODER="none",
    )
    kefu = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*kefu, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=TIMEOUT)
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            *kefu,
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield env
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        _forget_queue(env["KEFU_JOBS_QUEUE"])


def _forget_queue(queue: str) -> None:
    """Leave no keys of the throwaway queue behind in a shared Redis."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete(queue, *client.keys(f"_kombu.binding*.{queue}"))


def _pings(database: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT data FROM events_event WHERE kind = 'jobs.ping'").fetchall()
    return [json.loads(data) for (data,) in rows]


def test_a_worker_runs_an_enqueued_job(
    worker: dict[str, str], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.KEFU_JOBS_EAGER = False
    settings.REDIS_URL = worker["KEFU_REDIS_URL"]
    settings.KEFU_JOBS_QUEUE = worker["KEFU_JOBS_QUEUE"]
    assert jobs.mode() == "celery"
    token = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("jobs.ping", token=token)
    database = Path(worker["KEFU_DATA_DIR"]) / "kefu.sqlite3"
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not _pings(database):
        time.sleep(0.2)
    log = (Path(worker["KEFU_DATA_DIR"]) / "worker.log").read_text()
    assert _pings(database) == [{"token": token}], log


def test_beat_schedules_every_periodic_task() -> None:
    from kefu.jobs.celery_app import app

    schedule = app.conf.beat_schedule
    assert schedule["tickets.sla_scan"]["task"] == "tickets.sla_scan"
    assert "tickets.sla_scan" in app.tasks and "jobs.ping" in app.tasks
