"""Full-text search over turns: a GIN index on PostgreSQL, an FTS5 table with triggers on
SQLite (see simulations/review/search/index.py)."""

from django.db import migrations

from simulations.review.search import index


def install(apps, schema_editor):
    index.search_index_install(
        schema_editor=schema_editor, turn_model=apps.get_model("simulations", "Turn")
    )


def remove(apps, schema_editor):
    index.search_index_remove(
        schema_editor=schema_editor, turn_model=apps.get_model("simulations", "Turn")
    )


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction
    dependencies = [
        ("review", "0003_label_owner_and_changes"),
        ("simulations", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, remove)]
