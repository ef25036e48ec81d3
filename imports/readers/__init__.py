"""Reading an uploaded file into a table of text cells, with geometries for geo files.

Readers know nothing about schools or stations. They return every cell as
text (``""`` when empty) with the row number a user would look for: the
spreadsheet row (header = 1) or the feature number (from 1). Geometries come
back as shapely objects in degrees (longitude, latitude), 2-D: a Shapefile in
a projected system is reprojected to WGS-84 here; CGCS2000 (EPSG:4490) is
taken as WGS-84. The datum offset the user declared (GCJ-02, BD-09) is removed
later, by the kind being imported.

The package: ``common`` (formats, ``Table``, ``ReadError``), ``tables`` (CSV, XLSX), ``geo`` (GeoJSON, KML,
Shapefile); ``read_table`` here picks the reader for a file.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from common.texts import text
from imports.readers.common import (
    FORMAT_LABELS,
    GEO_FORMATS,
    FileFormat,
    ReadError,
    Table,
    detect_format,
    fail,
)
from imports.readers.geo import read_geojson, read_kml, read_shapefile_zip
from imports.readers.tables import read_csv, read_xlsx

__all__ = ["FORMAT_LABELS", "GEO_FORMATS", "FileFormat", "ReadError", "Table", "read_table"]


def read_table(content: bytes, filename: str, allowed: frozenset[FileFormat]) -> Table:
    """Read ``content`` in whichever of the ``allowed`` formats it is; raise ``ReadError`` if it cannot be."""
    file_format = detect_format(filename, content)
    if file_format not in allowed:
        names = ", ".join(FORMAT_LABELS[f] for f in FileFormat if f in allowed)
        raise fail(
            text(
                gettext_noop("This kind of record cannot be imported from %(format)s; use %(allowed)s."),
                format=FORMAT_LABELS[file_format],
                allowed=names,
            )
        )
    reader = {
        FileFormat.CSV: read_csv,
        FileFormat.XLSX: read_xlsx,
        FileFormat.GEOJSON: read_geojson,
        FileFormat.KML: read_kml,
        FileFormat.SHAPEFILE: read_shapefile_zip,
    }[file_format]
    table = reader(content)
    if not len(table):
        raise fail(text(gettext_noop("The file has no records.")))
    return table
