"""``manage.py load_sample_plans``: sample emergency plans and police-school activities for the sample county."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from drills.plans.sample import SamplePlansError, load_plans_sample


class Command(BaseCommand):
    help = (
        "Add sample emergency plans (1-3 versions, some reviews overdue, some scenarios missing) and about 150 "
        "police-school activities to the sample county (run load_sample_county first). Parts already loaded "
        "are left alone."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            summary = load_plans_sample()
        except SamplePlansError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{summary.line()} ({time.perf_counter() - started:.1f} s)")
