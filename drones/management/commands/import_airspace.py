"""``manage.py import_airspace FILE --crs CRS [--dry-run] [--user USERNAME]``: zones from geo files.

GeoJSON, KML or a zipped Shapefile.

See ``drones.airspace.imports`` for the attributes and ``imports.command`` for the options.
"""

from __future__ import annotations

from drones.airspace.imports import FleetImportKind
from imports.command import ImportCommand


class Command(ImportCommand):
    kind = FleetImportKind.AIRSPACE
