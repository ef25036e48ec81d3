"""``manage.py load_sample_patrol``: sample 护学岗 data (terms, bells, posts, staff, shifts) for the sample county."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from patrol.sample import SamplePatrolError, load_sample_patrol


class Command(BaseCommand):
    help = (
        "Add the sample 2026-2027 terms, bell schedules, posts and duty staff to the sample county (run "
        "load_sample_county first) and build the autumn term's shifts. Adds only what is missing."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            summary = load_sample_patrol()
        except SamplePatrolError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{summary.line()} ({time.perf_counter() - started:.1f} s)")
        for warning in summary.shifts.warnings if summary.shifts else []:
            self.stdout.write(self.style.WARNING(warning))
