"""Import a computer archive made by export_computer as a new computer.

python manage.py import_computer ARCHIVE --pool NAME [--owner USERNAME] [--private]
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from simulations.review import archive, archive_import
from studio.models import PersonaPool


class Command(BaseCommand):
    help = "Import a computer archive (names, types, sizes and hashes checked) as a new computer."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--pool", required=True, help="persona pool to import into (created if new)"
        )
        parser.add_argument("--owner", default="", help="owner of a new pool")
        parser.add_argument(
            "--private", action="store_true", help="a new pool is private to its owner"
        )

    def handle(self, *args, **opts):
        path = Path(opts["archive"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        owner = None
        if opts["owner"]:
            owner = get_user_model().objects.filter(username=opts["owner"]).first()
            if owner is None:
                raise CommandError(f"no user {opts['owner']!r}")
        pool, _ = PersonaPool.objects.get_or_create(
            name=opts["pool"], defaults={"owner": owner, "shared": not opts["private"]}
        )
        try:
            with path.open("rb") as source:
                computer = archive_import.archive_import(source=source, pool=pool, created_by=owner)
        except archive.ArchiveError as exc:
            raise CommandError(f"{path.name}: {exc}") from None
        self.stdout.write(
            f"Imported computer {computer.pk} ({computer.display_name}, "
            f"{computer.files.count()} files) into pool {pool.name!r}."
        )
