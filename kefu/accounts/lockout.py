"""Sign-in lockout: too many failed passwords or codes lock a username, or an IP address, for a
while, so that a password cannot be guessed and a code cannot be tried through all its values.

Failures are counted in the cache: Redis in scaled mode, so every web process sees the same
counts and locks; the process's memory in embedded mode, which is one process. A restart of an
embedded desk forgets them, which only shortens a lock; every attempt is also recorded for good
in ``StaffSignIn``. Times come from :mod:`kefu.clock`, so tests can move past a lock.

Counting uses fixed windows of ``KEFU_SIGNIN_WINDOW_SECONDS``, and a failure locks once the
current and the previous window hold the limit together: a slow guesser never gets more than
the limit per window either side of a boundary.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache

from kefu import clock

USERNAME = "username"
ADDRESS = "ip"


@dataclass(frozen=True)
class Lock:
    """A lock in force: on which kind of thing (a username or an address) and until when."""

    scope: str
    until: datetime


def username_key(username: str) -> str:
    """Usernames differing only in case or spaces count as one, so case games gain nothing."""
    return username.strip().casefold()


def _digest(scope: str, who: str) -> str:
    return hashlib.sha256(f"{scope}:{who}".encode()).hexdigest()[:32]


def _lock_key(scope: str, who: str) -> str:
    return f"kefu:signin:lock:{_digest(scope, who)}"


def _count_key(scope: str, who: str, window: int) -> str:
    return f"kefu:signin:fail:{_digest(scope, who)}:{window}"


def _window(at: datetime) -> int:
    return int(at.timestamp() // settings.KEFU_SIGNIN_WINDOW_SECONDS)


def _subjects(username: str, ip: str | None) -> list[tuple[str, str, int]]:
    subjects = [(USERNAME, username_key(username), settings.KEFU_SIGNIN_MAX_FAILURES)]
    if ip:
        subjects.append((ADDRESS, ip, settings.KEFU_SIGNIN_IP_MAX_FAILURES))
    return subjects


def current_lock(username: str, ip: str | None) -> Lock | None:
    """The lock that refuses this username from this address now, if any (the longer one)."""
    now = clock.now().timestamp()
    subjects = _subjects(username, ip)
    found = cache.get_many([_lock_key(scope, who) for scope, who, _ in subjects])
    locks = [
        Lock(scope, datetime.fromtimestamp(found[_lock_key(scope, who)], UTC))
        for scope, who, _ in subjects
        if found.get(_lock_key(scope, who), 0) > now
    ]
    return max(locks, key=lambda lock: lock.until) if locks else None


def _increment(key: str) -> int:
    timeout = 2 * settings.KEFU_SIGNIN_WINDOW_SECONDS
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def record_failure(username: str, ip: str | None) -> Lock | None:
    """Count one failed password or code; returns the lock it started, if it started one."""
    now = clock.now()
    window = _window(now)
    started: Lock | None = None
    for scope, who, limit in _subjects(username, ip):
        failures = _increment(_count_key(scope, who, window))
        failures += cache.get(_count_key(scope, who, window - 1), 0)
        if failures >= limit:
            until = now + timedelta(seconds=settings.KEFU_SIGNIN_LOCKOUT_SECONDS)
            cache.set(
                _lock_key(scope, who),
                until.timestamp(),
                timeout=settings.KEFU_SIGNIN_LOCKOUT_SECONDS,
            )
            _forget_counts(scope, who, window)
            if started is None or until > started.until:
                started = Lock(scope, until)
    return started


def _forget_counts(scope: str, who: str, window: int) -> None:
    cache.delete_many([_count_key(scope, who, window), _count_key(scope, who, window - 1)])


def clear_failures(username: str) -> None:
    """A full sign-in forgets the username's earlier failures (not the address's)."""
    _forget_counts(USERNAME, username_key(username), _window(clock.now()))


def unlock(username: str) -> bool:
    """Lift a username's lock and forget its failures; returns whether it was locked."""
    who = username_key(username)
    was_locked = current_lock(username, None) is not None
    cache.delete(_lock_key(USERNAME, who))
    clear_failures(username)
    return was_locked
