"""Create, run and report experiments from the command line.

experiment create --name N --train-pool A --heldout-pool B --arms baseline,skills
experiment run ID [--wait]
experiment report ID [--format table|json|csv]
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from simulations.learning.arms import ArmError, arms_parse
from simulations.learning.models import Experiment, SkillVersion
from simulations.learning.report import report_csv, report_json, report_table
from simulations.learning.results import experiment_progress, experiment_results
from simulations.learning.selectors import pool_by_ref
from simulations.learning.services.experiments import (
    ExperimentRequestError,
    experiment_create,
    experiment_start,
)

FORMATS = {"table": report_table, "json": report_json, "csv": report_csv}


class Command(BaseCommand):
    help = "Experiments: held-out comparisons of arms (baseline vs skills, models, ...)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create an experiment (prints its id first)")
        create.add_argument("--name", required=True)
        create.add_argument("--heldout-pool", required=True, help="pool id or name")
        create.add_argument("--train-pool", default="", help="pool id or name")
        create.add_argument(
            "--split-seed", type=int, default=None, help="split the held-out pool at random"
        )
        create.add_argument("--heldout-fraction", type=float, default=0.5)
        create.add_argument("--arms", default="baseline,skills")
        create.add_argument("--runs-per-computer", type=int, default=1)
        create.add_argument("--workdays", type=int, default=None)
        create.add_argument("--turns", type=int, default=None, help="turn limit per run")
        create.add_argument("--seed", type=int, default=0)
        create.add_argument(
            "--skills", type=int, nargs="*", default=[], help="skill version ids (no training)"
        )
        create.add_argument(
            "--fresh-train-runs",
            action="store_true",
            help="run the train computers again even where completed runs exist",
        )
        run = sub.add_parser("run", help="start it (or restart its checks)")
        run.add_argument("id", type=int)
        run.add_argument("--wait", action="store_true", help="follow it until it ends")
        run.add_argument("--timeout", type=float, default=None)
        report = sub.add_parser("report", help="print its results")
        report.add_argument("id", type=int)
        report.add_argument("--format", choices=sorted(FORMATS), default="table")

    def handle(self, *args, verb, **options):
        getattr(self, f"_{verb}")(**options)

    def _pool(self, ref):
        pool = pool_by_ref(ref=ref)
        if pool is None:
            raise CommandError(f"no pool {ref!r}")
        return pool

    def _experiment(self, pk) -> Experiment:
        found = Experiment.objects.filter(pk=pk).first()
        if found is None:
            raise CommandError(f"no experiment {pk}")
        return found

    def _create(self, **o):
        config = {k: v for k, v in (("workdays", o["workdays"]), ("max_turns", o["turns"])) if v}
        versions = list(SkillVersion.objects.filter(pk__in=o["skills"]))
        missing = set(o["skills"]) - {v.pk for v in versions}
        if missing:
            raise CommandError(f"no skill version {', '.join(map(str, sorted(missing)))}")
        try:
            experiment = experiment_create(
                name=o["name"],
                heldout_pool=self._pool(o["heldout_pool"]),
                train_pool=self._pool(o["train_pool"]) if o["train_pool"] else None,
                split_seed=o["split_seed"],
                heldout_fraction=o["heldout_fraction"],
                arms=arms_parse(o["arms"]),
                runs_per_computer=o["runs_per_computer"],
                config=config,
                skill_versions=versions,
                reuse_train_runs=not o["fresh_train_runs"],
                seed=o["seed"],
            )
        except (ArmError, ExperimentRequestError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(experiment.pk))
        self.stdout.write(
            f"experiment {experiment.pk} {experiment.name!r}: arms "
            f"{', '.join(a.name for a in experiment.arm_list)}; "
            f"train computers {_ids(experiment.train_computers)}; "
            f"held-out computers {_ids(experiment.heldout_computers)}; engine {experiment.engine}"
        )
        if experiment.offline:
            self.stdout.write("offline engine: its lift is no finding")

    def _run(self, *, id, wait, timeout, **_):
        try:
            experiment = experiment_start(experiment=self._experiment(id))
        except ExperimentRequestError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"experiment {experiment.pk} {experiment.state}")
        if not wait:
            return
        deadline = time.monotonic() + timeout if timeout else None
        while experiment.is_active:
            if deadline and time.monotonic() > deadline:
                raise CommandError(f"experiment {id} still {experiment.state} after {timeout:g} s")
            time.sleep(1)
            experiment.refresh_from_db()
            progress = experiment_progress(experiment=experiment)
            sys.stderr.write(f"\r{experiment.state:<11} {progress}   ")
        sys.stderr.write("\n")
        self.stdout.write(f"experiment {experiment.pk} {experiment.state}")
        if experiment.state == Experiment.State.FAILED:
            raise CommandError(f"experiment {id} failed: {experiment.error}")

    def _report(self, *, id, format, **_):
        results = experiment_results(experiment=self._experiment(id))
        self.stdout.write(FORMATS[format](results), ending="")


def _ids(computers) -> str:
    return ", ".join(f"#{pk}" for pk in computers.order_by("pk").values_list("pk", flat=True))
