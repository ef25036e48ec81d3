"""Sample import files for the sample county, in the formats of docs/import-formats.md.

``sample_files_write`` writes the same bytes on every run: fixed row order,
coordinates rounded to 6 decimals, and fixed timestamps inside the XLSX and
the zipped shapefile (both are zip archives, whose entries carry dates).
The files describe the state at the end of the sample story: officers.csv
has the deactivation and the transfer applied, and liaisons.csv holds the
assignments that still stand (one row per covered school).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import geopandas as gpd
import openpyxl
from shapely import geometry as shp

from campus.sample.county import SampleCounty
from campus.sample.generator import generate_county
from campus.sample.geometry import COORD_DECIMALS
from common.geo import Crs, from_wgs84

# Naive on purpose: zip entry dates and openpyxl's document properties (taken as UTC) carry no zone.
FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)  # noqa: DTZ001
LEVEL_LABELS = {
    "kindergarten": "幼儿园",
    "primary": "小学",
    "junior": "初中",
    "senior": "高中",
    "nine_year": "九年一贯制",
    "vocational": "职业学校",
    "special": "特殊教育学校",
}
AREA_LABELS = {"urban": "城区", "rural": "农村"}
SCHOOL_COLUMNS = (
    ("code", "学校代码"),
    ("name", "学校名称"),
    ("level", "学段"),
    ("area", "城乡"),
    ("lat", "纬度"),
    ("lon", "经度"),
    ("boarding", "寄宿"),
    ("school_bus", "校车"),
    ("pupils", "学生数"),
    ("address", "地址"),
    ("phone", "电话"),
    ("contact_name", "安全负责人"),
    ("contact_title", "职务"),
    ("contact_phone", "联系电话"),
    ("active", "在用"),
)
STATION_COLUMNS = (
    ("code", "派出所代码"),
    ("name", "派出所名称"),
    ("address", "地址"),
    ("duty_phone", "值班电话"),
    ("lat", "纬度"),
    ("lon", "经度"),
    ("max_schools_per_officer", "每人最多学校数"),
)
# DBF field names hold at most 10 bytes, so a shapefile cannot carry "station_code" in full;
# GDAL, QGIS and ArcGIS all truncate it to this.
SHAPEFILE_STATION_FIELD = "station_co"

FILE_NAMES = (
    "departments.csv",
    "stations.csv",
    "jurisdictions.geojson",
    "jurisdictions.kml",
    "jurisdictions_shp.zip",
    "zones.geojson",
    "schools.csv",
    "schools.xlsx",
    "gates.csv",
    "officers.csv",
    "liaisons.csv",
    "README.md",
)


def sample_files_write(out_dir: Path, *, county: SampleCounty | None = None) -> list[Path]:
    """Write every sample file into ``out_dir`` (created if missing); return the paths in import order."""
    county = county or generate_county()
    out_dir.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Callable[[SampleCounty], bytes]] = {
        "departments.csv": departments_csv,
        "stations.csv": stations_csv,
        "jurisdictions.geojson": jurisdictions_geojson,
        "jurisdictions.kml": jurisdictions_kml,
        "jurisdictions_shp.zip": jurisdictions_shapefile_zip,
        "zones.geojson": zones_geojson,
        "schools.csv": schools_csv,
        "schools.xlsx": schools_xlsx,
        "gates.csv": gates_csv,
        "officers.csv": officers_csv,
        "liaisons.csv": liaisons_csv,
        "README.md": readme_md,
    }
    paths = []
    for name in FILE_NAMES:
        path = out_dir / name
        path.write_bytes(writers[name](county))
        paths.append(path)
    return paths


# -- CSV --------------------------------------------------------------------------------------------


def _csv(rows: Iterable[Iterable[Any]], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _deg(value: float) -> str:
    return f"{value:.{COORD_DECIMALS}f}"


def _flag(value: bool) -> str:
    return "1" if value else "0"


def schools_csv(county: SampleCounty) -> bytes:
    """GBK, Chinese headers and labels, coordinates in GCJ-02 (as copied from AMap)."""
    lons, lats = from_wgs84([s.lon for s in county.schools], [s.lat for s in county.schools], Crs.GCJ02)
    rows: list[list[Any]] = [[cn for _, cn in SCHOOL_COLUMNS]]
    for school, lon, lat in zip(county.schools, lons, lats, strict=True):
        contact = school.contacts[0]
        rows.append(
            [
                school.code,
                school.name,
                LEVEL_LABELS[school.level],
                AREA_LABELS[school.area],
                _deg(float(lat)),
                _deg(float(lon)),
                "是" if school.boarding else "否",
                "是" if school.school_bus else "否",
                school.pupils,
                school.address,
                school.phone,
                contact.name,
                contact.title,
                contact.phone,
                "是",
            ]
        )
    return _csv(rows, "gbk")


def gates_csv(county: SampleCounty) -> bytes:
    """UTF-8 without BOM, English headers, WGS-84."""
    rows: list[list[Any]] = [["school_code", "name", "lat", "lon", "is_main"]]
    for school in county.schools:
        rows += [[school.code, g.name, _deg(g.lat), _deg(g.lon), _flag(g.is_main)] for g in school.gates]
    return _csv(rows, "utf-8")


def stations_csv(county: SampleCounty) -> bytes:
    """UTF-8 with BOM (as Excel saves it), Chinese headers, WGS-84 station buildings."""
    rows: list[list[Any]] = [[cn for _, cn in STATION_COLUMNS]]
    rows += [[s.code, s.name, s.address, s.duty_phone, _deg(s.lat), _deg(s.lon), ""] for s in county.stations]
    return _csv(rows, "utf-8-sig")


def departments_csv(county: SampleCounty) -> bytes:
    rows: list[list[Any]] = [["code", "name", "kind", "phone"]]
    rows += [[d.code, d.name, d.kind, d.phone] for d in county.departments]
    return _csv(rows, "utf-8")


def officers_csv(county: SampleCounty) -> bytes:
    """The officers as they stand at the end of the story (one deactivated, one transferred)."""
    rows: list[list[Any]] = [["badge_no", "name", "kind", "station_code", "department_code", "phone", "active"]]
    rows += [
        [o.badge_no, o.name, o.kind, o.station_code, o.department_code, o.phone, _flag(o.active)]
        for o in county.final_officers()
    ]
    return _csv(rows, "utf-8")


def liaisons_csv(county: SampleCounty) -> bytes:
    """The liaison assignments that still hold at the end of the story, one row per covered school."""
    rows: list[list[Any]] = [["school_code", "badge_no", "reason", "override_reason"]]
    rows += [[a.school_code, a.badge_no, a.reason, a.override_reason] for a in county.final_liaisons() if not a.problem]
    return _csv(rows, "utf-8")


# -- XLSX -------------------------------------------------------------------------------------------


def schools_xlsx(county: SampleCounty) -> bytes:
    """English headers and codes, WGS-84, real Excel booleans and numbers; stable bytes."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "schools"
    sheet.append([en for en, _ in SCHOOL_COLUMNS])
    for s in county.schools:
        contact = s.contacts[0]
        sheet.append(
            [
                s.code,
                s.name,
                s.level,
                s.area,
                s.lat,
                s.lon,
                s.boarding,
                s.school_bus,
                s.pupils,
                s.address,
                s.phone,
                contact.name,
                contact.title,
                contact.phone,
                True,
            ]
        )
    for column, width in zip("ABCDEFGHIJKLMNO", (13, 30, 12, 8, 11, 11, 9, 10, 8, 36, 14, 10, 16, 13, 7), strict=True):
        sheet.column_dimensions[column].width = width
    props = workbook.properties
    props.creator = props.lastModifiedBy = "示例县样例数据 (sample data)"
    props.title = "示例县学校（样例）"
    props.description = "Fictitious sample data for the school-safety system."
    props.created = props.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl stamps the save time into docProps/core.xml; put the fixed time back.
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")

    def fix_core(name: str, data: bytes) -> bytes:
        if name != "docProps/core.xml":
            return data
        return re.sub(
            rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp.encode() + rb"\g<2>", data
        )

    return _rezip(buffer.getvalue(), fix_core)


