"""Import a computer archive made by export_computer, or computers in the paper's layout.

python manage.py import_computer ARCHIVE --pool NAME [--owner USERNAME] [--private]
python manage.py import_computer PATH --format paper --pool NAME
    PATH: a folder holding computers/, one computer's folder, or a .tar.zst/.tar.gz of either
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from simulations.review import archive, archive_import, paper_import
from studio.models import PersonaPool


class Command(BaseCommand):
    help = "Import a computer archive (names, types, sizes and hashes checked) as a new computer."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--pool", required=True, help="persona pool to import into (created if new)"
        )
        parser.add_argument(
            "--format",
            choices=["ours", "paper"],
            default="ours",
            help="ours: an archive from export_computer; paper: the paper's dataset layout",
        )
        parser.add_argument("--owner", default="", help="owner of a new pool")
        parser.add_argument(
            "--private", action="store_true", help="a new pool is private to its owner"
        )

    def handle(self, *args, **opts):
        path = Path(opts["archive"])
        paper = opts["format"] == "paper"
        if not (path.is_file() or (paper and path.is_dir())):
            raise CommandError(f"{path} is not a file" + (" or a folder" if paper else ""))
        owner = None
        if opts["owner"]:
            owner = get_user_model().objects.filter(username=opts["owner"]).first()
            if owner is None:
                raise CommandError(f"no user {opts['owner']!r}")
        pool, _ = PersonaPool.objects.get_or_create(
            name=opts["pool"], defaults={"owner": owner, "shared": not opts["private"]}
        )
        try:
            if paper:
                computers = paper_import.paper_import(
                    source=path, pool=pool, created_by=owner, name=path.name.partition(".")[0]
                )
            else:
                with path.open("rb") as source:
                    computers = [
                        archive_import.archive_import(source=source, pool=pool, created_by=owner)
                    ]
        except archive.ArchiveError as exc:
            raise CommandError(f"{path.name}: {exc}") from None
        for computer in computers:
            self.stdout.write(
                f"Imported computer {computer.pk} ({computer.display_name}, "
                f"{computer.files.count()} files) into pool {pool.name!r}."
            )
