"""Importing airspace zones and markets through the imports app: formats, datums, every bad input, who may."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from django.core.management import CommandError, call_command
from shapely import geometry as shp

from common.errors import NotAllowed
from common.geo import from_wgs84, haversine_m
from common.models import AuditLogEntry
from common.roles import Role
from drones.missions.frame import LocalFrame
from drones.missions.markets import CHINA_TZ
from drones.models import Airspace, Market
from imports import services
from imports.models import ImportBatch
from imports.registry import KINDS
from tests.factories import StationFactory, make_user
from tests.imports.fixtures import bowtie, geo_frame, kml_bytes, shapefile_zip, square_polygon

pytestmark = pytest.mark.django_db

CENTER = (36.18, 118.17)


@pytest.fixture
def pilot(db):
    return make_user(Role.DRONE_OPERATOR)


def geojson(features: list[tuple[dict, dict | None]]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        },
        ensure_ascii=False,
    ).encode()


def polygon(lat: float, lon: float, half: float = 0.002) -> dict:
    return shp.mapping(square_polygon(lat, lon, half)) | {}


def _json(geometry) -> dict:
    return json.loads(json.dumps(shp.mapping(geometry)))


def preview(kind: str, content: bytes, actor, *, crs: str = "wgs84", filename: str = "zones.geojson"):
    return services.import_batch_preview(kind=kind, crs=crs, filename=filename, content=content, actor=actor)


def apply(kind: str, content: bytes, actor, *, crs: str = "wgs84", filename: str = "zones.geojson"):
    return services.import_batch_run(kind=kind, crs=crs, filename=filename, content=content, actor=actor, dry_run=False)


def errors(batch) -> list[dict]:
    return [p for p in batch.report["problems"] if p["severity"] == "error"]


def only_error(batch) -> dict:
    found = errors(batch)
    assert len(found) == 1, found
    return found[0]


def nothing_written() -> bool:
    return not Airspace.objects.exists() and not Market.objects.exists()


ZONES = geojson(
    [
        ({"name": "县看守所", "kind": "禁飞区", "source": "公安局"}, _json(square_polygon(*CENTER))),
        ({"name": "水库", "kind": "restricted"}, _json(square_polygon(36.2, 118.2))),
        ({"name": "广场", "kind": "人员密集区", "min_alt_m": 40}, _json(square_polygon(36.19, 118.16))),
        (
            {"name": "考点", "kind": "no_fly", "valid_from": "2027-06-07 07:00", "valid_until": "2027-06-10"},
            _json(square_polygon(36.21, 118.15)),
        ),
    ]
)


# --- airspace -------------------------------------------------------------------------------------------


def test_preview_writes_nothing_then_apply_creates_every_zone(pilot):
    batch = preview("airspace", ZONES, pilot)
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.created_count == 4
    assert nothing_written()
    applied = services.import_batch_apply(batch=batch, actor=pilot)
    assert applied.status == ImportBatch.Status.APPLIED
    zones = {z.name: z for z in Airspace.objects.all()}
    assert {n: z.kind for n, z in zones.items()} == {
        "县看守所": "no_fly",
        "水库": "restricted",
        "广场": "crowd",
        "考点": "no_fly",
    }
    assert zones["广场"].min_alt_m == 40 and zones["县看守所"].source == "公安局"
    assert zones["考点"].valid_from == dt.datetime(2027, 6, 7, 7, 0, tzinfo=CHINA_TZ)  # Beijing time
    assert zones["考点"].valid_until == dt.datetime(2027, 6, 10, 0, 0, tzinfo=CHINA_TZ)
    assert AuditLogEntry.objects.filter(action="import.apply").count() == 1


def test_reimport_changes_nothing_and_an_edited_file_updates_not_duplicates(pilot):
    apply("airspace", ZONES, pilot)
    again = apply("airspace", ZONES, pilot)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    moved = geojson([({"name": "县看守所", "kind": "禁飞区"}, _json(square_polygon(36.181, 118.171)))])
    batch = apply("airspace", moved, pilot)
    assert (batch.created_count, batch.updated_count) == (0, 1)
    assert batch.report["rows"][0]["changes"] == ["geometry"]
    assert Airspace.objects.filter(name="县看守所").count() == 1 and Airspace.objects.count() == 4


def test_airport_point_with_buffer_becomes_a_circle_of_that_radius(pilot):
    content = geojson(
        [({"name": "机场", "kind": "机场", "buffer_m": 2000}, {"type": "Point", "coordinates": [118.0, 36.3]})]
    )
    apply("airspace", content, pilot)
    airport = Airspace.objects.get()
    assert airport.kind == "airport" and airport.buffer_m == 2000
    assert (airport.center_lat, airport.center_lon) == pytest.approx((36.3, 118.0))
    frame = LocalFrame(36.3, 118.0)
    circle = frame.to_local(shp.shape(airport.geometry))
    assert circle.area == pytest.approx(math.pi * 2000**2, rel=0.005)
    centre = frame.to_local(shp.Point(118.0, 36.3))
    assert circle.centroid.distance(centre) < 0.5


def test_a_polygon_with_buffer_m_is_grown_by_that_much(pilot):
    content = geojson([({"name": "Z", "kind": "no_fly", "buffer_m": 100}, _json(square_polygon(*CENTER, 0.001)))])
    apply("airspace", content, pilot)
    frame = LocalFrame(*CENTER)
    original = frame.to_local(square_polygon(*CENTER, 0.001))
    grown = frame.to_local(shp.shape(Airspace.objects.get().geometry))
    assert grown.covers(original.buffer(99)) and not grown.covers(original.buffer(101))


def test_gcj02_import_lands_within_a_metre(pilot):
    wgs = [(118.17, 36.18), (118.175, 36.18), (118.175, 36.184), (118.17, 36.184), (118.17, 36.18)]
    lon, lat = from_wgs84([p[0] for p in wgs], [p[1] for p in wgs], "gcj02")
    ring = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
    assert haversine_m(ring[0][1], ring[0][0], 36.18, 118.17) > 100  # GCJ-02 really is offset
    content = geojson([({"name": "Z", "kind": "no_fly"}, {"type": "Polygon", "coordinates": [ring]})])
    apply("airspace", content, pilot, crs="gcj02")
    stored = Airspace.objects.get().geometry["coordinates"][0]
    for (x, y), (ex, ey) in zip(stored, wgs, strict=True):
        assert haversine_m(y, x, ey, ex) < 1.0


def test_kml_and_zipped_shapefile_import(pilot, tmp_path):
    frame = geo_frame(
        [{"name": "看守所", "kind": "no_fly", "valid_until": "2030-01-01"}, {"name": "机场", "kind": "airport"}],
        [square_polygon(*CENTER), square_polygon(36.3, 118.0, 0.02)],
    )
    kml = apply("airspace", kml_bytes(frame, tmp_path), pilot, filename="zones.kml")
    assert kml.status == ImportBatch.Status.APPLIED and kml.created_count == 2
    # The DBF cuts valid_until to valid_unti; the file still matches the stored zones.
    (tmp_path / "shp").mkdir()
    shapefile = apply("airspace", shapefile_zip(frame, tmp_path / "shp"), pilot, filename="zones.zip")
    assert shapefile.status == ImportBatch.Status.APPLIED, shapefile.report["problems"]
    assert (shapefile.created_count, shapefile.unchanged_count) == (0, 2)
    assert Airspace.objects.get(name="看守所").valid_until == dt.datetime(2030, 1, 1, tzinfo=CHINA_TZ)


def test_self_intersecting_polygon_is_refused_with_where_it_crosses(pilot):
    content = geojson([({"name": "Z", "kind": "no_fly"}, _json(bowtie(*CENTER)))])
    batch = apply("airspace", content, pilot)
    problem = only_error(batch)
    assert problem["row"] == 1 and problem["column"] == "geometry"
    assert problem["message"].startswith("The polygon is invalid: Self-intersection at longitude 118.17")
    assert batch.status == ImportBatch.Status.FAILED and nothing_written()


def test_swapped_coordinates_in_the_file_are_refused(pilot):
    swapped = {
        "type": "Polygon",
        "coordinates": [[[y, x] for x, y in _json(square_polygon(*CENTER))["coordinates"][0]]],
    }
    batch = apply("airspace", geojson([({"name": "Z", "kind": "no_fly"}, swapped)]), pilot)
    assert "look swapped" in only_error(batch)["message"] and nothing_written()


@pytest.mark.parametrize(
    ("properties", "geometry", "column", "message"),
    [
        (
            {"name": "Z", "kind": "机场"},
            {"type": "Point", "coordinates": [118.0, 36.3]},
            "buffer_m",
            "A Point needs buffer_m",
        ),
        ({"name": "Z", "kind": "crowd"}, "square", "min_alt_m", "A crowd area needs the minimum height"),
        ({"name": "Z", "kind": "forbidden"}, "square", "kind", "“forbidden” is not an allowed value"),
        ({"name": "Z", "kind": "no_fly", "buffer_m": -5}, "square", "buffer_m", "-5 is outside 0..50000"),
        (
            {"name": "Z", "kind": "no_fly", "valid_from": "2027-01-02", "valid_until": "2027-01-01"},
            "square",
            "valid_until",
            "The end of validity must be after its start.",
        ),
        ({"name": "Z", "kind": "no_fly", "valid_from": "next week"}, "square", "valid_from", "is not a date or time"),
        (
            {"name": "Z", "kind": "no_fly"},
            {"type": "LineString", "coordinates": [[118.17, 36.18], [118.18, 36.19]]},
            "geometry",
            "The geometry is a LineString",
        ),
        ({"name": "Z", "kind": "no_fly"}, None, "geometry", "The feature has no geometry"),
        ({"name": "", "kind": "no_fly"}, "square", "name", "needs a value"),
    ],
    ids=[
        "point without buffer",
        "crowd without height",
        "unknown kind",
        "negative buffer",
        "validity backwards",
        "bad date",
        "line",
        "no geometry",
        "no name",
    ],
)
def test_each_bad_zone_gets_a_clear_error_and_nothing_is_written(pilot, properties, geometry, column, message):
    if geometry == "square":
        geometry = _json(square_polygon(*CENTER))
    batch = apply("airspace", geojson([(properties, geometry)]), pilot)
    problem = only_error(batch)
    assert problem["column"] == column and message in problem["message"], problem
    assert nothing_written() and not AuditLogEntry.objects.filter(action="import.apply").exists()


def test_the_same_name_twice_in_a_file_is_refused(pilot):
    content = geojson([({"name": "Z", "kind": "no_fly"}, _json(square_polygon(*CENTER)))] * 2)
    problem = only_error(apply("airspace", content, pilot))
    assert problem["row"] == 2 and "appears more than once" in problem["message"]


def test_only_fleet_managers_may_import_airspace_and_markets(pilot, scheduler):
    with pytest.raises(NotAllowed, match="manage the drone fleet"):
        preview("airspace", ZONES, scheduler)
    with pytest.raises(NotAllowed, match="manage the drone fleet"):
        preview("markets", MARKETS, scheduler)
    with pytest.raises(NotAllowed, match="registry data"):
        preview("schools", b"code,name\r\n", pilot, filename="s.csv")
    assert not ImportBatch.objects.exists()
    assert services.importable_kinds(pilot) == ["airspace", "markets"]
    admin = make_user(Role.BUREAU_ADMIN)
    assert len(services.importable_kinds(admin)) == len(KINDS) == 10
    # A batch of a kind the user may not import cannot be applied by them either.
    batch = services.import_batch_preview(
        kind="airspace", crs="wgs84", filename="z.geojson", content=ZONES, system=True
    )
    with pytest.raises(NotAllowed):
        services.import_batch_apply(batch=batch, actor=scheduler)
    assert nothing_written()


def test_import_airspace_command(tmp_path, capsys):
    path = tmp_path / "zones.geojson"
    path.write_bytes(ZONES)
    call_command("import_airspace", str(path), "--crs", "wgs84", "--dry-run")
    assert "4 to create" in capsys.readouterr().out and nothing_written()
    call_command("import_airspace", str(path), "--crs", "wgs84")
    assert Airspace.objects.count() == 4
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(geojson([({"name": "Z", "kind": "no_fly"}, _json(bowtie(*CENTER)))]))
    with pytest.raises(CommandError, match="1 errors in bad.geojson; nothing was written"):
        call_command("import_airspace", str(bad), "--crs", "wgs84")
    assert "Self-intersection" in capsys.readouterr().out


# --- markets --------------------------------------------------------------------------------------------

STREET = {"type": "LineString", "coordinates": [[118.2248, 36.2658], [118.2279, 36.2664], [118.2312, 36.2671]]}
MARKETS = geojson(
    [
        ({"name": "青石岭大集", "kind": "大集", "lunar_days": "逢一六", "station_code": "SJ04"}, STREET),
        (
            {"name": "城关夜市", "kind": "夜市", "weekdays": "周五,周六", "min_alt_m": 35},
            _json(square_polygon(36.19, 118.167, 0.001)),
        ),
        ({"name": "白马泉大集", "kind": "rural", "lunar_days": "3,8", "opens": "06:30", "closes": "11:30"}, STREET),
    ]
)


def test_markets_import_expands_schedules_and_defaults_the_hours(pilot):
    station = StationFactory(code="SJ04")
    batch = apply("markets", MARKETS, pilot, filename="markets.geojson")
    assert batch.status == ImportBatch.Status.APPLIED, batch.report["problems"]
    markets = {m.name: m for m in Market.objects.all()}
    rural = markets["青石岭大集"]
    assert rural.lunar_days == [1, 6, 11, 16, 21, 26] and rural.street == STREET and rural.area is None
    assert (rural.opens.isoformat(), rural.closes.isoformat(), rural.min_alt_m) == ("07:00:00", "12:00:00", 30.0)
    assert rural.station == station
    night = markets["城关夜市"]
    assert night.kind == "night" and night.weekdays == [4, 5] and night.area["type"] == "Polygon"
    assert (night.opens.isoformat(), night.closes.isoformat(), night.min_alt_m) == ("18:00:00", "22:00:00", 35.0)
    assert markets["白马泉大集"].opens.isoformat() == "06:30:00"
    again = apply("markets", MARKETS, pilot, filename="markets.geojson")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)


@pytest.mark.parametrize(
    ("properties", "column", "message"),
    [
        ({"name": "M", "kind": "大集"}, "lunar_days", "Say when the market is held"),
        ({"name": "M", "kind": "大集", "lunar_days": "逢一x"}, "lunar_days", "is not a lunar day"),
        ({"name": "M", "kind": "夜市", "weekdays": "8"}, "weekdays", "weekdays are 1 (Monday) to 7 (Sunday)"),
        ({"name": "M", "kind": "夜市", "weekdays": "5", "opens": "25:00"}, "opens", "is not a time of day"),
        ({"name": "M", "kind": "大集", "lunar_days": "1", "station_code": "NOPE"}, "station_code", "no station"),
        ({"name": "M", "kind": "大集", "lunar_days": "1", "min_alt_m": 200}, "min_alt_m", "outside 0..120"),
        ({"name": "M", "kind": "大集", "lunar_days": "1", "attendance": 2500.5}, "attendance", "not a whole number"),
        ({"name": "M", "kind": "大集", "lunar_days": "1", "attendance": -3}, "attendance", "outside 0..200000"),
        ({"name": "M", "kind": "大集", "lunar_days": "1", "attendance": "many"}, "attendance", "number"),
    ],
)
def test_each_bad_market_gets_a_clear_error(pilot, properties, column, message):
    batch = apply("markets", geojson([(properties, STREET)]), pilot, filename="markets.geojson")
    problem = only_error(batch)
    assert problem["column"] == column and message in problem["message"], problem
    assert nothing_written()


def test_market_point_geometry_is_refused(pilot):
    point = {"type": "Point", "coordinates": [118.2, 36.2]}
    batch = apply("markets", geojson([({"name": "M", "kind": "大集", "lunar_days": "1"}, point)]), pilot)
    assert "use a LineString (the street) or a Polygon (the area)" in only_error(batch)["message"]


def test_market_street_in_gcj02_is_converted(pilot):
    lon, lat = from_wgs84([p[0] for p in STREET["coordinates"]], [p[1] for p in STREET["coordinates"]], "gcj02")
    line = {"type": "LineString", "coordinates": [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]}
    apply("markets", geojson([({"name": "M", "kind": "大集", "lunar_days": "1"}, line)]), pilot, crs="gcj02")
    for (x, y), (ex, ey) in zip(Market.objects.get().street["coordinates"], STREET["coordinates"], strict=True):
        assert haversine_m(y, x, ey, ex) < 1.0


def test_market_attendance_is_imported_and_an_empty_cell_leaves_it_unknown(pilot):
    """Publicity campaigns estimate their reach from each market's attendance per session."""
    rows = [
        ({"name": "青石岭大集", "kind": "大集", "lunar_days": "1", "attendance": 3600}, STREET),
        ({"name": "城关夜市", "kind": "夜市", "weekdays": "5", "attendance": ""}, STREET),
    ]
    batch = apply("markets", geojson(rows), pilot, filename="markets.geojson")
    assert batch.status == ImportBatch.Status.APPLIED, batch.report["problems"]
    assert dict(Market.objects.values_list("name", "attendance")) == {"青石岭大集": 3600, "城关夜市": None}
    rows[0][0]["attendance"] = 4000
    again = apply("markets", geojson(rows), pilot, filename="markets.geojson")
    assert (again.updated_count, Market.objects.get(name="青石岭大集").attendance) == (1, 4000)
