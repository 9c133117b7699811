"""Search ranks in process memory now (``search/lexical.py``); the database's full-text index
(FTS5 table and triggers on SQLite, tsvector column and GIN index on PostgreSQL) only slowed
every write down."""

import importlib

from django.db import migrations

_created = importlib.import_module("kefu.helpcenter.migrations.0002_search_index")


class Migration(migrations.Migration):
    dependencies = [("helpcenter", "0003_semantic_vectors")]

    operations = [
        migrations.RunPython(
            _created._run(
                {"sqlite": _created.SQLITE_BACKWARD, "postgresql": _created.POSTGRES_BACKWARD}
            ),
            _created._run(
                {"sqlite": _created.SQLITE_FORWARD, "postgresql": _created.POSTGRES_FORWARD}
            ),
        )
    ]
