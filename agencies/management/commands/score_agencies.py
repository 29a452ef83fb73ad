"""G2–G5: the monthly assessment by hand (the Celery job runs it on the 1st at 01:00):

python manage.py score_agencies                 # the previous month (Beijing)
python manage.py score_agencies --month 2026-10
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.services.assessment import agencies_score
from core.exceptions import DomainError
from core.months import month_first_day, parse_month, previous_month


class Command(BaseCommand):
    help = "Assess every MCN agency for a month (G2–G4) and compute its vertical eligibility (G5)."

    def add_arguments(self, parser):
        parser.add_argument("--month", metavar="YYYY-MM", help="default: the previous month")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            if options["month"]:
                month = parse_month(options["month"])
            else:
                month = previous_month(month_first_day(timezone.now()))
            summary = agencies_score(month=month)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{summary.month:%Y-%m}: {summary.assessed} agencies assessed, "
            f"{summary.failed} deducted 40 points, {len(summary.expelled)} expelled; "
            f"{summary.vertical_rows} vertical rows, {summary.eligible_verticals} eligible; "
            f"{seconds:.2f} s"
        )
        for agency_id in summary.expelled:
            self.stdout.write(f"  expelled: agency #{agency_id}")
