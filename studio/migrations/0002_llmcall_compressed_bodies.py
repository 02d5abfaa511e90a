"""Model call bodies move from JSON columns to compressed JSON (studio.fields); rows keep theirs."""

from django.db import migrations

import studio.fields


def _copy(apps, pairs) -> None:
    LLMCall = apps.get_model("studio", "LLMCall")
    batch = []
    for call in LLMCall.objects.all().iterator(chunk_size=500):
        for source, target in pairs:
            setattr(call, target, getattr(call, source))
        batch.append(call)
        if len(batch) == 500:
            LLMCall.objects.bulk_update(batch, [target for _, target in pairs])
            batch = []
    if batch:
        LLMCall.objects.bulk_update(batch, [target for _, target in pairs])


def forwards(apps, schema_editor):
    _copy(apps, [("request", "request_z"), ("response", "response_z")])


def backwards(apps, schema_editor):
    _copy(apps, [("request_z", "request"), ("response_z", "response")])


class Migration(migrations.Migration):
    dependencies = [("studio", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="llmcall",
            name="request_z",
            field=studio.fields.CompressedJSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="response_z",
            field=studio.fields.CompressedJSONField(blank=True, null=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="llmcall", name="request"),
        migrations.RemoveField(model_name="llmcall", name="response"),
        migrations.RenameField(model_name="llmcall", old_name="request_z", new_name="request"),
        migrations.RenameField(model_name="llmcall", old_name="response_z", new_name="response"),
    ]
