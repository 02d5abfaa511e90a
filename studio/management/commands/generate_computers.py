import sys

from django.core.management.base import BaseCommand, CommandError

from studio.generation.pipeline import computer_generate
from studio.models import Computer, PersonaPool
from studio.services.computers import ComputerRequestError, computer_batch_create


class Command(BaseCommand):
    help = (
        "Generate computers from a persona pool. Runs here, in this process, with a progress "
        "bar; --queue hands them to the Celery workers instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pool", required=True)
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--files", type=int, default=100, help="files per computer")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--queue", action="store_true", help="enqueue on Celery and return")

    def handle(self, *args, pool, count, files, seed, queue, **options):
        try:
            pool_obj = PersonaPool.objects.get(name=pool)
        except PersonaPool.DoesNotExist:
            raise CommandError(f"no persona pool named {pool!r}") from None
        try:
            batch = computer_batch_create(
                pool=pool_obj, count=count, target_files=files, seed=seed, enqueue=queue
            )
        except ComputerRequestError as exc:
            raise CommandError(str(exc)) from None
        computers = list(batch.computers.select_related("persona").order_by("id"))
        if queue:
            self.stdout.write(f"queued batch {batch.pk}: computers {[c.pk for c in computers]}")
            return
        failed = []
        for index, computer in enumerate(computers, start=1):
            label = f"[{index}/{len(computers)}] computer {computer.pk}"
            computer_generate(
                computer=computer, on_progress=lambda c, label=label: self._bar(label, c)
            )
            sys.stderr.write("\n")
            if computer.state == Computer.State.FAILED:
                failed.append(computer)
                self.stderr.write(f"{label} failed: {computer.error}")
            else:
                stats = computer.stats
                self.stdout.write(
                    f"{label} ready: {computer.display_name}, {computer.job_title}; "
                    f"{stats['files']} files, {stats['bytes'] / 1e6:.1f} MB, "
                    f"depth {stats['mean_depth']} -> {computer.home}"
                )
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(computers)} computers failed: {failed[0].error}"
            )

    def _bar(self, label: str, computer: Computer) -> None:
        width = 30
        filled = int(width * computer.progress)
        files = ""
        if computer.files_total:
            files = f"{computer.files_done}/{computer.files_total} files"
            if computer.files_in_flight:
                files += f", {computer.files_in_flight} in flight"
        sys.stderr.write(
            f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {computer.progress:4.0%} "
            f"{computer.stage[:20]:<20} {files:<32}"
        )
        sys.stderr.flush()
