"""``manage.py import_markets FILE --crs CRS [--dry-run] [--user USERNAME]``: 大集 and 夜市 from geo files.

See ``drones.airspace.imports`` for the attributes and ``campus.imports.command`` for the options.
"""

from __future__ import annotations

from campus.imports.command import ImportCommand
from campus.models import ImportBatch


class Command(ImportCommand):
    kind = ImportBatch.Kind.MARKETS
