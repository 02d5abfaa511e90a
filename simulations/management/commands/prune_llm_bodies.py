from django.core.management.base import BaseCommand

from simulations.services import retention


class Command(BaseCommand):
    help = (
        "Drop the request and response bodies of model calls of runs (and computers' "
        "generation) finished more than LLM_BODY_RETENTION_DAYS days ago; the call rows, with "
        "their tokens and cost, stay. Run it daily (cron); with the setting at 0 it does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="instead of the setting")

    def handle(self, *args, days=None, **options):
        pruned = retention.prune(days=days)
        self.stdout.write(f"bodies removed from {pruned} model calls")
