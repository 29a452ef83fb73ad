"""E9 (money) and I8 (coupons): check every invariant of both books; exit non-zero naming each
breach. The command sits in the project package because it reads two apps' ledgers."""

from django.core.management.base import BaseCommand, CommandError

from escrow.selectors import ledger_breaches
from incentives.selectors import coupon_breaches


class Command(BaseCommand):
    help = (
        "Check the invariants of the money ledger (E9) and of the coupon book (I8). Exits 1 and "
        "names each breach if any fails."
    )

    def handle(self, *args, **options):
        breaches = ledger_breaches() + coupon_breaches()
        if breaches:
            for breach in breaches:
                self.stderr.write(f"BREACH: {breach}")
            raise CommandError(f"{len(breaches)} ledger invariant(s) broken.", returncode=1)
        self.stdout.write(self.style.SUCCESS("The ledger reconciles: every invariant holds."))
