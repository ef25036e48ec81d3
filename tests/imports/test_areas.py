"""Stations, jurisdictions and zones from GeoJSON, KML and zipped Shapefiles: polygons checked, schools re-resolved."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import shapely
from shapely import geometry as shp

from campus.models import School, Station, Zone
from common.geo import from_wgs84
from common.models import AuditLogEntry
from imports import services
from imports.models import ImportBatch
from tests.factories import SchoolFactory, StationFactory, square
from tests.imports.fixtures import (
    bowtie,
    counts,
    csv_bytes,
    geo_frame,
    kml_bytes,
    only_problem,
    preview,
    problems,
    shapefile_zip,
    square_polygon,
)

pytestmark = pytest.mark.django_db

WEST, EAST = (36.18, 118.10), (36.18, 118.30)


@pytest.fixture
def stations(db):
    """Two stations without jurisdictions, a school in the west and one in the east."""
    west = StationFactory(code="W01", jurisdiction=None)
    east = StationFactory(code="E01", jurisdiction=None)
    SchoolFactory(code="SW", lat=WEST[0], lon=WEST[1])
    SchoolFactory(code="SE", lat=EAST[0], lon=EAST[1])
    return west, east


def two_jurisdictions():
    return geo_frame(
        [{"station_code": "W01"}, {"station_code": "E01"}],
        [square_polygon(*WEST, 0.09), square_polygon(*EAST, 0.09)],
    )


def run(kind: str, content: bytes, actor, filename: str, crs: str = "wgs84") -> ImportBatch:
    return services.import_batch_run(kind=kind, crs=crs, filename=filename, content=content, actor=actor, dry_run=False)


def geojson(features: list[tuple[dict, dict | None]]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        }
    ).encode()


def test_shapefile_zip_sets_jurisdictions_and_schools_get_their_station(stations, scheduler, tmp_path):
    west, east = stations
    content = shapefile_zip(two_jurisdictions(), tmp_path)
    preview_batch = preview("jurisdictions", content, actor=scheduler, filename="jurisdictions.zip")
    assert preview_batch.report["format"] == "shapefile"
    assert preview_batch.report["notes"]["schools_changing_station"] == 2
    assert School.objects.filter(responsible_station=None).count() == 2
    batch = services.import_batch_apply(batch=preview_batch, actor=scheduler)
    assert batch.status == ImportBatch.Status.APPLIED and batch.updated_count == 2
    assert batch.report["notes"]["schools_reassigned"] == 2
    assert School.objects.get(code="SW").responsible_station == west
    assert School.objects.get(code="SE").responsible_station == east
    again = run("jurisdictions", content, scheduler, "jurisdictions.zip")
    assert (again.updated_count, again.unchanged_count) == (0, 2)


def test_projected_shapefile_is_reprojected_to_wgs84(stations, scheduler, tmp_path):
    frame = two_jurisdictions().to_crs(32650)
    run("jurisdictions", shapefile_zip(frame, tmp_path), scheduler, "utm.zip")
    stored = shp.shape(Station.objects.get(code="W01").jurisdiction)
    assert shapely.equals_exact(stored.normalize(), square_polygon(*WEST, 0.09).normalize(), tolerance=1e-6)


def test_gbk_shapefile_without_cpg_and_truncated_field_names_is_read(stations, scheduler, tmp_path):
    frame = geo_frame([{"code": "Z01", "name": "城关网格", "station_code": "W01"}], [square_polygon(*WEST, 0.02)])
    content = shapefile_zip(frame, tmp_path, encoding="gbk")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [n for n in archive.namelist() if not n.endswith(".cpg")]
        parts = {n: archive.read(n) for n in names}
    stripped = io.BytesIO()
    with zipfile.ZipFile(stripped, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    batch = run("zones", stripped.getvalue(), scheduler, "zones.zip")
    assert batch.status == ImportBatch.Status.APPLIED, batch.report["problems"]
    assert Zone.objects.get(code="Z01").name == "城关网格"


def test_kml_jurisdictions_in_gcj02_are_converted(stations, scheduler, tmp_path):
    wgs = square_polygon(*WEST, 0.09)
    gcj = shapely.transform(
        wgs, lambda xy: shapely.get_coordinates(shapely.points(*from_wgs84(xy[:, 0], xy[:, 1], "gcj02")))
    )
    frame = geo_frame([{"station_code": "W01"}], [gcj])
    batch = run("jurisdictions", kml_bytes(frame, tmp_path), scheduler, "jurisdictions.kml", crs="gcj02")
    assert batch.status == ImportBatch.Status.APPLIED, batch.report["problems"]
    assert batch.report["format"] == "kml"
    stored = shp.shape(Station.objects.get(code="W01").jurisdiction)
    assert shapely.hausdorff_distance(stored, wgs) < 1e-5  # about a metre


def test_kml_zone_names_come_from_the_placemark_names(stations, scheduler, tmp_path):
    frame = geo_frame([{"code": "Z01", "name": "城关网格", "station_code": "W01"}], [square_polygon(*WEST, 0.02)])
    batch = run("zones", kml_bytes(frame, tmp_path), scheduler, "zones.kml")
    assert batch.status == ImportBatch.Status.APPLIED, batch.report["problems"]
    assert Zone.objects.get(code="Z01").name == "城关网格"


def test_zones_from_geojson_send_urban_schools_to_the_zone_station(stations, scheduler):
    west, east = stations
    run("jurisdictions", geojson([({"station_code": "W01"}, square(*WEST, 0.09))]), scheduler, "j.geojson")
    urban = SchoolFactory(code="U1", area="urban", lat=WEST[0], lon=WEST[1])
    assert urban.responsible_station == west
    content = geojson([({"code": "Z01", "name": "Old town", "station_code": "E01"}, square(*WEST, 0.01))])
    batch = run("zones", content, scheduler, "zones.geojson")
    assert batch.created_count == 1 and batch.report["notes"]["schools_reassigned"] == 1
    urban.refresh_from_db()
    assert (urban.responsible_station, urban.zone.code) == (east, "Z01")


def test_stations_spreadsheet_then_geojson_with_jurisdictions(scheduler):
    sheet = csv_bytes("派出所代码,派出所名称,值班电话,每人最多学校数\nP01,城关派出所,0533-1,4\nP02,东关派出所,,")
    batch = run("stations", sheet, scheduler, "stations.csv")
    assert batch.created_count == 2
    assert Station.objects.get(code="P01").max_schools_per_officer == 4
    content = geojson([({"code": "P01", "name": "城关派出所", "lat": 36.18, "lon": 118.1}, square(*WEST, 0.09))])
    again = run("stations", content, scheduler, "stations.geojson")
    assert again.status == ImportBatch.Status.APPLIED, again.report["problems"]
    station = Station.objects.get(code="P01")
    assert station.jurisdiction["type"] == "Polygon"
    assert (station.lat, station.lon, station.duty_phone) == (36.18, 118.1, "0533-1")


def test_overlapping_jurisdictions_are_warnings_not_errors(stations, scheduler):
    content = geojson(
        [({"station_code": "W01"}, square(*WEST, 0.09)), ({"station_code": "E01"}, square(36.18, 118.17, 0.09))]
    )
    batch = preview("jurisdictions", content, actor=scheduler, filename="j.geojson")
    assert batch.status == ImportBatch.Status.PREVIEWED
    (warning,) = problems(batch, "warning")
    assert (warning["row"], warning["column"]) == (2, "geometry")
    assert "Overlaps station W01" in warning["message"]


# --- bad geo input -------------------------------------------------------------------------------


def refused(kind: str, content: bytes, actor, filename: str) -> dict:
    before = counts()
    batch = preview(kind, content, actor=actor, filename=filename)
    assert batch.status == ImportBatch.Status.FAILED
    assert run(kind, content, actor, filename).status == ImportBatch.Status.FAILED
    assert counts() == before
    return only_problem(batch)


def test_rejects_self_intersecting_polygon_saying_where(stations, scheduler):
    bow = shapely.geometry.mapping(bowtie(*WEST, 0.05))
    content = geojson([({"station_code": "E01"}, square(*EAST, 0.05)), ({"station_code": "W01"}, bow)])
    problem = refused("jurisdictions", content, scheduler, "j.geojson")
    assert (problem["row"], problem["column"]) == (2, "geometry")
    assert "Self-intersection at longitude 118.1 latitude 36.18" in problem["message"].replace(",", "")


def test_rejects_self_intersecting_polygon_in_a_shapefile(stations, scheduler, tmp_path):
    frame = geo_frame([{"station_code": "W01"}], [bowtie(*WEST, 0.05)])
    problem = refused("jurisdictions", shapefile_zip(frame, tmp_path), scheduler, "j.zip")
    assert (problem["row"], problem["column"]) == (1, "geometry")
    assert "Self-intersection" in problem["message"]


def test_rejects_unknown_station_code(stations, scheduler):
    content = geojson([({"station_code": "NOPE"}, square(*WEST, 0.05))])
    problem = refused("jurisdictions", content, scheduler, "j.geojson")
    assert (problem["row"], problem["column"], problem["value"]) == (1, "station_code", "NOPE")
    assert "no station with code “NOPE”" in problem["message"]


def test_rejects_two_polygons_for_one_station(stations, scheduler):
    content = geojson([({"station_code": "W01"}, square(*WEST, 0.05)), ({"station_code": "W01"}, square(*EAST, 0.05))])
    problem = refused("jurisdictions", content, scheduler, "j.geojson")
    assert (problem["row"], problem["column"], problem["value"]) == (2, "station_code", "W01")


def test_rejects_swapped_polygon_coordinates(stations, scheduler):
    swapped = shapely.geometry.mapping(shapely.transform(shp.shape(square(*WEST, 0.05)), lambda xy: xy[:, ::-1]))
    problem = refused("jurisdictions", geojson([({"station_code": "W01"}, swapped)]), scheduler, "j.geojson")
    assert problem["row"] == 1 and "look swapped" in problem["message"]


def test_rejects_points_where_polygons_are_needed(stations, scheduler):
    content = geojson([({"station_code": "W01"}, {"type": "Point", "coordinates": [118.1, 36.18]})])
    problem = refused("jurisdictions", content, scheduler, "j.geojson")
    assert (problem["row"], problem["column"]) == (1, "geometry")
    assert "Point" in problem["message"] and "Polygon" in problem["message"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<kml><Document><Placemark>", "KML file cannot be read"),
        (b"this is not xml", "KML file cannot be read"),
        (
            b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document></Document></kml>',
            "no placemarks",
        ),
    ],
)
def test_rejects_invalid_kml(stations, scheduler, content, expected):
    problem = refused("jurisdictions", content, scheduler, "j.kml")
    assert problem["row"] is None and expected in problem["message"]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not a zip at all", "not a valid zip archive"),
        (_zip({"readme.txt": b"hello"}), "holds no .shp file"),
        (_zip({"a.shp": b"x", "a.dbf": b"x"}), "not its .shx file"),
        (_zip({"a.shp": b"x", "a.shx": b"x", "a.dbf": b"x"}), "Shapefile cannot be read"),
    ],
)
def test_rejects_invalid_zip(stations, scheduler, content, expected):
    problem = refused("jurisdictions", content, scheduler, "j.zip")
    assert expected in problem["message"]


def test_refuses_a_zip_cut_short_as_damaged_writing_nothing(stations, scheduler):
    before = counts()
    with pytest.raises(services.ImportRefused) as refusal:
        preview("jurisdictions", b"PK\x03\x04 cut short", actor=scheduler, filename="j.zip")
    assert refusal.value.code == "archive_damaged"
    assert refusal.value.message.startswith("j.zip is refused: The zip archive is damaged:")
    assert counts() == before and not ImportBatch.objects.exists()


def test_unknown_geodata_attribute_is_a_warning_naming_it(stations, scheduler):
    # GIS tools add attributes such as OBJECTID or Shape_Area; they must not block an import.
    content = geojson([({"station_code": "W01", "Shape_Area": 12}, square(*WEST, 0.05))])
    batch = preview("jurisdictions", content, actor=scheduler, filename="j.geojson")
    assert batch.status == ImportBatch.Status.PREVIEWED
    (warning,) = problems(batch, "warning")
    assert (warning["row"], warning["column"]) == (None, "Shape_Area")
    assert "is ignored" in warning["message"]


def test_jurisdiction_dry_run_and_failures_write_no_audit_entry(stations, scheduler):
    preview(
        "jurisdictions",
        geojson([({"station_code": "W01"}, square(*WEST, 0.05))]),
        actor=scheduler,
        filename="j.geojson",
    )
    assert not AuditLogEntry.objects.exists()
    assert Station.objects.get(code="W01").jurisdiction is None
