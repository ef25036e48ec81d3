"""``manage.py import_airspace FILE --crs CRS [--dry-run] [--user USERNAME]``: zones from geo files.

GeoJSON, KML or a zipped Shapefile.

See ``drones.airspace.imports`` for the attributes and ``campus.imports.command`` for the options.
"""

from __future__ import annotations

from campus.imports.command import ImportCommand
from campus.models import ImportBatch


class Command(ImportCommand):
    kind = ImportBatch.Kind.AIRSPACE
