"""``manage.py load_sample_airspace [--write-files [DIR]]``: the sample zones and markets (idempotent)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from drones.airspace.sample import SampleAirspaceError, load_sample_airspace, sample_airspace_files_write


class Command(BaseCommand):
    help = (
        "Load the fictitious sample airspace zones (no-fly, airport, restricted, crowd) and markets (大集, 夜市) "
        "through the import services, marked as sample data. Changes nothing when they are already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--write-files",
            nargs="?",
            const=str(Path(settings.BASE_DIR) / "samples"),
            metavar="DIR",
            help="Instead, write samples/airspace.geojson and samples/markets.geojson (or into DIR).",
        )

    def handle(self, *args, write_files: str | None = None, **options):
        if write_files:
            paths = sample_airspace_files_write(Path(write_files))
            self.stdout.write(f"Wrote {', '.join(p.name for p in paths)} to {write_files}.")
            return
        try:
            summary = load_sample_airspace()
        except SampleAirspaceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(summary.line())
