"""Request bodies become deltas of earlier requests (studio.llm.bodies).

The existing columns are kept, renamed: a compressed whole request is what the new layout calls
a snapshot (no base), so rows written before read as they are, with no data to convert."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("studio", "0006_llmcall_tokens_estimated")]

    operations = [
        migrations.RenameField(model_name="llmcall", old_name="request", new_name="request_body"),
        migrations.RenameField(
            model_name="llmcall", old_name="response", new_name="response_body"
        ),
        migrations.AlterField(
            model_name="llmcall",
            name="request_body",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="llmcall",
            name="response_body",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="request_base",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="request_root",
            field=models.BigIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="request_prefix",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="request_suffix",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="llmcall",
            name="bodies_removed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
