"""Email ingestion through IMAP, and exactly-once across a worker killed mid-run.

A throwaway Dovecot serves one folder holding N generated mails (IMAP APPEND): new requests
from distinct senders in English and Chinese (some GB2312, some HTML with quoted history),
replies that thread onto earlier tickets by In-Reply-To, and auto-replies that must be ignored.
Each mail carries a unique token ("ref-000123") in its text.

The ingesting worker is the real one, ``kefu email poll --loop``, in a process of its own on
a fresh database (embedded: SQLite in a temporary ``KEFU_DATA_DIR``; scaled: a throwaway
PostgreSQL database and Redis). Once a fraction of the mails (``--kill-at``) is stored, the
worker gets SIGKILL, mid-batch, and a new one is started; the run ends when every mail has its
``InboundMail`` row. Then, from the database:

- lost: a mail whose token is on no customer message (or, for an auto-reply, that has no row);
- duplicated: a token on more than one message, or more tickets than new requests;
- misfiled: a reply not on its parent's ticket, an auto-reply that opened or joined a ticket.

Throughput is mails stored per second while a worker was running and reading (from its first
stored mail to the kill, and from the restarted worker's first to the last), and over the
whole wall time including both start-ups.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bench._servers import add_scaled_arguments, scaled_env

Out = Callable[[str], None]

ROOT = Path(__file__).resolve().parents[1]
TARGET_PER_S = 200.0
TOKEN = re.compile(r"ref-\d{6}")

SUBJECTS_EN = [
    "Deposit not credited",
    "Withdrawal under review for two days",
    "Cannot log in after changing phone",
    "Futures position liquidated unexpectedly",
    "KYC documents rejected",
]
SUBJECTS_ZH = ["充值未到账", "提现一直在审核", "换手机后无法登录", "合约仓位被强平", "身份认证被拒"]
BODIES_EN = [
    "I sent {amount} USDT on TRC20 about three hours ago and it is still not in my account.",
    "My withdrawal of {amount} USDT has been under review since Monday. What is missing?",
    "After changing my phone I cannot receive the 2FA code. Please help me get back in.",
    "My BTC perpetual position was closed although the mark price never reached it.",
]
BODIES_ZH = [
    "我三个小时前通过TRC20充值了{amount} USDT，到现在还没有到账。",
    "我的{amount} USDT提现从周一开始一直在审核，请问还需要什么材料？",
    "换了手机以后收不到二次验证码，无法登录账户，请帮忙处理。",
    "我的BTC永续合约仓位被强平了，但标记价格并没有到强平价。",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=2000, help="mails in the mailbox (2000)")
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.4,
        help="SIGKILL the worker once this fraction is stored, then restart it (0.4; 0: no kill)",
    )
    parser.add_argument("--batch", type=int, default=200, help="mails per UID FETCH (200)")
    parser.add_argument("--mode", choices=["embedded", "scaled", "both"], default="both")
    parser.add_argument("--timeout", type=float, default=600, help="give up after (600 s)")
    add_scaled_arguments(parser)
    parser.add_argument("--seed", type=int, default=7)


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.email.servers import DOVECOT, dovecot

    if DOVECOT is None:
        raise SystemExit("dovecot is not installed: apt-get install dovecot-imapd")
    modes = ["embedded", "scaled"] if options.mode == "both" else [options.mode]
    mails, expected = _generate(options.messages, random.Random(options.seed))
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_avg_at_start": list(os.getloadavg())},
        "messages": len(mails),
        "mix": dict(Counter(kind for kind, _parent in expected.values())),
        "batch": options.batch,
        "kill_at": options.kill_at,
        "target_per_s": TARGET_PER_S,
        "runs": [],
    }
    out(f"{len(mails)} mails: {results['mix']}")
    with dovecot() as imap:
        for number, mode in enumerate(modes):
            folder = f"bench{number}"
            imap.create_folder(folder)
            started = time.perf_counter()
            imap.append(folder, *mails)
            out(f"[{mode}] appended to IMAP in {time.perf_counter() - started:.1f} s")
            result = _run_one(mode, imap.url(folder), expected, options, out)
            results["runs"].append(result)
    for result in results["runs"]:
        _report(result, out)
    return results


def _run_one(
    mode: str, url: str, expected: dict[str, tuple[str, str]], options: argparse.Namespace, out: Out
) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kefu-bench-email-")))
        env = _env(tmp, url, options)
        if mode == "scaled":
            env.update(scaled_env(f"kefu_bench_email_{os.getpid()}", options, stack))
        t = time.perf_counter()
        _kefu(env, tmp, "migrate", "--verbosity", "0")
        out(f"[{mode}] migrated in {time.perf_counter() - t:.1f} s")
        count = _counter(env, tmp, stack)
        total = len(expected)
        kill_at = int(total * options.kill_at) if options.kill_at > 0 else 0
        deadline = time.monotonic() + options.timeout
        phases: list[dict[str, Any]] = []
        wall_start = time.perf_counter()
        while True:
            killed = bool(kill_at) and not phases
            worker = _worker(env, tmp, options.batch, len(phases))
            phase = _watch(worker, count, stop_at=kill_at if killed else total, deadline=deadline)
            if killed:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
                phase["killed_at"] = count()
                phase["stored"] = phase["killed_at"] - phase["before"]
                out(f"[{mode}] worker {worker.pid} killed (SIGKILL) at {phase['killed_at']} stored")
            else:
                _stop(worker)
            phases.append(phase)
            if not killed:
                break
        wall = time.perf_counter() - wall_start
        if count() < total:
            raise SystemExit(f"[{mode}] timed out with {count()} of {total} stored; see {tmp}")
        check = _check(env, tmp, expected)
    active = sum(p["active_s"] for p in phases)
    stored = sum(p["stored"] for p in phases)
    return {
        "mode": mode,
        "messages": total,
        "phases": phases,
        "active_s": round(active, 2),
        "wall_s": round(wall, 2),
        "per_s": round(stored / active, 1) if active else None,
        "per_s_wall": round(total / wall, 1),
        "restarts": len(phases) - 1,
        **check,
        "target_met": bool(active)
        and stored / active >= TARGET_PER_S
        and not check["lost"]
        and not check["duplicated"],
    }


def _env(tmp: Path, url: str, options: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
            "KEFU_DATA_DIR": str(tmp / "data"),
            "KEFU_SECRET_KEY": secrets.token_urlsafe(40),
            "KEFU_ENCODER": "none",
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_JOBS_SCHEDULER": "0",
            "KEFU_EMAIL_MAILBOXES": url,
            "KEFU_EMAIL_SMTP_URL": "",  # ingestion only: acknowledgements stay queued
            "KEFU_EMAIL_TICKETS_PER_HOUR": "1000",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _kefu(env: dict[str, str], tmp: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"kefu {' '.join(args)} failed: {done.stderr[-3000:]}")


def _worker(env: dict[str, str], tmp: Path, batch: int, number: int) -> subprocess.Popen[bytes]:
    log = open(tmp / f"worker-{number}.log", "wb")  # noqa: SIM115 - the child keeps it
    command = ["email", "poll", "--loop", "--interval", "0.2", "--batch", str(batch)]
    return subprocess.Popen(
        [sys.executable, "-m", "kefu.cli", *command],
        env=env,
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _watch(
    worker: subprocess.Popen[bytes], count: Callable[[], int], *, stop_at: int, deadline: float
) -> dict[str, Any]:
    """Wait until ``stop_at`` mails are stored; time from this worker's first stored mail."""
    started = time.perf_counter()
    before = count()
    first: float | None = None
    while True:
        now_count = count()
        now = time.perf_counter()
        if first is None and now_count > before:
            first = now
        if now_count >= stop_at:
            break
        if worker.poll() is not None:
            raise SystemExit(f"worker exited with {worker.returncode}")
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    end = time.perf_counter()
    return {
        "pid": worker.pid,
        "before": before,
        "startup_s": round((first or end) - started, 2),
        "active_s": round(end - (first or end), 3),
        "stored": now_count - before,
    }


