"""Write a computer (its files, index and profile) to a .zip or .tar.gz archive, or computers in
the paper's dataset layout (a folder with computers/ and data/train-00000-of-00001.parquet).

python manage.py export_computer --computer ID --out computer.zip [--format zip|tar]
python manage.py export_computer (--computer ID | --pool NAME) --format paper --out DIR
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from simulations.review import archive, paper_export
from studio.models import Computer


class Command(BaseCommand):
    help = "Export a computer as an archive that import_computer reads back."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--computer", type=int)
        which.add_argument("--pool", help="every ready computer of this pool (paper format)")
        parser.add_argument("--out", required=True)
        parser.add_argument(
            "--format",
            choices=["zip", "tar", "paper"],
            default=None,
            help="default: from the file name (.zip, else tar.gz)",
        )

    def handle(self, *args, **opts):
        if opts["format"] == "paper":
            return self._paper(opts)
        if opts["computer"] is None:
            raise CommandError("--pool exports in the paper format only (--format paper)")
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

    def _paper(self, opts):
        if opts["pool"]:
            computers = Computer.objects.filter(
                pool__name=opts["pool"], state=Computer.State.READY
            ).order_by("id")
            if not computers.exists():
                raise CommandError(f"no ready computer in pool {opts['pool']!r}")
        else:
            computers = Computer.objects.filter(pk=opts["computer"])
            if not computers.exists():
                raise CommandError(f"no computer {opts['computer']}")
        out = Path(opts["out"])
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty")
        temp = out.with_name(f".{out.name}.partial")
        shutil.rmtree(temp, ignore_errors=True)
        try:
            count = paper_export.paper_write(computers.iterator(), temp)
            out.mkdir(parents=True, exist_ok=True)
            out.rmdir()
            os.replace(temp, out)
        except archive.ArchiveError as exc:
            raise CommandError(str(exc)) from None
        finally:
            shutil.rmtree(temp, ignore_errors=True)
        self.stdout.write(f"Wrote {count} computer(s) in the paper's layout to {out}.")
