"""Reading an uploaded file into a table of text cells, with geometries for geo files.

Readers know nothing about schools or stations. They return every cell as
text (``""`` when empty) with the row number a user would look for: the
spreadsheet row (header = 1) or the feature number (from 1). Geometries come
back as shapely objects in degrees (longitude, latitude), 2-D: a Shapefile in
a projected system is reprojected to WGS-84 here; CGCS2000 (EPSG:4490) is
taken as WGS-84. The datum offset the user declared (GCJ-02, BD-09) is removed
later, by the kind being imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import tempfile
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
import pyogrio
import shapely
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pyogrio.errors import DataLayerError, DataSourceError, FieldError
from pyogrio.errors import GeometryError as OgrGeometryError
from pyproj import CRS
from pyproj.exceptions import CRSError

from imports.limits import (
    ZIP_DAMAGE,
    GeoBudget,
    ImportLimits,
    LimitExceeded,
    bounded_records,
    check_archive,
    damaged,
    read_layer,
    shapefile_declared_records,
    unpack_member,
    unpacking,
)
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

# Fields the LIBKML driver adds to every placemark; ignored unless a kind knows them (``name``).
KML_STANDARD_FIELDS = frozenset(
    {
        "id",
        "name",
        "description",
        "timestamp",
        "begin",
        "end",
        "altitudemode",
        "tessellate",
        "extrude",
        "visibility",
        "draworder",
        "icon",
        "snippet",
    }
)


class ReadError(Exception):
    """The file cannot be read at all; ``problems`` say why, and where when that is known.

    Unlike ``limits.FileRefused`` (over a limit, a damaged zip), the file is
    kept as a failed batch whose report shows these problems.
    """

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _fail(message: str, *, row: int | None = None, column: str | None = None, value: str | None = None) -> ReadError:
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
        raise _fail(_("Old Excel files (.xls) are not supported: save the sheet as XLSX or CSV."))
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
    at all (a ``ReadError`` saying ``not_a_zip``).
    """
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        if content.startswith(b"PK"):
            raise damaged(exc) from None
        raise _fail(not_a_zip) from None