def _stop(worker: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


@contextlib.contextmanager
def _connect(env: dict[str, str], tmp: Path) -> Iterator[Any]:
    if url := env.get("KEFU_DATABASE_URL"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as server:
            yield server
    else:
        conn = sqlite3.connect(Path(env["KEFU_DATA_DIR"]) / "kefu.sqlite3", timeout=30)
        try:
            yield conn
        finally:
            conn.close()


def _counter(env: dict[str, str], tmp: Path, stack: contextlib.ExitStack) -> Callable[[], int]:
    conn = stack.enter_context(_connect(env, tmp))

    def count() -> int:
        return int(conn.execute("SELECT count(*) FROM email_channel_inboundmail").fetchone()[0])

    return count


def _check(env: dict[str, str], tmp: Path, expected: dict[str, tuple[str, str]]) -> dict[str, Any]:
    with _connect(env, tmp) as conn:
        rows = conn.execute(
            "SELECT message_id, status, ticket_id FROM email_channel_inboundmail"
        ).fetchall()
        messages = conn.execute(
            "SELECT ticket_id, text FROM tickets_message WHERE author = 'customer'"
        ).fetchall()
        tickets = int(conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0])
    inbound = {mid: (status, ticket) for mid, status, ticket in rows}
    seen: dict[str, list[int]] = {}
    for ticket, text in messages:
        for token in TOKEN.findall(text):
            seen.setdefault(token, []).append(ticket)
    lost = duplicated = misfiled = 0
    ticket_of: dict[str, int] = {}
    for mid, (kind, parent) in expected.items():
        token = _token(mid)
        places = seen.get(token, [])
        if kind == "auto":
            status = inbound.get(mid)
            lost += status is None
            misfiled += bool(status and (status[0] != "ignored" or status[1] is not None))
            misfiled += bool(places)
            continue
        lost += not places
        duplicated += len(places) > 1
        if places:
            ticket_of[mid] = places[0]
        if kind == "reply" and places and ticket_of.get(parent) != places[0]:
            misfiled += 1
    new = sum(1 for kind, _parent in expected.values() if kind == "new")
    return {
        "stored": len(inbound),
        "lost": lost,
        "duplicated": duplicated + max(0, tickets - new),
        "misfiled": misfiled,
        "tickets": tickets,
        "statuses": dict(Counter(status for status, _ticket in inbound.values())),
    }


def _token(message_id: str) -> str:
    return "ref-" + message_id.split("@")[0].rsplit("-", 1)[1]


def _generate(count: int, rng: random.Random) -> tuple[list[bytes], dict[str, tuple[str, str]]]:
    """Mails in delivery order, and per Message-ID its kind and (for replies) its parent."""
    mails: list[bytes] = []
    expected: dict[str, tuple[str, str]] = {}
    opened: list[tuple[str, str, str]] = []  # (message id, sender, subject)
    for i in range(count):
        token = f"ref-{i:06d}"
        message_id = f"bench-{i:06d}@example.com"
        roll = rng.random()
        message = EmailMessage()
        message["To"] = "support@beacon.test"
        message["Message-ID"] = f"<{message_id}>"
        if roll < 0.10:
            message["From"] = f"away{i}@example.com"
            message["Subject"] = "Automatic reply: out of office"
            message["Auto-Submitted"] = "auto-replied"
            message.set_content(f"I am away until Monday. {token}")
            expected[message_id] = ("auto", "")
        elif roll < 0.25 and opened:
            parent, sender, subject = rng.choice(opened)
            message["From"] = sender
            message["Subject"] = f"Re: {subject}"
            message["In-Reply-To"] = f"<{parent}>"
            message["References"] = f"<{parent}>"
            message.set_content(
                f"Here is the screenshot you asked for, {token}.\n\n"
                f"On Tue, 5 Mar 2024 at 09:14, Beacon Support wrote:\n> Please send a screenshot."
            )
            expected[message_id] = ("reply", parent)
        else:
            chinese = rng.random() < 0.5
            sender = f"customer{i}@example.com"
            subject = rng.choice(SUBJECTS_ZH if chinese else SUBJECTS_EN)
            body = rng.choice(BODIES_ZH if chinese else BODIES_EN).format(
                amount=rng.randint(10, 5000)
            )
            body = f"{body}\n{token}"
            message["From"] = f"Customer {i} <{sender}>"
            message["Subject"] = subject
            charset = "gb2312" if chinese and rng.random() < 0.5 else "utf-8"
            message.set_content(body, charset=charset)
            if rng.random() < 0.3:
                html = "".join(f"<p>{line}</p>" for line in body.splitlines())
                message.add_alternative(
                    f"<html><body>{html}<div class='gmail_quote'>old</div></body></html>",
                    subtype="html",
                )
            opened.append((message_id, sender, subject))
            expected[message_id] = ("new", "")
        mails.append(message.as_bytes())
    return mails, expected


def _report(r: dict[str, Any], out: Out) -> None:
    out(f"== {r['mode']}: {r['messages']} mails ==")
    for number, phase in enumerate(r["phases"]):
        what = f"killed at {phase['killed_at']} stored" if "killed_at" in phase else "finished"
        out(
            f"  worker {number + 1}: start-up {phase['startup_s']:.1f} s, stored {phase['stored']}"
            f" in {phase['active_s']:.1f} s, {what}"
        )
    out(
        f"  throughput {r['per_s']} mails/s while reading ({r['active_s']} s), "
        f"{r['per_s_wall']} mails/s over the whole run ({r['wall_s']} s, {r['restarts']} restart)"
    )
    out(
        f"  lost {r['lost']}, duplicated {r['duplicated']}, misfiled {r['misfiled']}; "
        f"tickets {r['tickets']}; {r['statuses']}"
    )
    out(f"  target {TARGET_PER_S:.0f} mails/s, no loss: {'met' if r['target_met'] else 'NOT met'}")
