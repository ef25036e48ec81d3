"""``manage.py write_sample_files [--out samples]``: the sample county as import files."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from campus.sample.files import sample_files_write


class Command(BaseCommand):
    help = (
        "Write the fictitious sample county as import files (CSV, XLSX, GeoJSON, KML, zipped shapefile) "
        "and a README; the same bytes on every run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            default=str(Path(settings.BASE_DIR) / "samples"),
            help="Folder to write into (default: samples/ at the repository root).",
        )

    def handle(self, *args, out: str, **options):
        paths = sample_files_write(Path(out))
        total = sum(p.stat().st_size for p in paths)
        self.stdout.write(f"Wrote {len(paths)} sample files ({total / 1024:.0f} KiB) to {out}.")
