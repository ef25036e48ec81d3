"""What every reader shares: the file formats (``FileFormat``, their labels, ``detect_format`` from the
name or the first bytes), the ``Table`` of text cells a reader returns with ``cell_text`` for turning a
value into the text a user typed, ``ReadError`` for a file that cannot be read at all, and ``open_zip``
for the formats that are zip archives (XLSX, zipped Shapefiles)."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from common.texts import text
from imports.limits import damaged
from imports.report import Problem, Unit


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"
    KML = "kml"
    SHAPEFILE = "shapefile"


FORMAT_LABELS = {
    FileFormat.CSV: "CSV",
    FileFormat.XLSX: "XLSX",
    FileFormat.GEOJSON: "GeoJSON",
    FileFormat.KML: "KML",
    FileFormat.SHAPEFILE: "Shapefile (.zip)",
}

GEO_FORMATS = frozenset({FileFormat.GEOJSON, FileFormat.KML, FileFormat.SHAPEFILE})

_EXTENSIONS = {
    ".csv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
    ".geojson": FileFormat.GEOJSON,
    ".json": FileFormat.GEOJSON,
    ".kml": FileFormat.KML,
    ".zip": FileFormat.SHAPEFILE,
}


class ReadError(Exception):
    """The file cannot be read at all; ``problems`` say why, and where when that is known.

    Unlike ``limits.FileRefused`` (over a limit, a damaged zip), the file is
    kept as a failed batch whose report shows these problems.
    """

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def fail(message: str, *, row: int | None = None, column: str | None = None, value: str | None = None) -> ReadError:
    return ReadError([Problem(message, row=row, column=column, value=value)])


@dataclass
class Table:
    """Records of one file as text cells.

    ``frame`` has positional columns (0..n-1) matching ``headers``; ``rows`` holds
    each record's row or feature number. ``geometries`` (geo files only) is an
    object array of shapely geometries or None, lon/lat degrees in the file's datum.
    ``ignorable`` are headers the format adds by itself (KML), not errors when unknown.
    """

    headers: list[str]
    frame: pd.DataFrame
    rows: np.ndarray
    unit: Unit
    file_format: FileFormat
    encoding: str = ""
    geometries: np.ndarray | None = None
    problems: list[Problem] = field(default_factory=list)
    ignorable: frozenset[str] = frozenset()

    @property
    def header_row(self) -> int | None:
        return 1 if self.unit is Unit.ROW else None

    def __len__(self) -> int:
        return len(self.rows)


def cell_text(value: Any) -> str:
    """A cell or property value as the text a user typed: ``3710001234``, not ``3710001234.0``."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.isoformat()
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if value is pd.NaT:
        return ""
    return str(value).strip()


def detect_format(filename: str, content: bytes) -> FileFormat:
    """The format from the file name's extension, else from the first bytes."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix == ".xls":
        raise fail(text(gettext_noop("Old Excel files (.xls) are not supported: save the sheet as XLSX or CSV.")))
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            # The Shapefile reader says what is wrong with the archive.
            return FileFormat.SHAPEFILE
        return FileFormat.XLSX if "xl/workbook.xml" in names else FileFormat.SHAPEFILE
    if head.startswith(b"{"):
        return FileFormat.GEOJSON
    if head.startswith(b"<"):
        return FileFormat.KML
    return FileFormat.CSV


def open_zip(content: bytes, *, not_a_zip: str) -> zipfile.ZipFile:
    """``content`` as a zip archive.

    A file that starts like a zip but cannot be opened (truncated, a lying
    central directory) is damaged (``ArchiveDamaged``); anything else is no zip
    at all (a ``ReadError`` saying ``not_a_zip``, a ``Text`` so the stored report shows it in its reader's
    language).
    """
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        if content.startswith(b"PK"):
            raise damaged(exc) from None
        raise fail(not_a_zip) from None
