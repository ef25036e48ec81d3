"""Reading geo files into a ``Table`` with geometries: GeoJSON, KML (every placemark of every folder) and a
zipped Shapefile, within the import limits (``imports.limits``). Geometries come back as 2-D shapely objects
in longitude/latitude degrees: a projected Shapefile is reprojected to WGS-84 here, CGCS2000 is taken as
WGS-84; rows are feature numbers (from 1)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pyogrio.errors import DataLayerError, DataSourceError, FieldError
from pyogrio.errors import GeometryError as OgrGeometryError
from pyproj import CRS
from pyproj.exceptions import CRSError

from common.texts import text
from imports.limits import (
    GeoBudget,
    ImportLimits,
    LimitExceeded,
    check_archive,
    read_layer,
    shapefile_declared_records,
    unpack_member,
)
from imports.readers.common import FileFormat, Table, cell_text, fail, open_zip
from imports.report import Problem, Unit

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
                raise fail(
                    text(
                        gettext_noop(
                            "The file names no coordinate system (.prj) and its coordinates are not degrees; "
                            "add the .prj file."
                        )
                    )
                )
        return geometries
    if _is_wgs84_like(crs):
        return geometries
    try:
        import geopandas as gpd

        return gpd.GeoSeries(geometries, crs=crs).to_crs(4326).to_numpy()
    except CRSError as exc:
        raise fail(
            text(
                gettext_noop("The coordinate system %(crs)s cannot be converted: %(reason)s"),
                crs=crs.name,
                reason=str(exc),
            )
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
        raise fail(
            text(gettext_noop("The GeoJSON names an unknown coordinate system: %(name)s"), name=str(name))
        ) from None


def read_geojson(content: bytes) -> Table:
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(
            text(
                gettext_noop("GeoJSON must be UTF-8 text; the bytes %(bytes)s at position %(pos)d are not."),
                bytes=content[exc.start : exc.end].hex(" ").upper(),
                pos=exc.start,
            )
        ) from None
    try:
        data = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise fail(
            text(
                gettext_noop("The file is not valid JSON: %(reason)s at line %(line)d, column %(col)d."),
                reason=exc.msg,
                line=exc.lineno,
                col=exc.colno,
            )
        ) from None
    except RecursionError:
        raise fail(text(gettext_noop("The file is not valid GeoJSON: its arrays are nested too deeply."))) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    else:
        raise fail(text(gettext_noop("A GeoJSON import must be a FeatureCollection (or a single Feature).")))
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
            problems.append(Problem(text(gettext_noop("This is not a GeoJSON Feature.")), row=number))
            records.append({})
            geometry_json.append(None)
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            problems.append(Problem(text(gettext_noop("The feature's properties must be an object.")), row=number))
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
            reason = str(exc)
        else:  # pragma: no cover - GEOS refused it in bulk but not alone
            reason = text(gettext_noop("unreadable geometry"))
        problems.append(
            Problem(
                text(gettext_noop("The geometry cannot be read: %(reason)s"), reason=reason),
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
    cells = pd.DataFrame({i: data.iloc[:, i].map(cell_text) for i in range(len(headers))}, index=range(len(data)))
    return Table(
        headers=headers,
        frame=cells.astype(object) if headers else pd.DataFrame(index=range(len(data))),
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
            raise fail(
                text(gettext_noop("The KML file cannot be read: %(reason)s"), reason=_ogr_message(exc, path))
            ) from None
    frames = [f for f in frames if len(f)]
    if not frames:
        raise fail(text(gettext_noop("The KML file holds no placemarks.")))
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
    return _table_from_geoframe(frame, FileFormat.KML, "utf-8", KML_STANDARD_FIELDS)


def read_shapefile_zip(content: bytes) -> Table:
    """A zip holding one Shapefile layer (.shp, .shx, .dbf, optional .prj and .cpg).

    The record counts its headers declare are checked before anything is
    unpacked; the parts are unpacked in chunks and read a chunk of features at
    a time, so neither a lying header nor millions of empty shapes can exhaust memory.
    """
    limits = ImportLimits.current()
    archive = open_zip(content, not_a_zip=text(gettext_noop("The file is not a valid zip archive.")))
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and "__MACOSX" not in info.filename
        and not PurePosixPath(info.filename).name.startswith(".")
    ]
    shps = [m for m in members if m.filename.lower().endswith(".shp")]
    if not shps:
        raise fail(text(gettext_noop("The zip holds no .shp file; a Shapefile needs its .shp, .shx and .dbf files.")))
    if len(shps) > 1:
        raise fail(
            text(
                gettext_noop("The zip holds several Shapefiles (%(names)s); put one layer in each zip."),
                names=", ".join(m.filename for m in shps),
            )
        )
    stem = shps[0].filename[:-4].lower()
    parts = {
        m.filename[-4:].lower(): m
        for m in members
        if m.filename[:-4].lower() == stem and m.filename[-4:].lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg")
    }
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        raise fail(
            text(
                gettext_noop("The zip has %(shp)s but not its %(missing)s file."),
                shp=shps[0].filename,
                missing=" / ".join(missing),
            )
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
                raise fail(
                    text(gettext_noop("The Shapefile cannot be read: %(reason)s"), reason=_ogr_message(exc, path))
                ) from None
        if frame is None:
            raise fail(
                text(gettext_noop("The Shapefile's attribute table (.dbf) is neither UTF-8 nor GBK; add a .cpg file."))
            )
    return _table_from_geoframe(frame, FileFormat.SHAPEFILE, (encoding or "cpg").lower())
