"""``manage.py load_sample_incidents``: about 120 fictitious incident reports for the sample county."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from incidents.sample import SampleIncidentsError, load_sample_incidents


class Command(BaseCommand):
    help = (
        "Add about 120 sample incident reports over the last three months to the sample county (run "
        "load_sample_county first), with timelines, follow-ups and rectification items. Does nothing when "
        "sample incidents already exist."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            summary = load_sample_incidents()
        except SampleIncidentsError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{summary.line()} ({time.perf_counter() - started:.1f} s)")
