from django.core.management.base import BaseCommand, CommandError

from studio.llm.check import FAILING, llm_check


class Command(BaseCommand):
    help = "Probe the configured model endpoint of each role and print a verdict per role."

    def add_arguments(self, parser):
        parser.add_argument("--role", action="append", help="only this role (repeatable)")

    def handle(self, *args, role=None, **options):
        verdicts = llm_check(roles=tuple(role) if role else None)
        for verdict in verdicts:
            self.stdout.write(verdict.line)
        failing = [v.role for v in verdicts if v.status == FAILING]
        if failing:
            raise CommandError(f"failing: {', '.join(failing)}")
