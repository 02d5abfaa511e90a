"""Distil new skill versions from the completed runs of a pool (or of every shared pool)."""

from django.core.management.base import BaseCommand, CommandError

from simulations.learning.selectors import pool_by_ref
from simulations.learning.skills import skill_versions_distill
from simulations.models import Simulation
from studio.llm import gateway


class Command(BaseCommand):
    help = (
        "Distil one new skill version per occupation from the lessons of completed runs "
        "(of --pool, else of every shared pool) and print the versions made."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pool", default="", help="pool id or name")

    def handle(self, *args, pool, **options):
        among = Simulation.objects.filter(computer__pool__shared=True)
        if pool:
            found = pool_by_ref(ref=pool)
            if found is None:
                raise CommandError(f"no pool {pool!r}")
            among = Simulation.objects.filter(computer__pool=found)
        try:
            versions = skill_versions_distill(among=among)
        except gateway.LLMError as exc:
            raise CommandError(f"distillation failed: {exc}") from None
        if not versions:
            raise CommandError("no completed run with lessons in this pool: nothing to distil")
        for version in versions:
            self.stdout.write(
                f"skill version {version.pk}: {version.occupation} v{version.version} "
                f"from {version.runs.count()} run(s), distilled by {version.distilled_by}"
            )
