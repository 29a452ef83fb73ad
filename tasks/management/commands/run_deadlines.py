"""D4: one deadline sweep in the foreground, e.g. for an ops replay:

python manage.py run_deadlines
python manage.py run_deadlines --now 2026-12-01T10:00:00+08:00
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tasks.deadlines import KIND_CODES, KINDS, run_sweep


class Command(BaseCommand):
    help = "Apply every due deadline once (D1–D4) and print what moved, per kind."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            metavar="ISO-TIME",
            help="sweep as if it were this time (ISO 8601; without an offset, Asia/Shanghai)",
        )
        parser.add_argument(
            "--kind",
            action="append",
            choices=KIND_CODES,
            help="only this kind (repeatable); all kinds by default",
        )

    def handle(self, *args, **options):
        at = None
        if options["now"]:
            at = parse_datetime(options["now"])
            if at is None:
                raise CommandError(
                    f"--now {options['now']!r} is not an ISO 8601 time, "
                    "e.g. 2026-12-01T10:00:00+08:00"
                )
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        run = run_sweep(at=at, trigger="command", kinds=options["kind"])
        self.stdout.write(f"Swept as of {timezone.localtime(run.as_of).isoformat()}:")
        for kind in KINDS:
            if kind.code in run.counts:
                self.stdout.write(f"  {kind.code:<14} {run.counts[kind.code]:>6}  {kind.label}")
        self.stdout.write(f"  {'total':<14} {run.total:>6}  in {run.duration_ms} ms")
        for error in run.errors:
            self.stderr.write(f"  error: {error['kind']} #{error['id']}: {error['error']}")
        if run.errors:
            raise CommandError(f"{len(run.errors)} items failed; see the log")
