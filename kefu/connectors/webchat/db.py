"""Where the sockets' database work runs.

Channels runs every ``database_sync_to_async`` call of a process in one thread, so under load
each socket waits for every other socket's queries. On PostgreSQL the calls go to the event
loop's thread pool instead, each thread borrowing a connection from the process's pool (see
``DATABASES`` in settings): one socket's frames still run one after another (a consumer awaits
each call), and the ticket row lock keeps message numbers gap-free across sockets. SQLite has a
single writer anyway and keeps the one thread, as do tests that hold their data in an open
transaction (``KEFU_CHAT_DB_THREADS = False``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection


def parallel() -> bool:
    return bool(settings.KEFU_CHAT_DB_THREADS) and connection.vendor == "postgresql"


def db_call(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as an awaitable run off the event loop (see the module docstring)."""
    return database_sync_to_async(function, thread_sensitive=not parallel())
