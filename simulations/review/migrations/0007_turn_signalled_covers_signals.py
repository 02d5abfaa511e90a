"""The signalled-turns index carries the signals themselves (PostgreSQL), so that counting
signals over the whole corpus (the dashboard) reads the index alone, never the wide turn rows."""

from django.db import migrations


def covering(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS turn_signalled")
    schema_editor.execute(
        "CREATE INDEX turn_signalled ON simulations_turn (simulation_id, seq) INCLUDE (signals) "
        "WHERE NOT (signals = '[]'::jsonb)"
    )


def plain(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS turn_signalled")
    schema_editor.execute(
        "CREATE INDEX turn_signalled ON simulations_turn (simulation_id, seq) "
        "WHERE NOT (signals = '[]'::jsonb)"
    )


class Migration(migrations.Migration):
    dependencies = [("review", "0006_turn_signal_indexes")]

    operations = [migrations.RunPython(covering, plain)]
