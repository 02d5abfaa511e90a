"""The default label taxonomy. Researchers edit it in the studio afterwards."""

from django.db import migrations

DEFAULT_LABELS = [
    # name, description, colour, is_bad, hotkey
    (
        "hallucinated file or fact",
        "Refers to a file, figure or fact that does not exist.",
        "#e03131",
        True,
        1,
    ),
    (
        "unrealistic action",
        "Nobody in this job would do this, or not this way.",
        "#f76707",
        True,
        2,
    ),
    ("loop or repetition", "Repeats an earlier action without progress.", "#f59f00", True, 3),
    (
        "tool misuse",
        "Wrong tool, wrong arguments, or ignores the tool's answer.",
        "#ae3ec9",
        True,
        4,
    ),
    ("off-persona", "Out of character for this user: voice, role, authority.", "#7048e8", True, 5),
    ("unsafe", "Leaks private data, deletes work, or acts beyond authority.", "#c2255c", True, 6),
    (
        "low-quality artifact",
        "The file written is thin, wrong or badly formatted.",
        "#1c7ed6",
        True,
        7,
    ),
    ("good example", "A turn worth learning from.", "#2f9e44", False, 8),
]


def create_defaults(apps, schema_editor):
    Label = apps.get_model("review", "Label")
    for order, (name, description, colour, is_bad, hotkey) in enumerate(DEFAULT_LABELS, start=1):
        Label.objects.get_or_create(
            name=name,
            defaults={
                "description": description,
                "colour": colour,
                "is_bad": is_bad,
                "hotkey": hotkey,
                "order": order,
            },
        )


def remove_defaults(apps, schema_editor):
    Label = apps.get_model("review", "Label")
    Label.objects.filter(name__in=[row[0] for row in DEFAULT_LABELS], annotations=None).delete()


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, remove_defaults)]
