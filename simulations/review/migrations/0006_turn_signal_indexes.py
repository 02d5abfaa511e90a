"""Partial indexes over the few turns that carry a process signal or an error (PostgreSQL).

The dashboard's signal counts, the simulation list filtered by a signal and the turn list
filtered by one select turns by ``NOT signals = '[]'`` or ``NOT error = ''``: with these
indexes they read those few turns instead of every turn of every run."""

from django.db import migrations

INDEXES = {
    "turn_signalled": "NOT (signals = '[]'::jsonb)",
    "turn_errored": "NOT (error = '')",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, predicate in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON simulations_turn (simulation_id, seq) "
            f"WHERE {predicate}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("review", "0005_review_queues_and_bulk_labels")]

    operations = [migrations.RunPython(create, drop)]
