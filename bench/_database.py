"""A throwaway database for a benchmark, of the kind the settings select (SQLite or PostgreSQL)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.test.utils import setup_databases, teardown_databases


@contextmanager
def bench_database() -> Iterator[str]:
    """Create, migrate and finally drop a separate database; yields its vendor."""
    settings = connections["default"].settings_dict
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        if connections["default"].vendor == "sqlite":
            # On disk, as in embedded mode, not SQLite's in-memory test default.
            settings["TEST"]["NAME"] = str(Path(tmp) / "bench.sqlite3")
        else:
            settings["TEST"]["NAME"] = f"{settings['NAME']}_bench"
        # Django takes any collection of aliases; its type stubs ask for a mapping.
        old = setup_databases(verbosity=0, interactive=False, aliases={"default"})  # type: ignore[arg-type]
        try:
            yield connections["default"].vendor
        finally:
            teardown_databases(old, verbosity=0)
