"""``manage.py purge_track_points [--days N] [--dry-run]``: delete track points past the retention."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from drones.tracks import track_points_purge


class Command(BaseCommand):
    help = (
        "Delete track points older than DRONE_TRACK_RETENTION_DAYS (or --days), keeping every point of a "
        "flight (its log keeps full resolution)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="Keep this many days instead of DRONE_TRACK_RETENTION_DAYS.")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, days: int | None, dry_run: bool, **options) -> None:
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1 (0 would mean keep everything: use the setting).")
        days = settings.DRONE_TRACK_RETENTION_DAYS if days is None else days
        if days <= 0:
            self.stdout.write("DRONE_TRACK_RETENTION_DAYS is 0: track points are kept for good.")
            return
        count = track_points_purge(retention_days=days, dry_run=dry_run)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} track point(s) older than {days} days and outside flights {verb}.")
