"""``manage.py import_zones FILE --crs CRS [--dry-run] [--user USERNAME]``: see campus.imports.command."""

from __future__ import annotations

from campus.imports.command import ImportCommand
from campus.models import ImportBatch


class Command(ImportCommand):
    kind = ImportBatch.Kind.ZONES
