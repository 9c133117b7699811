"""Run the whole suite twice: embedded mode (SQLite) and scaled mode (PostgreSQL + Redis).

Uses KEFU_TEST_DATABASE_URL / KEFU_TEST_REDIS_URL when set, else servers on 127.0.0.1's default
ports when they answer, else throwaway servers started in a temp dir on free ports (and stopped
afterwards). Browser tests run once, in the SQLite pass. Extra arguments go to pytest.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@contextmanager
def postgres() -> Iterator[str | None]:
    if url := os.environ.get("KEFU_TEST_DATABASE_URL"):
        yield url
        return
    if _answers("127.0.0.1", 5432):
        yield "postgresql://postgres@127.0.0.1:5432/kefu"
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="kefu-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(tmp, "nobody")
        run_as = ["runuser", "-u", "nobody", "--"]
    port = _free_port()
    data = tmp / "data"
    subprocess.run(
        [*run_as, initdb, "-A", "trust", "-U", "postgres", "-D", str(data)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            *run_as,
            pg_ctl,
            "-D",
            str(data),
            "-w",
            "-l",
            str(tmp / "log"),
            "-o",
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/kefu"
    finally:
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(data), "-m", "fast", "stop"], stdout=subprocess.DEVNULL
        )
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def redis() -> Iterator[str | None]:
    if url := os.environ.get("KEFU_TEST_REDIS_URL"):
        yield url
        return
    if _answers("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/9"
        return
    server = shutil.which("redis-server")
    if not server:
        yield None
        return
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _answers("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def pytest(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)


def main() -> int:
    extra = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k not in {"KEFU_DATABASE_URL", "KEFU_REDIS_URL"}}
    with ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="kefu-test-"))
        base["KEFU_DATA_DIR"] = data_dir
        failures = pytest("embedded mode: SQLite", base, extra)
        db_url = stack.enter_context(postgres())
        redis_url = stack.enter_context(redis())
        if not db_url or not redis_url:
            print(
                "scaled mode: no PostgreSQL or Redis available; install them "
                "(scripts/system_deps.sh) to run the scaled-mode pass.",
                file=sys.stderr,
            )
            return 1 if failures else 0
        scaled = {
            **base,
            "KEFU_DATABASE_URL": db_url,
            "KEFU_REDIS_URL": redis_url,
            "KEFU_CACHE_PREFIX": f"kefu-test-{os.getpid()}",
            "KEFU_CHANNEL_PREFIX": f"kefu-test-{os.getpid()}",
        }
        failures |= pytest("scaled mode: PostgreSQL + Redis", scaled, ["-m", "not browser", *extra])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
