"""E9: check every invariant of the ledger; exit non-zero naming each breach."""

from django.core.management.base import BaseCommand, CommandError

from escrow.selectors import ledger_breaches


class Command(BaseCommand):
    help = "Check the ledger's invariants (E9). Exits 1 and names each breach if any fails."

    def handle(self, *args, **options):
        breaches = ledger_breaches()
        if breaches:
            for breach in breaches:
                self.stderr.write(f"BREACH: {breach}")
            raise CommandError(f"{len(breaches)} ledger invariant(s) broken.", returncode=1)
        self.stdout.write(self.style.SUCCESS("The ledger reconciles: every invariant holds."))
