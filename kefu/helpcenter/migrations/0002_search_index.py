"""The database-specific full-text index over SearchDocument."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE helpcenter_search_fts USING fts5(
        title_tokens, question_tokens, body_tokens, tag_tokens,
        content='helpcenter_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER helpcenter_searchdoc_ai AFTER INSERT ON helpcenter_searchdocument BEGIN
        INSERT INTO helpcenter_search_fts(rowid, title_tokens, question_tokens, body_tokens,
            tag_tokens)
        VALUES (new.id, new.title_tokens, new.question_tokens, new.body_tokens, new.tag_tokens);
    END""",
    """CREATE TRIGGER helpcenter_searchdoc_ad AFTER DELETE ON helpcenter_searchdocument BEGIN
        INSERT INTO helpcenter_search_fts(helpcenter_search_fts, rowid, title_tokens,
            question_tokens, body_tokens, tag_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.question_tokens, old.body_tokens,
            old.tag_tokens);
    END""",
    """CREATE TRIGGER helpcenter_searchdoc_au AFTER UPDATE ON helpcenter_searchdocument BEGIN
        INSERT INTO helpcenter_search_fts(helpcenter_search_fts, rowid, title_tokens,
            question_tokens, body_tokens, tag_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.question_tokens, old.body_tokens,
            old.tag_tokens);
        INSERT INTO helpcenter_search_fts(rowid, title_tokens, question_tokens, body_tokens,
            tag_tokens)
        VALUES (new.id, new.title_tokens, new.question_tokens, new.body_tokens, new.tag_tokens);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS helpcenter_searchdoc_au",
    "DROP TRIGGER IF EXISTS helpcenter_searchdoc_ad",
    "DROP TRIGGER IF EXISTS helpcenter_searchdoc_ai",
    "DROP TABLE IF EXISTS helpcenter_search_fts",
]
POSTGRES_FORWARD = [
    """ALTER TABLE helpcenter_searchdocument ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title_tokens), 'A') ||
            setweight(to_tsvector('simple', question_tokens), 'B') ||
            setweight(to_tsvector('simple', tag_tokens), 'C') ||
            setweight(to_tsvector('simple', body_tokens), 'D')
        ) STORED""",
    """CREATE INDEX helpcenter_searchdoc_vector ON helpcenter_searchdocument
        USING gin (search_vector)""",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS helpcenter_searchdoc_vector",
    "ALTER TABLE helpcenter_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("helpcenter", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
