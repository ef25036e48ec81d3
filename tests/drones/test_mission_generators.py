"""Mission generators: the geometry of patrol loops and sweeps, timing, speaker placement, bad input."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pyproj import Transformer
from shapely import geometry as shp
from shapely import union_all

from campus.models import School, validate_polygon_geojson
from drones.missions.compile import compile_route, item_count
from drones.missions.decompile import decompile
from drones.missions.generators.generated import GeneratedMission, GeneratorError
from drones.missions.generators.market import market_broadcast
from drones.missions.generators.paths import ACCEL_MPS2, CLIMB_MPS
from drones.missions.generators.points import point_broadcast
from drones.missions.generators.school import MAX_LOOP_VERTICES, school_patrol
from drones.missions.items import (
    CMD_DO_CHANGE_SPEED,
    CMD_DO_SET_RELAY,
    CMD_NAV_LOITER_TIME,
    CMD_NAV_RETURN_TO_LAUNCH,
    CMD_NAV_TAKEOFF,
    CMD_NAV_WAYPOINT,
)
from drones.models.airspace import Market
from simulators.arducopter.physics import offset_to_latlon
from tests.factories import GateFactory, SchoolFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE
ORIGIN = (36.18, 118.17)
LAUNCH = offset_to_latlon(*ORIGIN, -150, -100)
_TO_UTM = Transformer.from_crs(4326, 32650, always_xy=True)


def at(north_m: float, east_m: float) -> tuple[float, float]:
    return offset_to_latlon(*ORIGIN, north_m, east_m)


def xy(lat: float, lon: float) -> tuple[float, float]:
    return _TO_UTM.transform(lon, lat)


def polygon(*offsets: tuple[float, float]) -> dict:
    ring = [[lon, lat] for lat, lon in (at(n, e) for n, e in offsets)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def polygon_xy(geojson: dict) -> shp.Polygon:
    return shp.Polygon([xy(lat, lon) for lon, lat in geojson["coordinates"][0]])


def route_xy(generated: GeneratedMission) -> list[tuple[float, float]]:
    return [xy(w.lat, w.lon) for w in generated.waypoints]


def compiled(generated: GeneratedMission, launch=LAUNCH):
    return compile_route(
        generated.waypoints, launch=launch, takeoff_alt_m=generated.takeoff_alt_m, speed_mps=generated.speed_mps
    )


def raises(message: str, fn, *args, **kw) -> GeneratorError:
    with pytest.raises(GeneratorError) as info:
        fn(*args, **kw)
    assert str(info.value) == message
    return info.value


RECTANGLE = polygon((0, 0), (0, 200), (120, 200), (120, 0))
L_SHAPE = polygon((0, 0), (0, 240), (60, 240), (60, 80), (200, 80), (200, 0))


def school(campus: dict | None = RECTANGLE, **kw) -> School:
    return School(**({"name": "No. 1 Primary", "lat": ORIGIN[0], "lon": ORIGIN[1], "campus": campus} | kw))


# --- school patrol ---------------------------------------------------------------------------------


@pytest.mark.parametrize("campus", [RECTANGLE, L_SHAPE], ids=["rectangle", "l-shape"])
@pytest.mark.parametrize("buffer_m", [15.0, 30.0, 60.0])
def test_the_patrol_loop_stays_the_buffer_distance_outside_the_campus(campus: dict, buffer_m: float) -> None:
    generated = school_patrol(school(campus), buffer_m=buffer_m, alt_m=40, laps=2, start_at=LAUNCH)
    edge = polygon_xy(campus).exterior
    points = route_xy(generated)
    tolerance = max(3.0, 0.1 * buffer_m)  # the simplified loop's legs cut the rounded corners a little

    for point in points:  # vertices lie on the buffered outline
        assert edge.distance(shp.Point(point)) == pytest.approx(buffer_m, abs=0.05)
    for a, b in zip(points, points[1:], strict=False):  # and the legs between them stay near it
        leg = shp.LineString([a, b])
        for k in range(int(leg.length // 2) + 1):
            distance = edge.distance(leg.interpolate(2.0 * k))
            assert buffer_m - tolerance <= distance <= buffer_m + 0.05
            assert not polygon_xy(campus).contains(leg.interpolate(2.0 * k))


def test_the_patrol_is_a_closed_clockwise_loop_flown_lap_after_lap_from_the_vertex_nearest_launch() -> None:
    generated = school_patrol(school(), laps=3, alt_m=35, start_at=LAUNCH)
    route = generated.waypoints
    vertices = generated.params["loop_vertices"]

    assert len(route) == 3 * vertices + 1 and route[0] == route[-1]
    assert route[:vertices] == route[vertices : 2 * vertices] == route[2 * vertices : 3 * vertices]
    assert vertices <= MAX_LOOP_VERTICES
    assert all((w.alt_m, w.hold_s, w.speaker, w.speed_mps) == (35, 0, None, None) for w in route)
    ring = shp.LinearRing(route_xy(generated)[:vertices])
    assert not ring.is_ccw  # clockwise
    launch = xy(*LAUNCH)
    distances = [math.dist(p, launch) for p in route_xy(generated)[:vertices]]
    assert distances[0] == min(distances)
    assert generated.kind == "school_patrol" and generated.takeoff_alt_m == 35
    assert generated.params | {"loop_length_m": 0} == {
        "around": "campus", "buffer_m": 30.0, "alt_m": 35.0, "laps": 3, "speed_mps": None,
        "start_at": list(LAUNCH), "dismissal": None, "lead_min": 20.0, "loop_vertices": vertices, "loop_length_m": 0,
        "over_school_from": None, "over_school_until": None,
    }  # fmt: skip


def test_without_a_launch_point_the_patrol_starts_at_the_northernmost_vertex() -> None:
    generated = school_patrol(school(), laps=1)
    north = [y for _x, y in route_xy(generated)[:-1]]
    assert north[0] == max(north)


def test_the_patrol_is_timed_to_be_over_the_school_20_minutes_before_dismissal() -> None:
    day = dt.date(2026, 3, 2)
    generated = school_patrol(school(), laps=2, speed_mps=6, start_at=LAUNCH, dismissal=dt.time(16, 30), on_date=day)
    over_from = dt.datetime(2026, 3, 2, 16, 10, tzinfo=SHANGHAI)
    transit_s = 40 / CLIMB_MPS + math.dist(xy(*LAUNCH), route_xy(generated)[0]) / 6

    assert generated.params["over_school_from"] == over_from.isoformat()
    assert generated.planned_start == (over_from - dt.timedelta(seconds=transit_s)).replace(second=0, microsecond=0)
    assert timezone.is_aware(generated.planned_start) and generated.planned_start.second == 0
    until = dt.datetime.fromisoformat(generated.params["over_school_until"])
    assert (until - over_from).total_seconds() == pytest.approx(generated.route_length_m / 6)
    assert generated.route_duration_s == pytest.approx(generated.route_length_m / 6)


def test_a_dismissal_datetime_naive_or_aware_and_another_lead_time() -> None:
    aware = dt.datetime(2026, 3, 2, 11, 45, tzinfo=SHANGHAI)
    naive = school_patrol(school(), dismissal=aware.replace(tzinfo=None), lead_min=30)  # in TIME_ZONE
    assert naive.params["over_school_from"] == (aware - dt.timedelta(minutes=30)).isoformat()
    assert school_patrol(school(), dismissal=aware, lead_min=30).planned_start == naive.planned_start


@pytest.mark.django_db
def test_the_patrol_goes_around_the_gates_when_asked_or_without_a_campus_outline() -> None:
    with_campus = SchoolFactory(lat=ORIGIN[0], lon=ORIGIN[1], campus=RECTANGLE)
    without = SchoolFactory(lat=ORIGIN[0], lon=ORIGIN[1], campus=None)
    for owner in (with_campus, without):
        for n, e in ((0, 0), (0, 90), (70, 40)):
            GateFactory(school=owner, lat=at(n, e)[0], lon=at(n, e)[1])
    hull = shp.MultiPoint([xy(*at(n, e)) for n, e in ((0, 0), (0, 90), (70, 40))]).convex_hull

    for generated in (school_patrol(with_campus, around="gates", buffer_m=25), school_patrol(without, buffer_m=25)):
        assert generated.params["around"] == "gates"
        for point in route_xy(generated):
            assert hull.exterior.distance(shp.Point(point)) == pytest.approx(25, abs=0.05)


@pytest.mark.django_db
def test_one_gate_gives_a_circle_around_it() -> None:
    owner = SchoolFactory(lat=ORIGIN[0], lon=ORIGIN[1], campus=None)
    gate = GateFactory(school=owner, lat=ORIGIN[0], lon=ORIGIN[1])
    generated = school_patrol(owner, buffer_m=40, laps=1)
    for point in route_xy(generated):
        assert math.dist(point, xy(gate.lat, gate.lon)) == pytest.approx(40, abs=0.05)


BOWTIE = polygon((0, 0), (100, 200), (0, 200), (100, 0))  # edges cross at (50 m N, 100 m E)


@pytest.mark.parametrize(
    ("make", "options", "message"),
    [
        (
            lambda: school(BOWTIE),
            {},
            "The campus outline of No. 1 Primary is not a valid polygon: Self-intersection near {cross} (latitude, "
            "longitude). Redraw it so that its edges do not cross.",
        ),
        (
            lambda: school({"type": "Polygon", "coordinates": [[[36.18, 118.17], [36.18, 118.171], [36.181, 118.171],
                                                                [36.18, 118.17]]]}),
            {},
            "The campus outline of No. 1 Primary, vertex 1: latitude 118.17 and longitude 36.18 look swapped.",
        ),
        (
            lambda: school({"type": "LineString", "coordinates": [[118.17, 36.18], [118.171, 36.18]]}),
            {},
            "The campus outline of No. 1 Primary must be a GeoJSON Polygon (found LineString).",
        ),
        (
            lambda: school(lat=118.17, lon=36.18),
            {},
            "The position of No. 1 Primary: latitude 118.17 and longitude 36.18 look swapped.",
        ),
        (
            lambda: school(lat=None, lon=None),
            {},
            "The position of No. 1 Primary: latitude and longitude are required.",
        ),
        (
            lambda: school(None),
            {},
            "No. 1 Primary has neither a campus outline nor gates; draw the campus or add its gates.",
        ),
        (
            lambda: school(),
            {"around": "gates"},
            "No. 1 Primary has no gates recorded; add its gates or fly around the campus outline.",
        ),
        (lambda: school(), {"around": "fence"}, "Fly around 'campus' or 'gates', not 'fence'."),
        (lambda: school(), {"alt_m": 0}, "The height must be a number above 0 (it is 0)."),
        (lambda: school(), {"alt_m": -10}, "The height must be a number above 0 (it is -10)."),
        (lambda: school(), {"buffer_m": -5}, "The distance from the campus must be a number above 0 (it is -5)."),
        (lambda: school(), {"laps": 0}, "Laps must be a whole number from 1 to 100 (it is 0)."),
        (lambda: school(), {"laps": 1.5}, "Laps must be a whole number from 1 to 100 (it is 1.5)."),
        (lambda: school(), {"speed_mps": 80}, "The speed must be between 0.5 and 40 m/s (it is 80)."),
        (
            lambda: school(),
            {"start_at": (118.17, 36.18)},
            "The launch point: latitude 118.17 and longitude 36.18 look swapped.",
        ),
        (
            lambda: school(),
            {"dismissal": "16:30"},
            "The dismissal time must be a time or a date and time (it is '16:30').",
        ),
        (
            lambda: school(),
            {"lead_min": -1},
            "The lead time before dismissal must be 0 minutes or more (it is -1).",
        ),
    ],
    ids=[
        "self-intersecting", "swapped-campus", "not-a-polygon", "swapped-school", "no-position", "no-geometry",
        "no-gates", "around", "height-0", "height-negative", "buffer", "laps-0", "laps-fraction", "speed",
        "swapped-launch", "dismissal", "lead",
    ],
)  # fmt: skip
def test_bad_patrol_input_is_refused_saying_what_and_where(make, options, message) -> None:
    cross = at(50, 100)
    raises(message.format(cross=f"{cross[0]:.6f}, {cross[1]:.6f}"), school_patrol, make(), **options)


@pytest.mark.django_db
def test_a_gate_with_swapped_coordinates_is_named() -> None:
    owner = SchoolFactory(campus=None)
    GateFactory(school=owner, name="North gate", lat=118.17, lon=36.18)
    raises("Gate North gate: latitude 118.17 and longitude 36.18 look swapped.", school_patrol, owner, around="gates")


# --- market broadcast: street -------------------------------------------------------------------------

STREET = {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in (at(0, 0), at(0, 150), at(60, 230))]}


def market(**kw) -> Market:
    return Market(**({"name": "Xinzhuang market", "street": STREET, "min_alt_m": 30} | kw))


def test_a_street_broadcast_goes_out_and_back_with_the_speaker_on_from_the_first_to_the_last_waypoint() -> None:
    generated = market_broadcast(market(), alt_m=40, speed_mps=5, laps=2, start_at=LAUNCH)
    v0, v1, v2 = (xy(*at(n, e)) for n, e in ((0, 0), (0, 150), (60, 230)))
    expected = [v0, v1, v2, v1, v0, v1, v2, v1, v0]

    assert route_xy(generated) == [(pytest.approx(x, abs=0.01), pytest.approx(y, abs=0.01)) for x, y in expected]
    speakers = [w.speaker for w in generated.waypoints]
    assert speakers == [True, *[None] * 7, False]
    assert all(w.alt_m == 40 and w.hold_s == 0 for w in generated.waypoints)
    assert (generated.speed_mps, generated.takeoff_alt_m, generated.params["laps"]) == (5, 40, 2)

    items = compiled(generated)
    assert [i.command for i in items] == [
        16, CMD_NAV_TAKEOFF, CMD_DO_CHANGE_SPEED, CMD_NAV_WAYPOINT, CMD_DO_SET_RELAY, *[CMD_NAV_WAYPOINT] * 8,
        CMD_DO_SET_RELAY, CMD_NAV_RETURN_TO_LAUNCH,
    ]  # fmt: skip
    assert (items[4].param2, items[-2].param2) == (1.0, 0.0)
    assert item_count(generated.waypoints, speed_mps=5) == len(items) == 15


def test_the_street_sweep_starts_at_the_end_nearest_the_launch_point() -> None:
    far_end = at(60, 230)
    generated = market_broadcast(market(), laps=1, start_at=offset_to_latlon(*far_end, 30, 30))
    assert math.dist(route_xy(generated)[0], xy(*far_end)) < 0.01


@pytest.mark.parametrize("minutes", [3, 10, 25.5])
def test_minutes_become_the_most_whole_laps_that_fit(minutes: float) -> None:
    generated = market_broadcast(market(), speed_mps=5, minutes=minutes)
    length = shp.LineString([xy(lat, lon) for lon, lat in STREET["coordinates"]]).length
    lap_s = 2 * length / 5 + 2 * 5 / ACCEL_MPS2  # out and back, a full stop at each end
    laps = generated.params["laps"]

    assert generated.params["lap_s"] == pytest.approx(lap_s, abs=0.1)
    assert laps * lap_s <= minutes * 60 < (laps + 1) * lap_s
    assert len(generated.waypoints) == 1 + 4 * laps
    assert generated.route_duration_s == pytest.approx(laps * lap_s)


def test_minutes_shorter_than_one_lap_still_fly_one_lap() -> None:
    assert market_broadcast(market(), speed_mps=5, minutes=0.5).params["laps"] == 1


# --- market broadcast: area ------------------------------------------------------------------------------


def rotated_rectangle(length_m: float, width_m: float, bearing_deg: float) -> dict:
    """A rectangle whose long side points along ``bearing_deg`` (clockwise from north)."""
    b = math.radians(bearing_deg)
    along = (math.cos(b), math.sin(b))  # (north, east)
    across = (-math.sin(b), math.cos(b))
    corners = [
        (along[0] * a + across[0] * c, along[1] * a + across[1] * c)
        for a, c in ((0, 0), (length_m, 0), (length_m, width_m), (0, width_m))
    ]
    return polygon(*corners)


@pytest.mark.parametrize(
    ("area", "spacing_m", "passes"),
    [
        (rotated_rectangle(300, 120, 30), 40, 3),
        (rotated_rectangle(300, 130, 120), 40, 4),
        (polygon((0, 0), (20, 180), (120, 220), (160, 60), (90, -30)), 35, None),
        (rotated_rectangle(200, 15, 75), 40, 1),
    ],
    ids=["rectangle-30deg", "rectangle-120deg", "pentagon", "narrower-than-spacing"],
)
def test_the_area_sweep_covers_the_polygon_with_passes_spacing_apart_along_its_long_axis(
    area: dict, spacing_m: float, passes: int | None
) -> None:
    generated = market_broadcast(market(street=None, area=area), laps=1, spacing_m=spacing_m, start_at=LAUNCH)
    points = route_xy(generated)
    legs = [shp.LineString(points[i : i + 2]) for i in range(0, len(points), 2)]

    if passes is not None:
        assert len(legs) == generated.params["passes"] == passes
    shape = polygon_xy(area)
    rect = shape.minimum_rotated_rectangle
    corners = list(rect.exterior.coords)
    long_side = max(((corners[0], corners[1]), (corners[1], corners[2])), key=lambda s: math.dist(*s))
    axis = math.atan2(long_side[1][1] - long_side[0][1], long_side[1][0] - long_side[0][0])
    for leg in legs:  # parallel to the long axis
        (ax, ay), (bx, by) = leg.coords
        assert math.sin(math.atan2(by - ay, bx - ax) - axis) == pytest.approx(0, abs=1e-4)  # 1e-8° rounding
    for first, second in zip(legs, legs[1:], strict=False):  # spacing apart
        (ax, ay), (bx, by) = second.coords
        (px, py) = first.coords[0]
        across = abs((bx - ax) * (py - ay) - (by - ay) * (px - ax)) / second.length  # to the line through `second`
        assert across == pytest.approx(spacing_m, abs=0.01)
    swaths = union_all([leg.buffer(spacing_m / 2, cap_style="flat") for leg in legs])
    assert shape.difference(swaths).area <= 1e-4 * shape.area  # covered
    assert [w.speaker for w in generated.waypoints] == [True, *[None] * (len(points) - 2), False]


def test_the_area_sweep_starts_at_the_corner_nearest_launch_and_sweeps_back_on_the_next_lap() -> None:
    area = rotated_rectangle(300, 120, 30)
    one = market_broadcast(market(street=None, area=area), laps=1, start_at=LAUNCH)
    two = market_broadcast(market(street=None, area=area), laps=2, start_at=LAUNCH)
    corners = [xy(lat, lon) for lon, lat in area["coordinates"][0][:-1]]
    nearest_corner_distance = min(math.dist(c, xy(*LAUNCH)) for c in corners)

    assert math.dist(route_xy(one)[0], xy(*LAUNCH)) <= nearest_corner_distance + 25  # a pass end at that corner
    lap = [(w.lat, w.lon) for w in one.waypoints]
    assert [(w.lat, w.lon) for w in two.waypoints] == lap + lap[::-1][1:]
    assert [w.speaker for w in two.waypoints].count(True) == 1


def test_a_market_with_both_street_and_area_uses_the_street_unless_asked() -> None:
    both = market(area=rotated_rectangle(300, 120, 30))
    assert market_broadcast(both, laps=1).params["over"] == "street"
    assert market_broadcast(both, laps=1, over="area").params["over"] == "area"


@pytest.mark.parametrize(
    ("make", "options", "message"),
    [
        (market, {"laps": 2, "minutes": 10}, "Give either the number of laps or the minutes to broadcast, not both."),
        (market, {}, "Give either the number of laps or the minutes to broadcast."),
        (market, {"laps": 0}, "Laps must be a whole number from 1 to 100 (it is 0)."),
        (market, {"minutes": -3}, "The broadcast minutes must be a number above 0 (it is -3)."),
        (market, {"minutes": 900}, "The broadcast minutes must be at most 600 (it is 900)."),
        (market, {"laps": 1, "alt_m": 0}, "The height must be a number above 0 (it is 0)."),
        (market, {"laps": 1, "alt_m": 25}, "25 m is below the 30 m minimum height over Xinzhuang market."),
        (market, {"laps": 1, "speed_mps": None}, "The speed must be between 0.5 and 40 m/s (it is None)."),
        (
            lambda: market(street=None),
            {"laps": 1},
            "Xinzhuang market has neither a street line nor an area; draw one of them first.",
        ),
        (market, {"laps": 1, "over": "area"}, "Xinzhuang market has no area; draw it or fly along its street."),
        (
            lambda: market(street=None, area=rotated_rectangle(100, 50, 0)),
            {"laps": 1, "over": "street"},
            "Xinzhuang market has no street line; draw it or sweep its area.",
        ),
        (
            lambda: market(street={"type": "LineString", "coordinates": [[118.17, 36.18], [36.181, 118.171]]}),
            {"laps": 1},
            "The street of Xinzhuang market, point 2: latitude 118.171 and longitude 36.181 look swapped.",
        ),
        (
            lambda: market(street={"type": "LineString", "coordinates": [[118.17, 36.18], [118.17001, 36.18]]}),
            {"laps": 1},
            "The street of Xinzhuang market is only 0.9 m long; draw at least 5 m.",
        ),
        (
            lambda: market(street=None, area=BOWTIE),
            {"laps": 1},
            "The area of Xinzhuang market is not a valid polygon: Self-intersection near {cross} (latitude, "
            "longitude). Redraw it so that its edges do not cross.",
        ),
        (
            lambda: market(street=None, area=rotated_rectangle(100, 50, 0)),
            {"laps": 1, "spacing_m": 0},
            "The spacing between passes must be a number above 0 (it is 0).",
        ),
        (market, {"laps": 1, "over": "sky"}, "Fly over 'street' or 'area', not 'sky'."),
    ],
    ids=[
        "laps-and-minutes", "neither", "laps-0", "minutes-negative", "minutes-too-many", "height-0", "below-minimum",
        "no-speed", "no-geometry", "no-area", "no-street", "swapped-street", "street-too-short", "self-intersecting",
        "spacing-0", "over",
    ],
)  # fmt: skip
def test_bad_market_input_is_refused_saying_what_and_where(make, options, message) -> None:
    cross = at(50, 100)
    error = raises(message.format(cross=f"{cross[0]:.6f}, {cross[1]:.6f}"), market_broadcast, make(), **options)
    assert error.field


# --- point broadcast -------------------------------------------------------------------------------------


def test_a_point_broadcast_hovers_at_each_point_with_the_speaker_on_and_leaves_silent() -> None:
    points = [at(100, 0), at(100, 100), at(0, 100)]
    generated = point_broadcast(points, alt_m=35, hold_s=45, start_at=LAUNCH)

    assert [(w.lat, w.lon, w.alt_m, w.hold_s, w.speaker) for w in generated.waypoints] == [
        row for lat, lon in points for row in ((lat, lon, 35, 45, True), (lat, lon, 35, 0, False))
    ]
    items = compiled(generated)
    per_point = [CMD_NAV_WAYPOINT, CMD_DO_SET_RELAY, CMD_NAV_LOITER_TIME, CMD_DO_SET_RELAY]
    assert [i.command for i in items] == [16, CMD_NAV_TAKEOFF, *per_point * 3, CMD_NAV_RETURN_TO_LAUNCH]
    assert [i.param1 for i in items if i.command == CMD_NAV_LOITER_TIME] == [45, 45, 45]
    assert item_count(generated.waypoints) == len(items) == 15
    assert generated.route_duration_s == pytest.approx(200 / 8 + 3 * (45 + 8 / ACCEL_MPS2), rel=0.01)


def test_one_point_is_enough_for_a_point_broadcast() -> None:
    generated = point_broadcast([at(50, 50)], hold_s=30)
    assert len(generated.waypoints) == 2 and len(compiled(generated)) == 7


@pytest.mark.parametrize(
    ("points", "options", "message"),
    [
        ([], {}, "Give at least one point to broadcast at."),
        ("36.18,118.17", {}, "Give at least one point to broadcast at."),
        ([at(0, 0), (118.2, 36.2)], {}, "Point 2: latitude 118.2 and longitude 36.2 look swapped."),
        ([(36.2, 18.2)], {}, "Point 1: (36.2, 18.2) is outside China."),
        (["abc"], {}, "Point 1 must be a (latitude, longitude) pair."),
        ([(36.2, None)], {}, "Point 1: latitude and longitude must be numbers."),
        ([at(0, 0)], {"hold_s": 0}, "The hold time must be a number above 0 (it is 0)."),
        ([at(0, 0)], {"hold_s": 4000}, "The hold time must be at most 3600 (it is 4000)."),
        ([at(0, 0)], {"alt_m": -5}, "The height must be a number above 0 (it is -5)."),
    ],
    ids=["empty", "string", "swapped", "outside-china", "malformed", "missing-lon", "hold-0", "hold-long", "height"],
)
def test_bad_point_broadcast_input_is_refused(points, options, message) -> None:
    raises(message, point_broadcast, points, **options)


# --- what every generator gives --------------------------------------------------------------------------


def every_generator() -> dict[str, GeneratedMission]:
    return {
        "patrol": school_patrol(school(L_SHAPE), laps=2, start_at=LAUNCH, speed_mps=7),
        "street": market_broadcast(market(), laps=3, start_at=LAUNCH),
        "area": market_broadcast(market(street=None, area=rotated_rectangle(300, 120, 30)), minutes=12),
        "points": point_broadcast([at(100, 0), at(0, 100)], start_at=LAUNCH),
    }


@pytest.mark.parametrize("name", ["patrol", "street", "area", "points"])
def test_generated_routes_compile_and_read_back_unchanged(name: str) -> None:
    generated = every_generator()[name]
    items = compiled(generated)
    result = decompile(items)
    assert result.route == generated.waypoints
    assert (result.takeoff_alt_m, result.speed_mps) == (generated.takeoff_alt_m, generated.speed_mps)
    assert item_count(generated.waypoints, speed_mps=generated.speed_mps) == len(items)


@pytest.mark.parametrize("name", ["patrol", "street", "area", "points"])
def test_the_operating_area_holds_the_route_and_launch_point_with_a_margin(name: str) -> None:
    generated = every_generator()[name]
    validate_polygon_geojson(generated.operating_area)  # what Mission.operating_area accepts
    area = polygon_xy(generated.operating_area)
    inside = route_xy(generated) + ([xy(*LAUNCH)] if generated.params.get("start_at") else [])
    for point in inside:
        assert area.exterior.distance(shp.Point(point)) >= 30 - 0.01 and area.contains(shp.Point(point))
    assert generated.flight_duration_s > generated.route_duration_s > 0
    assert generated.route_length_m > 0
    assert generated.route_json() == [w.as_dict() for w in generated.waypoints]