def _rezip(data: bytes, transform: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """The same zip archive with every entry dated FIXED_TIME (entry order kept)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if transform is not None:
                content = transform(info.filename, content)
            _zip_add(target, info.filename, content)
    return out.getvalue()


def _zip_add(archive: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, content)


# -- GeoJSON, KML, Shapefile ------------------------------------------------------------------------


def _feature_collection(name: str, features: list[dict[str, Any]]) -> bytes:
    """GeoJSON with one feature per line: small, and readable in a diff."""
    lines = ['{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False) + ',"features":[']
    for i, feature in enumerate(features):
        comma = "," if i < len(features) - 1 else ""
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")) + comma)
    lines.append("]}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def jurisdictions_geojson(county: SampleCounty) -> bytes:
    """One Polygon feature per station, WGS-84.

    Only ``station_code``: the import treats any other property as an unknown column.
    """
    features = [
        {"type": "Feature", "properties": {"station_code": s.code}, "geometry": s.jurisdiction} for s in county.stations
    ]
    return _feature_collection("jurisdictions", features)


def _convert_coords(value: Any, crs: Crs) -> Any:
    """Convert the [lon, lat] leaves of GeoJSON coordinates from WGS-84 to ``crs``."""
    if value and isinstance(value[0], float | int):
        lon, lat = from_wgs84(value[0], value[1], crs)
        return [round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS)]
    return [_convert_coords(v, crs) for v in value]


def zones_geojson(county: SampleCounty) -> bytes:
    """Urban zones with properties code/name/station_code, coordinates in BD-09 (as copied from Baidu)."""
    features = [
        {
            "type": "Feature",
            "properties": {"code": z.code, "name": z.name, "station_code": z.station_code},
            "geometry": {
                "type": z.boundary["type"],
                "coordinates": _convert_coords(z.boundary["coordinates"], Crs.BD09),
            },
        }
        for z in county.zones
    ]
    return _feature_collection("zones", features)


def _kml_polygon(coordinates: list) -> str:
    def ring(points: list) -> str:
        text = " ".join(f"{lon},{lat}" for lon, lat in points)
        return f"<LinearRing><coordinates>{text}</coordinates></LinearRing>"

    outer, *holes = coordinates
    inner = "".join(f"<innerBoundaryIs>{ring(h)}</innerBoundaryIs>" for h in holes)
    return f"<Polygon><outerBoundaryIs>{ring(outer)}</outerBoundaryIs>{inner}</Polygon>"


def jurisdictions_kml(county: SampleCounty) -> bytes:
    """The same polygons as jurisdictions.geojson, as KML 2.2 with ``station_code`` in ExtendedData.

    The station name is the Placemark's ``<name>``; repeating it as a data field would clash
    with that in GDAL's KML readers.
    """
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        "<Document>",
        f"<name>{escape(county.name)}派出所辖区</name>",
        '<Schema name="jurisdictions" id="jurisdictions">',
        '<SimpleField name="station_code" type="string"></SimpleField>',
        "</Schema>",
        "<Folder><name>jurisdictions</name>",
    ]
    for s in county.stations:
        geometry = s.jurisdiction
        if geometry["type"] == "Polygon":
            shape = _kml_polygon(geometry["coordinates"])
        else:
            shape = "<MultiGeometry>" + "".join(_kml_polygon(p) for p in geometry["coordinates"]) + "</MultiGeometry>"
        lines.append(
            f"<Placemark><name>{escape(s.name)}</name>"
            '<ExtendedData><SchemaData schemaUrl="#jurisdictions">'
            f'<SimpleData name="station_code">{escape(s.code)}</SimpleData>'
            f"</SchemaData></ExtendedData>{shape}</Placemark>"
        )
    lines += ["</Folder>", "</Document>", "</kml>", ""]
    return "\n".join(lines).encode("utf-8")


def jurisdictions_shapefile_zip(county: SampleCounty) -> bytes:
    """A zipped shapefile (.shp/.shx/.dbf/.prj EPSG:4326/.cpg UTF-8) of the jurisdictions."""
    frame = gpd.GeoDataFrame(
        {SHAPEFILE_STATION_FIELD: [s.code for s in county.stations]},
        geometry=[shp.shape(s.jurisdiction) for s in county.stations],
        crs="EPSG:4326",
    )
    pyogrio_log = logging.getLogger("pyogrio")
    level = pyogrio_log.level
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jurisdictions.shp"
        pyogrio_log.setLevel(logging.WARNING)  # it reports "Created 12 records" at INFO
        try:
            frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        finally:
            pyogrio_log.setLevel(level)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                content = path.with_suffix(suffix).read_bytes()
                if suffix == ".dbf":
                    # Bytes 1-3 of a DBF header are the date of last update; make it fixed.
                    stamp = bytes([FIXED_TIME.year - 1900, FIXED_TIME.month, FIXED_TIME.day])
                    content = content[:1] + stamp + content[4:]
                _zip_add(archive, f"jurisdictions{suffix}", content)
    return out.getvalue()


# -- README -----------------------------------------------------------------------------------------


def readme_md(county: SampleCounty) -> bytes:
    h = county.highlights
    levels: dict[str, int] = {}
    for s in county.schools:
        levels[s.level] = levels.get(s.level, 0) + 1
    level_text = ", ".join(f"{LEVEL_LABELS[k]} {v}" for k, v in sorted(levels.items(), key=lambda kv: -kv[1]))
    covered = sum(1 for a in county.final_liaisons() if not a.problem)
    gates = sum(len(s.gates) for s in county.schools)
    template = (Path(__file__).parent / "samples_readme.md").read_text(encoding="utf-8")
    text = template.format(
        county=county.name,
        stations=len(county.stations),
        zones=len(county.zones),
        departments=len(county.departments),
        officers=len(county.officers),
        schools=len(county.schools),
        urban=sum(1 for s in county.schools if s.area == "urban"),
        rural=sum(1 for s in county.schools if s.area == "rural"),
        levels=level_text,
        gates=gates,
        covered=covered,
        uncovered=", ".join(h["uncovered"]),
        pending=", ".join(h["pending_after_transfer"] + h["pending_after_deactivation"]),
        transferred=h["transferred_officer"][0],
        deactivated=h["deactivated_officer"][0],
        override_school=h["override_school"][0],
        override_officer=h["override_officer"][0],
        unpaired=", ".join(h["unpaired"]),
    )
    return text.encode("utf-8")
