"""The search index, kept by the database itself, so every way a turn is written (the engine's
commit, bulk loads, the admin) is searchable without the writers knowing.

- PostgreSQL: a GIN index over ``turn_document()``, the expression the search queries with.
- SQLite: an FTS5 external-content table over the turn table (the text is not stored twice),
  kept current by triggers. Rebuilding a table on SQLite (how Django alters one) drops its
  triggers, so ``fts_ensure`` runs after every migrate and puts them back, re-indexing when
  they were missing.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex

FTS_TABLE = "review_turn_fts"
PG_INDEX = "turn_search_document"
TURN_TABLE = "simulations_turn"
COLUMNS = ("reasoning", "raw_arguments", "arguments", "observation", "error")
_cols = ", ".join(COLUMNS)
_new = ", ".join(f"new.{c}" for c in COLUMNS)
_old = ", ".join(f"old.{c}" for c in COLUMNS)
_delete = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.id, {_old});"
_insert = f"INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.id, {_new});"
TRIGGERS = {
    "review_turn_fts_insert": f"AFTER INSERT ON {TURN_TABLE} BEGIN {_insert} END",
    "review_turn_fts_delete": f"AFTER DELETE ON {TURN_TABLE} BEGIN {_delete} END",
    "review_turn_fts_update": (
        f"AFTER UPDATE OF {_cols} ON {TURN_TABLE} BEGIN {_delete} {_insert} END"
    ),
}


def pg_index() -> GinIndex:
    from simulations.review.search.selectors import turn_document

    return GinIndex(turn_document(), name=PG_INDEX)


def search_index_install(*, schema_editor, turn_model) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Concurrently: on a studio with millions of turns the build takes a while, and the
        # runs in progress keep committing turns meanwhile (the migration is not atomic).
        index = pg_index()
        schema_editor.execute(index.create_sql(turn_model, schema_editor, concurrently=True))
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_cols}, "
            f"content='{TURN_TABLE}', content_rowid='id', tokenize='porter unicode61')"
        )
        fts_ensure(connection=schema_editor.connection)


def search_index_remove(*, schema_editor, turn_model) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.remove_index(turn_model, pg_index())
    elif vendor == "sqlite":
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def fts_ensure(*, connection) -> bool:
    """Put back missing triggers on SQLite and re-index; True when something was missing."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
            ["review_turn_fts%"],
        )
        present = {row[0] for row in cursor.fetchall()}
        if FTS_TABLE not in present:
            return False  # not migrated this far yet
        missing = [name for name in TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(f"CREATE TRIGGER {name} {TRIGGERS[name]}")
        if missing:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return bool(missing)


def fts_ensure_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    fts_ensure(connection=connections[using])
