"""Servers the benchmarks start: uvicorn serving Kefu as in production, and database URLs."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class BenchError(Exception):
    """A benchmark could not run as set up; the message says why."""


def with_path(url: str, name: str) -> str:
    """``url`` pointing at database ``name``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def log_tail(tmp: Path, label: str) -> str:
    path = tmp / f"server-{label}.log"
    return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@contextlib.contextmanager
def uvicorn_server(
    env: dict[str, str], tmp: Path, label: str, *, workers: int = 1
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``kefu.asgi`` under uvicorn on a free port, logging to ``tmp/server-<label>.log``;
    yields the process and the port once it listens (and, with workers, once they are up)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = open(tmp / f"server-{label}.log", "wb")  # noqa: SIM115 - closed below
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "kefu.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if workers > 1:
        command += ["--workers", str(workers)]
    # Thousands of simulated customers share one address here: no rate limits unless asked.
    env = {"KEFU_RATE_LIMITS": "off", **env}
    proc = subprocess.Popen(command, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise BenchError(f"server {label} did not start: {log_tail(tmp, label)}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError(f"server {label} did not listen in time") from None
                time.sleep(0.2)
        if workers > 1:
            time.sleep(2)  # every worker process up, not just the first
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def add_scaled_arguments(parser: argparse.ArgumentParser) -> None:
    """The servers a benchmark's scaled mode runs against."""
    parser.add_argument(
        "--postgres",
        default=os.environ.get("KEFU_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server for scaled mode (a throwaway database is made there)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("KEFU_BENCH_REDIS", "redis://127.0.0.1:6379/15"),
        help="Redis for scaled mode (keys under a prefix of this run, deleted afterwards)",
    )


def scaled_env(
    name: str, options: argparse.Namespace, stack: contextlib.ExitStack
) -> dict[str, str]:
    """Settings for scaled-mode servers: a fresh database ``name`` on ``options.postgres`` and a
    Redis key prefix of the same name, both removed when ``stack`` closes."""
    import psycopg
    import redis

    admin = with_path(options.postgres, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    prefix = name.replace("_", "-")

    def drop_database() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_keys() -> None:
        client = redis.Redis.from_url(options.redis)
        for pattern in (f"{prefix}*", f"*{prefix}*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
        client.close()

    stack.callback(drop_database)
    stack.callback(drop_keys)
    return {
        "KEFU_DATABASE_URL": with_path(options.postgres, name),
        "KEFU_REDIS_URL": options.redis,
        "KEFU_CHANNEL_PREFIX": prefix,
        "KEFU_CACHE_PREFIX": prefix,
    }
