from django.core.management.base import BaseCommand, CommandError

from simulations.models import Simulation
from simulations.services.simulations import (
    SimulationRequestError,
    simulation_cancel,
    simulation_pause,
    simulation_resume,
)

ACTIONS = {"pause": simulation_pause, "resume": simulation_resume, "cancel": simulation_cancel}


class Command(BaseCommand):
    help = "Pause, resume or cancel simulations (effective between turns), or show their status."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=[*ACTIONS, "status"])
        parser.add_argument("ids", nargs="+", type=int, help="simulation ids")

    def handle(self, *args, action, ids, **options):
        failed = []
        for pk in ids:
            simulation = Simulation.objects.filter(pk=pk).first()
            if simulation is None:
                failed.append(f"no simulation {pk}")
                continue
            if action != "status":
                try:
                    simulation = ACTIONS[action](simulation=simulation)
                except SimulationRequestError as exc:
                    failed.append(f"simulation {pk}: {exc}")
                    continue
            self.stdout.write(
                f"simulation {pk}: {simulation.state} ({simulation.phase}), "
                f"{simulation.turn_count} turns"
                + (f"; {simulation.error}" if simulation.error else "")
            )
        if failed:
            raise CommandError("; ".join(failed))
