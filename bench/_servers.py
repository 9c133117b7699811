"""Servers the benchmarks start: uvicorn serving Kefu as in production, and database URLs."""

from __future__ import annotations

import contextlib
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
