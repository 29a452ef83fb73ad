"""I6: the growth evaluation by hand (the Celery job runs it on the 8th at 02:00 Beijing):

python manage.py evaluate_growth                 # the previous month (Beijing)
python manage.py evaluate_growth --month 2026-10

Safe to run again: awards already recorded are not granted twice.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from core.months import parse_month
from incentives.services.growth import growth_evaluate


class Command(BaseCommand):
    help = "Evaluate the 视频号 growth program for a month and grant its awards (I6)."

    def add_arguments(self, parser):
        parser.add_argument("--month", metavar="YYYY-MM", help="default: the previous month")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            month = parse_month(options["month"]) if options["month"] else None
            report = growth_evaluate(month=month)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{report.month:%Y-%m}: {report.accounts} accounts with a live, "
            f"{report.granted} awards granted ({report.coupons:,} coupons), "
            f"{report.exhausted} quota exhausted, {report.restricted} restricted for the "
            f"month's refund rate, {report.skipped} restricted or barred; {seconds:.2f} s"
        )
