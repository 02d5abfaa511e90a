from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from studio.services.personas import PersonaImportError, persona_pool_import


class Command(BaseCommand):
    help = "Import a persona pool from a JSONL (PersonaHub or richer shape) or CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--pool", required=True, help="pool name (created if missing)")

    def handle(self, *args, file: Path, pool: str, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        with file.open("rb") as handle:
            try:
                report = persona_pool_import(pool_name=pool, source=handle, filename=file.name)
            except PersonaImportError as exc:
                for error in exc.report.errors:
                    self.stderr.write(f"{file.name}: {error}")
                raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"pool {report.pool.name!r}: {report.created} personas imported, "
                f"{report.duplicates} duplicates skipped"
            )
        )
