"""Stored configs lose keep_recent_turns and condense_every: the worker's history is now
condensed by size (history_max_chars down to history_keep_chars), and SimulationConfig
refuses keys it does not know."""

from django.db import migrations

OLD_KEYS = ("keep_recent_turns", "condense_every")


def drop_turn_window(apps, schema_editor):
    for name in ("Simulation", "SimulationBatch"):
        model = apps.get_model("simulations", name)
        for row in model.objects.filter(config__has_any_keys=OLD_KEYS).only("config"):
            row.config = {k: v for k, v in row.config.items() if k not in OLD_KEYS}
            row.save(update_fields=["config"])


class Migration(migrations.Migration):
    dependencies = [("simulations", "0001_initial")]

    operations = [migrations.RunPython(drop_turn_window, migrations.RunPython.noop)]
