import sys
import time

from django.core.management.base import BaseCommand, CommandError

from simulations.config import AGENT_ROLES
from simulations.learning.models import SkillVersion
from simulations.models import Simulation
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import SimulationRequestError, simulation_create
from studio.models import Computer


class Command(BaseCommand):
    help = (
        "Launch a simulation on a computer. By default it is queued for the Celery workers; "
        "--wait follows it to the end, --inline runs it in this process instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--computer", type=int, required=True, help="computer id")
        parser.add_argument("--turns", type=int, default=None, help="turn limit (default 3000)")
        parser.add_argument("--workdays", type=int, default=None, help="working days (default 20)")
        parser.add_argument("--max-tokens", type=int, default=None)
        parser.add_argument("--max-cost", type=float, default=None, help="cost budget in USD")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--skills", type=int, default=None, help="skill version id the worker is given"
        )
        parser.add_argument(
            "--computer-objectives",
            action="store_true",
            help="start from the computer's own monthly_objectives (paper imports) instead of "
            "asking the objective agent",
        )
        for role in AGENT_ROLES:
            parser.add_argument(f"--{role}-model", default="", help=f"model for the {role} role")
        parser.add_argument("--wait", action="store_true", help="follow the run until it ends")
        parser.add_argument("--inline", action="store_true", help="run it here, without Celery")
        parser.add_argument("--timeout", type=float, default=None, help="give up waiting after N s")

    def handle(
        self,
        *args,
        computer,
        turns,
        workdays,
        max_tokens,
        max_cost,
        seed,
        skills,
        computer_objectives,
        wait,
        inline,
        timeout,
        **options,
    ):
        try:
            target = Computer.objects.get(pk=computer)
        except Computer.DoesNotExist:
            raise CommandError(f"no computer {computer}") from None
        config = {
            k: v
            for k, v in (
                ("max_turns", turns),
                ("workdays", workdays),
                ("max_tokens", max_tokens),
                ("max_cost_usd", max_cost),
                ("seed", seed),
            )
            if v is not None
        }
        if computer_objectives:
            config["computer_objectives"] = True
        models = {
            role: {"model": options[f"{role}_model"]}
            for role in AGENT_ROLES
            if options[f"{role}_model"]
        }
        if models:
            config["models"] = models
        skill_version = None
        if skills is not None:
            skill_version = SkillVersion.objects.filter(pk=skills).first()
            if skill_version is None:
                raise CommandError(f"no skill version {skills}")
        try:
            simulation = simulation_create(
                computer=target, config=config, enqueue=not inline, skill_version=skill_version
            )
        except SimulationRequestError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"simulation {simulation.pk} on computer {target.pk} ({target.display_name})"
            + (
                f" with skills {skill_version} (version id {skill_version.pk})"
                if skill_version
                else ""
            )
        )
        if inline:
            simulation = simulation_run_inline(
                simulation=simulation,
                max_seconds=timeout,
                on_slice=lambda _r: self._progress(simulation.pk),
            )
        elif wait:
            simulation = self._wait(simulation, timeout)
        else:
            self.stdout.write(
                "queued; follow it with --wait, in the studio, or with sim_control status"
            )
            return
        sys.stderr.write("\n")
        self._report(simulation)

    def _wait(self, simulation: Simulation, timeout: float | None) -> Simulation:
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            simulation.refresh_from_db()
            self._progress(simulation.pk, simulation)
            if simulation.is_terminal or simulation.state == Simulation.State.PAUSED:
                return simulation
            if deadline and time.monotonic() > deadline:
                raise CommandError(
                    f"simulation {simulation.pk} still {simulation.state} after {timeout:g} s"
                )
            time.sleep(1)

    def _progress(self, pk: int, simulation: Simulation | None = None) -> None:
        simulation = simulation or Simulation.objects.get(pk=pk)
        when = f"{simulation.sim_now:%a %d %b %H:%M}" if simulation.sim_now else "-"
        sys.stderr.write(
            f"\r{simulation.state:<9} {simulation.phase:<13} turn {simulation.turn_count:>6,}  "
            f"{when}  {simulation.tokens:>10,} tokens  "
        )
        sys.stderr.flush()

    def _report(self, simulation: Simulation) -> None:
        outcome = simulation.outcome or {}
        self.stdout.write(
            f"simulation {simulation.pk} {simulation.state} after {simulation.turn_count} turns"
            + (f": {simulation.stop_reason}" if simulation.stop_reason else "")
        )
        if outcome:
            self.stdout.write(
                f"score {outcome.get('score')} / {outcome.get('max_score')} ({outcome.get('score_pct')} %), "
                f"{outcome.get('deliverables_submitted')}/{outcome.get('deliverables_total')} deliverables, "
                f"failure modes {outcome.get('failure_modes')}"
            )
        if simulation.state == Simulation.State.FAILED:
            raise CommandError(f"simulation {simulation.pk} failed: {simulation.error}")
