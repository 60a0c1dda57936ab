"""The full-text index of message text, outside the ORM's tables.

SQLite: an FTS5 external-content table over ``messages`` (``messages_fts``), kept in step by
triggers. PostgreSQL: a GIN index over ``to_tsvector('simple', content)``. Alembic owns both
(migrations 0009 and 0012); schema comparisons leave these names alone (``is_search_index``).

A reply is indexed once it is written (any status but ``streaming``): indexing each
checkpoint re-tokenised the whole text so far every second, work that grew with the square of
a reply's length (migration 0012). A row's indexed text is always its text as last stored
outside ``streaming``, which FTS5's external-content ``delete`` needs exactly.
"""

from __future__ import annotations

FTS_TABLE = "messages_fts"
PG_INDEX = "ix_messages_search"
# The 'simple' configuration: no stemming and no stop words, so any language is found as
# typed; FTS5's unicode61 does the same on SQLite (accents folded on both).
PG_CONFIG = "simple"


def is_search_index(name: str | None) -> bool:
    """True for the index's own tables and indexes (not described by the ORM's metadata)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or name == PG_INDEX)


SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(content, content='messages', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON messages BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content); END",
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON messages BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) "
    "VALUES ('delete', old.id, old.content); END",
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF content ON messages BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) "
    "VALUES ('delete', old.id, old.content); "
    f"INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
)
SQLITE_DROP = (
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
PG_CREATE = (
    f"CREATE INDEX {PG_INDEX} ON messages USING GIN (to_tsvector('{PG_CONFIG}', content))",
)
PG_DROP = (f"DROP INDEX IF EXISTS {PG_INDEX}",)

# Since 0012: rows still streaming stay out of the index.
WRITTEN = "status <> 'streaming'"
SQLITE_WRITTEN_TRIGGERS = (
    f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON messages "
    f"WHEN new.{WRITTEN} BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content); END",
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON messages "
    f"WHEN old.{WRITTEN} BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) "
    "VALUES ('delete', old.id, old.content); END",
    # One trigger, so the old text leaves the index before the new one enters it.
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF content, status ON messages "
    f"WHEN old.{WRITTEN} OR new.{WRITTEN} BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) "
    f"SELECT 'delete', old.id, old.content WHERE old.{WRITTEN}; "
    f"INSERT INTO {FTS_TABLE}(rowid, content) SELECT new.id, new.content WHERE new.{WRITTEN}; "
    "END",
)
# The triggers of 0009 and of 0012 have the same names.
SQLITE_TRIGGERS_DROP = (
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
)
SQLITE_REINDEX_WRITTEN = (
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')",
    f"INSERT INTO {FTS_TABLE}(rowid, content) SELECT id, content FROM messages WHERE {WRITTEN}",
)
PG_WRITTEN_CREATE = (
    f"CREATE INDEX {PG_INDEX} ON messages USING GIN (to_tsvector('{PG_CONFIG}', content)) "
    f"WHERE {WRITTEN}",
)
