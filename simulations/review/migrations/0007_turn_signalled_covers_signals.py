"""The signalled-turns index carries the signals themselves (PostgreSQL), so that counting
signals over the whole corpus (the dashboard) reads the index alone, never the wide turn rows."""

from django.db import migrations


def _rebuild(include: str):
    def rebuild(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX IF EXISTS turn_signalled")
        schema_editor.execute(
            f"CREATE INDEX turn_signalled ON simulations_turn (simulation_id, seq) {include} "
            "WHERE NOT (signals = '[]'::jsonb)"
        )

    return rebuild


class Migration(migrations.Migration):
    dependencies = [("review", "0006_turn_signal_indexes")]

    operations = [migrations.RunPython(_rebuild("INCLUDE (signals)"), _rebuild(""))]
