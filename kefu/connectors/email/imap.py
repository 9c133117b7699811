"""Reading mailboxes over IMAP: every mail after the last UID read, in batches, oldest first.

The mailbox is opened read-only (nothing is flagged or deleted: the mailbox stays the customer's
record too). Progress is the UID of the last mail processed, saved after each batch; a crash
mid-batch means the batch is read again, and :func:`ingest` skips what was already done.

One worker reads a mailbox at a time: a PostgreSQL advisory lock, or a file lock beside the
SQLite database. Both die with the process that holds them, so a worker killed mid-poll never
blocks the next one. (The lock only saves work: two readers would still store each mail once.)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import imaplib
import logging
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models.functions import Greatest

from kefu.clock import now

from .config import MailboxConfig, mailboxes
from .ingest import ingest_many
from .models import MailboxState

logger = logging.getLogger(__name__)

BATCH = 200
_FETCH_UID = re.compile(rb"UID (\d+)")


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    processed: int = 0  # new mails (not seen before)
    skipped: int = 0  # already processed (a re-read)
    errors: list[str] = field(default_factory=list)


def poll_all(*, batch: int = BATCH, limit: int | None = None) -> list[PollResult]:
    """Read every configured mailbox once; one failing mailbox does not stop the others."""
    results = []
    for mailbox in mailboxes():
        try:
            results.append(poll_mailbox(mailbox, batch=batch, limit=limit))
        except Exception as exc:
            if isinstance(exc, (OSError, imaplib.IMAP4.error)):  # the server, not our code
                logger.warning("polling %s failed: %s", mailbox.key, exc)
            else:
                logger.exception("polling %s failed", mailbox.key)
            MailboxState.objects.update_or_create(
                key=mailbox.key, defaults={"last_error": f"{type(exc).__name__}: {exc}"[:2000]}
            )
            results.append(PollResult(mailbox.key, errors=[str(exc)]))
    return results


def poll_mailbox(
    mailbox: MailboxConfig, *, batch: int = BATCH, limit: int | None = None
) -> PollResult:
    """Process the mails that arrived since the last poll (at most ``limit``)."""
    result = PollResult(mailbox.key)
    with _exclusive(mailbox.key) as mine:
        if not mine:
            return result  # another worker is on it
        with _session(mailbox) as imap:
            uidvalidity = _select(imap, mailbox.folder)
            state, _created = MailboxState.objects.get_or_create(key=mailbox.key)
            if state.uidvalidity != uidvalidity:
                if state.uidvalidity:
                    logger.warning("%s: UIDVALIDITY changed, reading it again", mailbox.key)
                state.uidvalidity, state.last_uid = uidvalidity, 0
                state.save(update_fields=["uidvalidity", "last_uid"])
            uids = _new_uids(imap, state.last_uid)
            if limit is not None:
                uids = uids[:limit]
            for start in range(0, len(uids), batch):
                chunk = uids[start : start + batch]
                fetched = _fetch(imap, chunk)
                result.fetched += len(fetched)
                for outcome in ingest_many(fetched, mailbox=mailbox.key):
                    if outcome.created:
                        result.processed += 1
                    else:
                        result.skipped += 1
                MailboxState.objects.filter(pk=state.pk).update(
                    last_uid=Greatest("last_uid", chunk[-1])
                )
            MailboxState.objects.filter(pk=state.pk).update(polled_at=now(), last_error="")
    return result


@contextlib.contextmanager
def _exclusive(key: str) -> Iterator[bool]:
    """Whether this process may read mailbox ``key`` now (held for the block)."""
    digest = hashlib.sha256(key.encode()).digest()
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(digest[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
            (held,) = cursor.fetchone()
        try:
            yield bool(held)
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
        return
    path = Path(settings.DATA_DIR) / f"email-poll-{digest.hex()[:16]}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _session:
    def __init__(self, mailbox: MailboxConfig) -> None:
        self.mailbox = mailbox
        self.imap: imaplib.IMAP4 | None = None

    def __enter__(self) -> imaplib.IMAP4:
        box = self.mailbox
        if box.secure:
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                box.host, box.port, ssl_context=ssl.create_default_context(), timeout=60
            )
        else:
            imap = imaplib.IMAP4(box.host, box.port, timeout=60)
        imap.login(box.user, box.password)
        self.imap = imap
        return imap

    def __exit__(self, *exc: object) -> None:
        if self.imap is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.imap.logout()


def _select(imap: imaplib.IMAP4, folder: str) -> int:
    typ, data = imap.select(_quote(folder), readonly=True)
    if typ != "OK":
        raise imaplib.IMAP4.error(f"cannot open {folder}: {data!r}")
    values = imap.untagged_responses.get("UIDVALIDITY") or [b"0"]
    last = values[-1]
    return int(last if isinstance(last, bytes) else last[0])


def _new_uids(imap: imaplib.IMAP4, last_uid: int) -> list[int]:
    typ, data = imap.uid("SEARCH", f"UID {last_uid + 1}:*")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID SEARCH failed: {data!r}")
    # "n:*" always matches the last mail, even when its UID is below n.
    return sorted(u for u in (int(x) for x in b" ".join(data or []).split()) if u > last_uid)


def _fetch(imap: imaplib.IMAP4, uids: list[int]) -> list[tuple[int, bytes]]:
    typ, data = imap.uid("FETCH", _uid_set(uids), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID FETCH failed: {data!r}")
    found: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = _FETCH_UID.search(item[0])
            if match:
                found[int(match.group(1))] = item[1]
    return sorted(found.items())


def _uid_set(uids: list[int]) -> str:
    """ "1:5,8,10:12" for [1, 2, 3, 4, 5, 8, 10, 11, 12]."""
    ranges: list[str] = []
    start = previous = uids[0]
    for uid in [*uids[1:], None]:
        if uid is not None and uid == previous + 1:
            previous = uid
            continue
        ranges.append(f"{start}:{previous}" if previous != start else str(start))
        if uid is not None:
            start = previous = uid
    return ",".join(ranges)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
