"""``manage.py import_markets FILE --crs CRS [--dry-run] [--user USERNAME]``: 大集 and 夜市 from geo files.

See ``drones.airspace.imports`` for the attributes and ``imports.command`` for the options.
"""

from __future__ import annotations

from drones.airspace.imports import FleetImportKind
from imports.command import ImportCommand


class Command(ImportCommand):
    kind = FleetImportKind.MARKETS
