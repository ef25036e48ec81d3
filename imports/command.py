"""The ``import_<kind>`` management commands: ``FILE --crs CRS [--dry-run] [--user USERNAME]``.

A command runs with system rights (it needs a shell on the server): no
capability check, and jurisdiction overrides in liaison files are honoured.
``--user`` only records who is responsible, in the batch and the audit log.
It prints every problem on its own line and fails, having written nothing,
when the file has any error.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import DomainError
from common.geo import Crs
from imports import services
from imports.registry import KINDS
from imports.report import Problem


class ImportCommand(BaseCommand):
    # The key of a registered kind (an app's import-kind TextChoices member).
    kind: ClassVar[str]

    @property
    def help(self) -> str:
        return (
            f"Import {str(KINDS[str(self.kind)].label).lower()} from FILE (see docs/import-formats.md). "
            "Checks every row first; writes everything in one transaction, or nothing if there is any error."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV, XLSX, GeoJSON, KML or zipped Shapefile, as the kind allows.")
        parser.add_argument(
            "--crs",
            required=True,
            choices=[crs.value for crs in Crs],
            help="Coordinate system of the file: wgs84 (GPS, Tianditu), gcj02 (AMap, Tencent) or bd09 (Baidu).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only check the file and report; write nothing.")
        parser.add_argument(
            "--user", metavar="USERNAME", help="Record this user as the one who imported (default: system)."
        )

    def handle(self, *args, file: str, crs: str, dry_run: bool, user: str | None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            services.check_upload_size(path.stat().st_size)
            batch = services.import_batch_run(
                kind=self.kind,
                crs=crs,
                filename=path.name,
                content=path.read_bytes(),
                actor=actor,
                system=True,
                dry_run=dry_run,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        unit = batch.report.get("unit", "row")
        for problem in batch.report.get("problems", []):
            self.stdout.write(Problem.from_dict(problem).describe(unit))
        summary = (
            f"{batch.filename}: {batch.rows_total} records, {batch.created_count} to create, "
            f"{batch.updated_count} to update, {batch.unchanged_count} unchanged, "
            f"{batch.error_count} errors, {batch.warning_count} warnings (batch {batch.pk})."
        )
        if batch.error_count:
            self.stdout.write(summary)
            raise CommandError(f"{batch.error_count} errors in {batch.filename}; nothing was written.")
        if dry_run:
            self.stdout.write(summary + " Dry run: nothing was written.")
        else:
            self.stdout.write(
                self.style.SUCCESS(summary.replace(" to create", " created").replace(" to update", " updated"))
            )
