"""``manage.py load_sample_county [--reset]``: the fictitious sample county 示例县 for demos and tests."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from campus.sample.loader import SampleDataError, sample_county_load, sample_county_reset


class Command(BaseCommand):
    help = (
        "Load the fictitious sample county (stations, zones, schools, officers, assignments and one login per "
        "role) in one transaction. Does nothing but create missing sample users if it is already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the sample data (is_sample rows and sample users) first, then load it again. "
            "Data that is not sample data is never deleted.",
        )

    def handle(self, *args, reset: bool = False, **options):
        started = time.perf_counter()
        try:
            summary = sample_county_reset() if reset else sample_county_load()
        except SampleDataError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{summary.line()} ({time.perf_counter() - started:.1f} s)")
