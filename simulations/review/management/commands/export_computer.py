"""Write a computer (its files, index and profile) to a .zip or .tar.gz archive.

python manage.py export_computer --computer ID --out computer.zip [--format zip|tar]
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from simulations.review import archive
from studio.models import Computer


class Command(BaseCommand):
    help = "Export a computer as an archive that import_computer reads back."

    def add_arguments(self, parser):
        parser.add_argument("--computer", type=int, required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument(
            "--format",
            choices=["zip", "tar"],
            default=None,
            help="default: from the file name (.zip, else tar.gz)",
        )

    def handle(self, *args, **opts):
        computer = Computer.objects.filter(pk=opts["computer"]).first()
        if computer is None:
            raise CommandError(f"no computer {opts['computer']}")
        out = Path(opts["out"])
        fmt = opts["format"] or ("zip" if out.suffix.lower() == ".zip" else "tar")
        temp = out.with_name(f".{out.name}.partial")
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            with temp.open("wb") as stream:
                size = archive.archive_write(computer, stream, fmt=fmt)
            os.replace(temp, out)
        except archive.ArchiveError as exc:
            raise CommandError(str(exc)) from None
        finally:
            temp.unlink(missing_ok=True)
        self.stdout.write(
            f"Wrote computer {computer.pk} ({computer.files.count()} files) to {out} "
            f"({size:,} bytes)."
        )