def read_table(content: bytes, filename: str, allowed: frozenset[FileFormat]) -> Table:
    """Read ``content`` in whichever of the ``allowed`` formats it is; raise ``ReadError`` if it cannot be."""
    file_format = detect_format(filename, content)
    if file_format not in allowed:
        names = ", ".join(FORMAT_LABELS[f] for f in FileFormat if f in allowed)
        raise _fail(
            _("This kind of record cannot be imported from %(format)s; use %(allowed)s.")
            % {"format": FORMAT_LABELS[file_format], "allowed": names}
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
        raise _fail(_("The file has no records."))
    return table


# --- CSV and XLSX -------------------------------------------------------------------------------


def decode_text(content: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM), else GBK/GB18030; name the bad byte if neither."""
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        bad = content[exc.start : exc.end]
        row = content.count(b"\n", 0, exc.start) + 1
        line_start = content.rfind(b"\n", 0, exc.start) + 1
        column_index = content.count(b",", line_start, exc.start)
        header_line = content[: content.find(b"\n")] if b"\n" in content else content
        headers = next(csv.reader([header_line.decode("gb18030", errors="replace").lstrip("\ufeff")]), [])
        column = headers[column_index].strip() if row > 1 and column_index < len(headers) else None
        raise _fail(
            _(
                "The file is neither UTF-8 nor GBK/GB18030 text: the bytes %(bytes)s cannot be read. "
                "Save it from your spreadsheet program as “CSV UTF-8”."
            )
            % {"bytes": bad.hex(" ").upper()},
            row=row,
            column=column,
            value=bad.hex(" ").upper(),
        ) from None


def _table_from_records(
    headers: list[str], records: list[list[str]], rows: list[int], file_format: FileFormat, encoding: str = ""
) -> Table:
    """Trim cells, drop rows with nothing in them, and report records with more cells than headers."""
    problems: list[Problem] = []
    width = len(headers)
    fitted: list[list[str]] = []
    for row, record in zip(rows, records, strict=True):
        if len(record) > width:
            extra = [c for c in record[width:] if c not in ("", None)]
            if extra:
                problems.append(
                    Problem(
                        _("This row has %(cells)d cells but the header names %(columns)d columns.")
                        % {"cells": len(record), "columns": width},
                        row=row,
                        value=str(extra[0]),
                    )
                )
            record = record[:width]
        elif len(record) < width:
            record = list(record) + [""] * (width - len(record))
        fitted.append(record)
    frame = pd.DataFrame(fitted, columns=range(width), dtype=object) if fitted else pd.DataFrame(columns=range(width))
    for column in frame.columns:
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    row_numbers = np.asarray(rows, dtype=np.int64)
    if len(frame) and width:
        keep = (frame != "").any(axis=1).to_numpy()
        frame = frame.loc[keep].reset_index(drop=True)
        row_numbers = row_numbers[keep]
    return Table(
        headers=headers,
        frame=frame,
        rows=row_numbers,
        unit=Unit.ROW,
        file_format=file_format,
        encoding=encoding,
        problems=problems,
    )


def read_csv(content: bytes) -> Table:
    """A CSV file, read record by record and refused as soon as it passes a limit."""
    text, encoding = decode_text(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header, records, numbers = bounded_records(
            reader, where=_("The CSV file"), limits=ImportLimits.current(), text=cell_text
        )
    except csv.Error as exc:
        raise _fail(_("The CSV cannot be read: %(reason)s") % {"reason": exc}, row=reader.line_num) from None
    if header is None:
        raise _fail(_("The file is empty."))
    headers = [h.strip().lstrip("\ufeff").strip() for h in header]
    # Spreadsheet rows: the header is row 1, the first record row 2 (rows count records, not lines).
    return _table_from_records(headers, records, numbers, FileFormat.CSV, encoding)


def read_xlsx(content: bytes) -> Table:
    """The first sheet of an XLSX workbook; formulas give their last computed value.

    The sheet is streamed (openpyxl read-only) and its declared dimension is
    ignored: a sheet may claim A1:XFD1048576 and hold three cells, and reading
    it padded to that size would exhaust memory.
    """
    limits = ImportLimits.current()
    archive = open_zip(content, not_a_zip=_("The file is not a readable XLSX workbook (it is not a zip archive)."))
    check_archive(archive.infolist(), limits)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ZIP_DAMAGE as exc:
        raise damaged(exc) from None
    except (InvalidFileException, KeyError, OSError, ValueError, ParseError) as exc:
        raise _fail(_("The file is not a readable XLSX workbook (%(reason)s).") % {"reason": exc}) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        where = _("Sheet “%(sheet)s”") % {"sheet": sheet.title}
        with unpacking():
            rows = sheet.iter_rows(values_only=True)
            header, records, numbers = bounded_records(rows, where=where, limits=limits, text=cell_text)
    except (ParseError, ValueError, KeyError) as exc:
        raise _fail(_("The file is not a readable XLSX workbook (%(reason)s).") % {"reason": exc}) from None
    finally:
        workbook.close()
    if header is None or not any(v not in (None, "") for v in header):
        raise _fail(_("The first sheet has no column names in row 1."), row=1)
    headers = [cell_text(h) for h in header]
    # Trailing columns without a header and without values are common in exported sheets.
    while headers and headers[-1] == "" and not any(len(r) >= len(headers) and r[len(headers) - 1] for r in records):
        headers.pop()
    return _table_from_records(headers, records, numbers, FileFormat.XLSX)


# --- Geo files ----------------------------------------------------------------------------------

# GeoJSON geometries are built this many at a time, so the vertex limit is checked as they come.
_GEOJSON_CHUNK = 5000


def _is_wgs84_like(crs: CRS) -> bool:
    """WGS-84 or CGCS2000 longitude/latitude (the two differ by centimetres)."""
    if not crs.is_geographic:
        return False
    if crs.to_epsg() in (4326, 4490):
        return True
    datum = (crs.datum.name if crs.datum else "").replace("_", " ").lower()
    return "world geodetic system 1984" in datum or "wgs 84" in datum or "china 2000" in datum or "cgcs2000" in datum


def _to_degrees(geometries: np.ndarray, crs: CRS | None, *, declared: bool = True) -> np.ndarray:
    """Geometries in longitude/latitude degrees (WGS-84 axes), reprojecting a projected source.

    ``crs`` None: degrees by definition (GeoJSON, KML), or, when the format
    should have declared it (``declared=False``: a Shapefile without .prj),
    degrees if the numbers can be degrees at all. Swapped axes pass here and
    are reported per record later.
    """
    geometries = shapely.force_2d(geometries)
    if crs is None:
        present = geometries[~shapely.is_missing(geometries)]
        if not declared and len(present):
            minx, miny, maxx, maxy = shapely.total_bounds(present)
            if not (-180 <= minx <= maxx <= 180 and -180 <= miny <= maxy <= 180):
                raise _fail(
                    _(
                        "The file names no coordinate system (.prj) and its coordinates are not degrees; "
                        "add the .prj file."
                    )
                )
        return geometries
    if _is_wgs84_like(crs):
        return geometries
    try:
        import geopandas as gpd

        return gpd.GeoSeries(geometries, crs=crs).to_crs(4326).to_numpy()
    except CRSError as exc:
        raise _fail(
            _("The coordinate system %(crs)s cannot be converted: %(reason)s") % {"crs": crs.name, "reason": exc}
        ) from None


def _legacy_geojson_crs(data: dict[str, Any]) -> CRS | None:
    """The pre-RFC 7946 ``crs`` member, if the file has one (some GIS tools still write it)."""
    member = data.get("crs")
    if not isinstance(member, dict):
        return None
    name = (member.get("properties") or {}).get("name")
    if not name:
        return None
    try:
        return CRS.from_user_input(name)
    except CRSError:
        raise _fail(_("The GeoJSON names an unknown coordinate system: %(name)s") % {"name": name}) from None


def read_geojson(content: bytes) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(
            _("GeoJSON must be UTF-8 text; the bytes %(bytes)s at position %(pos)d are not.")
            % {"bytes": content[exc.start : exc.end].hex(" ").upper(), "pos": exc.start}
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            _("The file is not valid JSON: %(reason)s at line %(line)d, column %(col)d.")
            % {"reason": exc.msg, "line": exc.lineno, "col": exc.colno}
        ) from None
    except RecursionError:
        raise _fail(_("The file is not valid GeoJSON: its arrays are nested too deeply.")) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    else:
        raise _fail(_("A GeoJSON import must be a FeatureCollection (or a single Feature)."))
    crs = _legacy_geojson_crs(data)
    # The whole text is parsed at once (it is no larger than the upload limit); the limits bound the rest.
    budget = GeoBudget(ImportLimits.current())
    where = _("The GeoJSON file")
    budget.check_declared(len(features), where=where)

    problems: list[Problem] = []
    headers: dict[str, None] = {}
    records: list[dict[str, str]] = []
    geometry_json: list[str | None] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(_("This is not a GeoJSON Feature."), row=number))
            records.append({})
            geometry_json.append(None)
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            problems.append(Problem(_("The feature's properties must be an object."), row=number))
            properties = {}
        record = {}
        for key, value in properties.items():
            key = str(key).strip()
            headers.setdefault(key)
            record[key] = cell_text(value)
        records.append(record)
        geometry = feature.get("geometry")
        geometry_json.append(None if geometry is None else json.dumps(geometry))
    budget.check_fields(len(headers), where=where)

    geometries = np.empty(len(geometry_json), dtype=object)
    for start in range(0, len(geometry_json), _GEOJSON_CHUNK):
        chunk = np.asarray(geometry_json[start : start + _GEOJSON_CHUNK], dtype=object)
        geometries[start : start + len(chunk)] = shapely.from_geojson(chunk, on_invalid="ignore")
        budget.take(geometries[start : start + len(chunk)], where=where)
    for index in np.flatnonzero(shapely.is_missing(geometries)):
        if geometry_json[index] is None:
            continue
        try:
            shapely.from_geojson(geometry_json[index])
        except shapely.errors.GEOSException as exc:
            message = str(exc)
        else:  # pragma: no cover - GEOS refused it in bulk but not alone
            message = _("unreadable geometry")
        problems.append(
            Problem(
                _("The geometry cannot be read: %(reason)s") % {"reason": message},
                row=int(index) + 1,
                column="geometry",
            )
        )

    header_list = list(headers)
    frame = pd.DataFrame.from_records(records, columns=header_list).fillna("") if records else pd.DataFrame()
    frame.columns = range(len(header_list))
    return Table(
        headers=header_list,
        frame=frame.astype(object) if len(header_list) else pd.DataFrame(index=range(len(records))),
        rows=np.arange(1, len(features) + 1, dtype=np.int64),
        unit=Unit.FEATURE,
        file_format=FileFormat.GEOJSON,
        encoding="utf-8",
        geometries=_to_degrees(geometries, crs),
        problems=problems,
    )


def _table_from_geoframe(frame, file_format: FileFormat, encoding: str = "", ignorable=frozenset()) -> Table:
    geometries = _to_degrees(frame.geometry.to_numpy(), frame.crs, declared=file_format is not FileFormat.SHAPEFILE)
    data = frame.drop(columns=frame.geometry.name)
    headers = [str(c).strip() for c in data.columns]
    text = pd.DataFrame({i: data.iloc[:, i].map(cell_text) for i in range(len(headers))}, index=range(len(data)))
    return Table(
        headers=headers,
        frame=text.astype(object) if headers else pd.DataFrame(index=range(len(data))),
        rows=np.arange(1, len(data) + 1, dtype=np.int64),
        unit=Unit.FEATURE,
        file_format=file_format,
        encoding=encoding,
        geometries=geometries,
        ignorable=frozenset(h for h in headers if h.lower() in ignorable),
    )


def _ogr_message(exc: Exception, path: Path) -> str:
    """GDAL's message without our temporary path in it."""
    return str(exc).replace(str(path), path.name).strip()


def read_kml(content: bytes) -> Table:
    """Every placemark of every folder (layer); WGS-84 by definition of KML."""
    import geopandas as gpd

    limits = ImportLimits.current()
    budget = GeoBudget(limits)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.kml"
        path.write_bytes(content)
        try:
            layers = [str(name) for name, _geometry_type in pyogrio.list_layers(path)]
            if len(layers) > limits.layers:
                raise LimitExceeded(
                    _(
                        "The KML file has %(count)d folders (layers); imports read at most %(limit)d "
                        "(IMPORT_MAX_LAYERS)."
                    )
                    % {"count": len(layers), "limit": limits.layers}
                )
            frames = [
                read_layer(path, layer=layer, budget=budget, where=_("KML folder “%(layer)s”") % {"layer": layer})
                for layer in layers
            ]
        except (DataSourceError, DataLayerError, FieldError, OgrGeometryError) as exc:
            raise _fail(_("The KML file cannot be read: %(reason)s") % {"reason": _ogr_message(exc, path)}) from None
    frames = [f for f in frames if len(f)]
    if not frames:
        raise _fail(_("The KML file holds no placemarks."))
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
    return _table_from_geoframe(frame, FileFormat.KML, "utf-8", KML_STANDARD_FIELDS)


def read_shapefile_zip(content: bytes) -> Table:
    """A zip holding one Shapefile layer (.shp, .shx, .dbf, optional .prj and .cpg).

    The record counts its headers declare are checked before anything is
    unpacked; the parts are unpacked in chunks and read a chunk of features at
    a time, so neither a lying header nor millions of empty shapes can exhaust memory.
    """
    limits = ImportLimits.current()
    archive = open_zip(content, not_a_zip=_("The file is not a valid zip archive."))
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and "__MACOSX" not in info.filename
        and not PurePosixPath(info.filename).name.startswith(".")
    ]
    shps = [m for m in members if m.filename.lower().endswith(".shp")]
    if not shps:
        raise _fail(_("The zip holds no .shp file; a Shapefile needs its .shp, .shx and .dbf files."))
    if len(shps) > 1:
        raise _fail(
            _("The zip holds several Shapefiles (%(names)s); put one layer in each zip.")
            % {"names": ", ".join(m.filename for m in shps)}
        )
    stem = shps[0].filename[:-4].lower()
    parts = {
        m.filename[-4:].lower(): m
        for m in members
        if m.filename[:-4].lower() == stem and m.filename[-4:].lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg")
    }
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        raise _fail(
            _("The zip has %(shp)s but not its %(missing)s file.")
            % {"shp": shps[0].filename, "missing": " / ".join(missing)}
        )
    check_archive(list(parts.values()), limits)
    declared_by, declared = shapefile_declared_records(archive, parts)
    GeoBudget(limits).check_declared(declared, where=declared_by)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer.shp"
        budget_bytes = limits.unpacked_bytes
        for ext, member in parts.items():
            budget_bytes -= unpack_member(archive, member, Path(tmp) / f"layer{ext}", budget_bytes=budget_bytes)
        # Without a .cpg, the attribute table is UTF-8 or (from Chinese GIS software) GBK.
        encodings = [None] if ".cpg" in parts else ["UTF-8", "GB18030"]
        frame = None
        for encoding in encodings:
            try:
                frame = read_layer(path, encoding=encoding, budget=GeoBudget(limits), where=shps[0].filename)
                break
            except UnicodeDecodeError:
                continue
            except (DataSourceError, DataLayerError, FieldError, OgrGeometryError) as exc:
                raise _fail(
                    _("The Shapefile cannot be read: %(reason)s") % {"reason": _ogr_message(exc, path)}
                ) from None
        if frame is None:
            raise _fail(_("The Shapefile's attribute table (.dbf) is neither UTF-8 nor GBK; add a .cpg file."))
    return _table_from_geoframe(frame, FileFormat.SHAPEFILE, (encoding or "cpg").lower())
