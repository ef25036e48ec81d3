"""The mission checks: every violation with its place and limit, limits just kept, the estimate, the fence."""

from __future__ import annotations

import json
import math

import pytest
import shapely
from shapely import geometry as shp

from drones.missions.checks.estimate import estimate_item_count
from drones.missions.checks.limits import Limits
from drones.missions.checks.results import Code, MissionInvalid
from drones.missions.checks.run import check_route
from drones.missions.checks.zones import AirspaceIndex
from drones.missions.fence import (
    FENCE_MAX_ITEMS,
    FENCE_POLYGON_VERTEX_EXCLUSION,
    FENCE_POLYGON_VERTEX_INCLUSION,
    RALLY_POINT,
    FenceError,
    fence_items,
    fence_plan,
    rally_items,
)
from drones.missions.frame import LocalFrame
from drones.missions.route import RouteError, Waypoint, parse_route
from tests.drones.airspace_helpers import LAUNCH, at, distance_m, polygon_m, square_m, wp, zone

LIMITS = Limits()  # the defaults: 120 m, 500 m, 25 % reserve


def check(route, **kwargs):
    options = {
        "launch": LAUNCH,
        "takeoff_alt_m": 20.0,
        "speed_mps": 5.0,
        "drone_endurance_min": 30,
        "limits": LIMITS,
    }
    options.update(kwargs)
    return check_route(route, **options)


def only(result, code):
    found = [v for v in result.violations if v.code == code]
    assert len(found) == 1, [v.message for v in result.violations]
    return found[0]


SQUARE_ROUTE = [wp(0, 100), wp(100, 100), wp(100, 0)]


def test_a_route_within_every_limit_passes():
    result = check(SQUARE_ROUTE)
    assert result.ok, [v.message for v in result.violations]
    assert result.area_is_default and result.operating_area["type"] == "Polygon"
    assert result.estimate.route_length_m == pytest.approx(200, abs=0.5)


# --- heights --------------------------------------------------------------------------------------


def test_rejects_waypoint_above_120m_naming_the_waypoint_and_the_limit():
    result = check([wp(0, 100, 30), wp(50, 100, 121)])
    v = only(result, Code.CEILING)
    assert v.message == "Waypoint 2 is 121 m high, above the 120 m ceiling."
    assert (v.waypoint, v.limit, v.value) == (1, 120.0, 121.0)
    assert v.geometry["type"] == "Point"
    assert v.geometry["coordinates"] == pytest.approx([at(50, 100)[1], at(50, 100)[0]])


def test_accepts_a_waypoint_exactly_at_the_ceiling():
    assert check([wp(0, 100, 30), wp(50, 100, 120)]).ok


def test_rejects_take_off_height_above_the_ceiling():
    v = only(check(SQUARE_ROUTE, takeoff_alt_m=130), Code.CEILING)
    assert v.waypoint is None and "take-off height is 130 m" in v.message


def test_ceiling_comes_from_the_setting(settings):
    settings.DRONE_MAX_HEIGHT_M = 100.0
    result = check_route(
        [wp(0, 100, 30), wp(50, 100, 110)], launch=LAUNCH, takeoff_alt_m=20, speed_mps=5, drone_endurance_min=30
    )
    assert only(result, Code.CEILING).limit == 100.0


# --- no-fly zones: segments, not only waypoints ---------------------------------------------------------


def test_segment_crossing_a_no_fly_zone_with_both_ends_outside_is_caught():
    # The zone lies between waypoints 1 and 2, 200 m apart; neither waypoint is in it.
    zones = [zone("县看守所", "no_fly", square_m(0, 200, 20))]
    result = check([wp(-100, 200), wp(100, 200), wp(100, 300)], airspaces=zones)
    v = only(result, Code.NO_FLY)
    assert v.message == "Segment 1→2 crosses no-fly zone “县看守所” for 40 m."
    assert (v.segment, v.waypoint, v.zone) == ((0, 1), None, "县看守所")
    assert v.value == pytest.approx(40, abs=0.1)
    assert v.geometry["type"] == "LineString"
    line = shp.shape(v.geometry)
    assert shapely.intersects(line, shp.shape(zones[0].geometry).buffer(1e-7))


def test_waypoint_inside_a_no_fly_zone_is_reported_once():
    zones = [zone("NF", "no_fly", square_m(0, 200, 30))]
    result = check([wp(-100, 200), wp(0, 200), wp(100, 200)], airspaces=zones)
    v = only(result, Code.NO_FLY)
    assert v.message == "Waypoint 2 is inside no-fly zone “NF”."
    assert v.waypoint == 1 and v.segment is None


def test_route_passing_just_beside_a_zone_passes():
    zones = [zone("NF", "no_fly", square_m(0, 200, 20))]
    assert check([wp(-100, 225), wp(100, 225)], airspaces=zones).ok


def test_the_leg_from_launch_and_the_return_leg_are_checked_too():
    # One zone between the launch point and waypoint 1, one on the way back from the last waypoint.
    zones = [zone("A", "no_fly", square_m(0, 50, 10)), zone("B", "no_fly", square_m(50, 50, 10))]
    result = check([wp(0, 100), wp(100, 100)], airspaces=zones)
    messages = sorted(v.message for v in result.violations)
    assert messages == [
        "Segment 2→launch crosses no-fly zone “B” for 28 m.",
        "Segment launch→1 crosses no-fly zone “A” for 20 m.",
    ]
    assert {v.segment for v in result.violations} == {(None, 0), (1, None)}


def test_airport_clearance_area_is_no_fly():
    zones = [zone("机场", "airport", square_m(0, 200, 20))]
    v = only(check([wp(-100, 200), wp(100, 200)], airspaces=zones), Code.AIRPORT)
    assert "airport clearance area “机场”" in v.message


def test_restricted_zone_needs_an_approval_reference():
    zones = [zone("水库", "restricted", square_m(0, 200, 20))]
    route = [wp(-100, 200), wp(100, 200)]
    v = only(check(route, airspaces=zones), Code.RESTRICTED)
    assert v.message.endswith("Flying there needs a flight approval reference.")
    approved = check(route, airspaces=zones, approval_ref="SD-2026-118")
    assert approved.ok
    assert [n.code for n in approved.notices] == [Code.RESTRICTED_APPROVED]
    assert "SD-2026-118" in approved.notices[0].message
    # With an approval the zone is not fenced off; without one it is.
    assert len(approved.exclusions) == 0 and len(check(route, airspaces=zones).exclusions) == 1


def test_self_intersecting_stored_zone_still_keeps_the_drone_out():
    bowtie = polygon_m([(-20, 180), (20, 220), (20, 180), (-20, 220)])
    result = check([wp(-100, 200), wp(100, 200)], airspaces=[zone("bowtie", "no_fly", bowtie)])
    assert only(result, Code.NO_FLY).segment == (0, 1)


# --- line of sight, operating area ----------------------------------------------------------------


def test_line_of_sight_limit_and_just_inside():
    v = only(check([wp(0, 100), wp(0, 501)], drone_endurance_min=60), Code.LINE_OF_SIGHT)
    assert v.message == "Waypoint 2 is 501 m from the launch point; the limit is 500 m (line of sight)."
    assert v.limit == 500 and v.value == pytest.approx(501, abs=0.1)
    assert check([wp(0, 100), wp(0, 499)], drone_endurance_min=60).ok


def test_line_of_sight_limit_comes_from_the_setting(settings):
    settings.DRONE_MAX_DISTANCE_M = 300
    result = check_route([wp(0, 100), wp(0, 350)], launch=LAUNCH, takeoff_alt_m=20, speed_mps=5, drone_endurance_min=60)
    assert only(result, Code.LINE_OF_SIGHT).limit == 300


def test_waypoint_outside_the_operating_area():
    area = square_m(0, 100, 100)
    v = only(check([wp(0, 100), wp(0, 230)], operating_area=area), Code.OUTSIDE_AREA)
    assert v.message == "Waypoint 2 is 30 m outside the operating area."
    assert v.waypoint == 1 and v.value == pytest.approx(30, abs=0.5)


def test_segment_leaving_a_concave_area_with_both_ends_inside():
    # An L-shaped area: the straight leg between its two arms cuts across the missing corner.
    area = polygon_m([(-50, -50), (250, -50), (250, 50), (50, 50), (50, 250), (-50, 250)])
    v = only(check([wp(200, 0), wp(0, 200)], operating_area=area), Code.OUTSIDE_AREA)
    assert v.segment == (0, 1) and v.message.startswith("Segment 1→2 leaves the operating area for ")
    assert v.geometry["type"] == "LineString"


def test_launch_point_outside_the_operating_area():
    area = square_m(0, 200, 50)
    result = check([wp(0, 180), wp(0, 220)], operating_area=area)
    launch = [v for v in result.violations if v.code == Code.OUTSIDE_AREA and v.segment is None and v.waypoint is None]
    assert launch and "launch point is outside the operating area" in launch[0].message


def test_waypoint_closer_than_the_fence_margin_to_the_area_edge():
    area = square_m(0, 100, 100)
    v = only(check([wp(0, 100), wp(0, 199)], operating_area=area), Code.NEAR_AREA_EDGE)
    assert v.waypoint == 1 and v.limit == 2.0 and v.value == pytest.approx(1.0, abs=0.05)


def test_default_operating_area_is_the_route_hull_with_a_50m_margin():
    result = check(SQUARE_ROUTE)
    frame = LocalFrame(*LAUNCH)
    area = frame.to_local(shp.shape(result.operating_area))
    hull = frame.to_local(shp.MultiPoint([(LAUNCH[1], LAUNCH[0])] + [(w.lon, w.lat) for w in SQUARE_ROUTE])).convex_hull
    assert area.covers(hull.buffer(49))
    assert not area.covers(hull.buffer(51))


def test_self_intersecting_operating_area_is_reported_and_the_default_used():
    bowtie = polygon_m([(-100, 0), (100, 200), (100, 0), (-100, 200)])
    result = check(SQUARE_ROUTE, operating_area=bowtie)
    v = only(result, Code.INVALID_AREA)
    assert "Self-intersection" in v.message and result.area_is_default


# --- crowds ---------------------------------------------------------------------------------------------


CROWD = (square_m(0, 200, 30), 40.0, "青石岭大集")


def test_segment_over_a_crowd_below_its_minimum_height():
    # Climbing from 20 m to 60 m across the market: it enters at 34 m.
    result = check([wp(-100, 200, 20), wp(100, 200, 60)], crowds=[CROWD])
    v = only(result, Code.CROWD_TOO_LOW)
    assert v.message == "Segment 1→2 passes over crowd area “青石岭大集” as low as 34 m; fly at least 40 m there."
    assert (v.segment, v.limit, v.value) == ((0, 1), 40.0, 34.0)
    assert v.geometry["type"] == "LineString"


def test_crowd_at_exactly_the_minimum_height_passes():
    assert check([wp(-100, 200, 40), wp(100, 200, 40)], crowds=[CROWD]).ok


def test_low_waypoint_over_a_crowd_is_reported_at_the_waypoint_only():
    result = check([wp(-100, 200, 30), wp(0, 200, 30), wp(100, 200, 30)], crowds=[CROWD])
    v = only(result, Code.CROWD_TOO_LOW)
    assert v.waypoint == 1 and v.message.startswith("Waypoint 2 is 30 m over crowd area")


def test_launch_inside_a_crowd_is_refused():
    crowd = (square_m(0, 0, 30), 30.0, "广场")
    v = only(check([wp(0, 100, 50), wp(50, 100, 50)], crowds=[crowd]), Code.CROWD_TOO_LOW)
    assert v.message.startswith("The launch point is inside crowd area “广场”")


def test_crowd_zones_among_the_airspaces_count_and_duplicates_are_dropped():
    crowd_zone = zone("青石岭大集", "crowd", CROWD[0], min_alt_m=40.0)
    result = check([wp(-100, 200, 20), wp(100, 200, 60)], airspaces=[crowd_zone], crowds=[CROWD])
    assert result.codes() == [Code.CROWD_TOO_LOW]


# --- battery and time -----------------------------------------------------------------------------------


def test_endurance_estimate_matches_the_hand_computed_numbers():
    # drones.missions.flighttime's model (jerk 1 m/s³, accel 2.5 m/s², vertical accel 1 m/s²):
    # take-off 20 m: 0.5 s + 3.5 s ramp up + 4.5 s at 2.5 m/s + 3.5 s ramp down = 12.0 s.
    # Launch -> 1 and 1 -> 2: 100 m at 5 m/s each, 20 s of cruise, but 5 m/s takes a 4.47 s ramp (11.2 m)
    # at each end: 24.47 s each; the right-angle corner at 1 overlaps half a ramp (2.24 s); the climb of
    # 30 m (15.5 s) fits within the leg. Hold 30 s. Return: 1.5 s + 141.42 m at 5 m/s (32.76 s);
    # hover 5 + 1 s, descend 40 m at 1.5 m/s (26.67 s), 10 m at 0.5 m/s (20 s), 1.3 s settling,
    # 2.1 s to disarm. Total 179.0 s.
    result = check([wp(0, 100, 20), wp(100, 100, 50, hold_s=30)], drone_endurance_min=10)
    e = result.estimate
    assert e.flight_time_s == pytest.approx(179.0, abs=0.2)
    assert e.breakdown == pytest.approx(
        {
            "takeoff_s": 12.0,
            "cruise_s": 40.0,
            "manoeuvre_s": 6.7,
            "climb_s": 0.0,
            "descent_s": 0.0,
            "hold_s": 30.0,
            "return_s": 34.3,
            "landing_s": 56.1,
        },
        abs=0.15,
    )
    assert (e.route_length_m, e.total_distance_m) == (pytest.approx(100, abs=0.2), pytest.approx(341.4, abs=0.3))
    assert (e.climb_m, e.descent_m, e.hold_s) == (50.0, 50.0, 30.0)
    assert e.endurance_used_pct == pytest.approx(29.8, abs=0.1)
    assert e.reserve_left_pct == pytest.approx(70.2, abs=0.1)


def test_route_beyond_battery_is_refused_and_just_inside_passes():
    route = [wp(0, 100, 20), wp(100, 100, 50, hold_s=30)]
    # 179.0 s of 4.0 min leaves 25.4 %; of 3.9 min only 23.5 %.
    assert check(route, drone_endurance_min=4.0).ok
    v = only(check(route, drone_endurance_min=3.9), Code.ENDURANCE)
    assert v.limit == 25.0 and v.value == pytest.approx(23.5, abs=0.1)
    assert "less than the 25% reserve" in v.message and "2 min 59 s" in v.message


def test_reserve_comes_from_the_setting(settings):
    settings.DRONE_BATTERY_RESERVE_PCT = 40
    route = [wp(0, 100, 20), wp(100, 100, 50, hold_s=30)]
    result = check_route(route, launch=LAUNCH, takeoff_alt_m=20, speed_mps=5, drone_endurance_min=4)
    assert only(result, Code.ENDURANCE).limit == 40


def test_speed_changes_and_loudspeaker_time():
    # Speaker on at 1 (hold 10 s), speed 10 m/s from 2, speaker off at 3: the hold (10 s), 1 -> 2 at 5 m/s
    # (24.47 s from rest) and 2 -> 3 at 10 m/s (16.5 s from rest), less the straight-on corner at 2 that
    # overlaps the 4.47 s ramp (half to each leg): 10 + 22.24 + 14.26 = 46.5 s of broadcast.
    route = [wp(0, 100, 30, hold_s=10, speaker=True), wp(0, 200, 30, speed_mps=10), wp(0, 300, 30, speaker=False)]
    e = check(route).estimate
    assert e.broadcast_s == pytest.approx(46.5, abs=0.2)
    # Launch -> 1 and 1 -> 2 at 5 m/s (20 + 20 s), 2 -> 3 at 10 m/s (10 s); return 1.5 s + 300 m at
    # 10 m/s from rest to rest (36.5 s).
    assert e.breakdown["cruise_s"] == pytest.approx(50, abs=0.2)
    assert e.breakdown["return_s"] == pytest.approx(38, abs=0.2)


# --- bad routes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [[], [wp(0, 100)]], ids=["empty", "one point"])
def test_empty_and_one_point_routes_are_refused(route):
    result = check(route)
    v = only(result, Code.TOO_FEW_POINTS)
    assert v.message == f"The route has {len(route)} waypoint(s); it needs at least 2."


def test_more_items_than_arducopter_stores_are_refused():
    v = only(check(SQUARE_ROUTE, item_count=651), Code.TOO_MANY_ITEMS)
    assert v.message == "The mission has 651 items; ArduCopter stores at most 650."
    assert check(SQUARE_ROUTE, item_count=650).ok
    # Without the compiled count it is estimated generously: home, take-off, the items of each waypoint, RTL.
    busy = [wp(0, 10 + i * 0.5, 30, hold_s=5, speaker=i % 2 == 0) for i in range(216)]
    assert estimate_item_count(busy) == 4 + 216 * 3
    assert Code.TOO_MANY_ITEMS in check(busy, drone_endurance_min=600).codes()


def test_swapped_launch_point_is_reported():
    result = check(SQUARE_ROUTE, launch=(118.17, 36.185))
    assert result.codes() == [Code.BAD_LAUNCH] and "look swapped" in result.violations[0].message


def test_swapped_coordinates_in_a_route_are_refused_by_parse_route():
    with pytest.raises(RouteError) as raised:
        parse_route([{"lat": 36.18, "lon": 118.17, "alt_m": 30}, {"lat": 118.17, "lon": 36.18, "alt_m": 30}])
    assert raised.value.problems == [
        {"waypoint": 1, "field": "lat", "message": "latitude 118.17 and longitude 36.18 look swapped"}
    ]


def test_a_rejected_result_raises_mission_invalid_with_every_violation():
    result = check([wp(0, 100, 130), wp(0, 600, 30)], drone_endurance_min=60)
    with pytest.raises(MissionInvalid) as raised:
        result.raise_if_rejected()
    assert [d["code"] for d in raised.value.details] == [Code.CEILING, Code.LINE_OF_SIGHT]
    assert raised.value.http_status == 400


def test_result_is_json_and_draws_on_the_map():
    zones = [zone("NF", "no_fly", square_m(0, 200, 20))]
    result = check([wp(-100, 200), wp(100, 200)], airspaces=zones)
    data = json.loads(json.dumps(result.as_dict()))
    assert data["ok"] is False and data["violations"][0]["segment"] == [0, 1]
    features = result.geojson()["features"]
    roles = [f["properties"]["role"] for f in features]
    assert roles == ["operating_area", "exclusion", "violation"]
    assert features[-1]["properties"]["message"].startswith("Segment 1→2 crosses")


def test_a_prebuilt_index_gives_the_same_result():
    zones = [zone("NF", "no_fly", square_m(0, 200, 20)), zone("far", "no_fly", square_m(5000, 5000, 100))]
    route = [wp(-100, 200), wp(100, 200)]
    index = AirspaceIndex(zones)
    assert len(index) == 2
    assert (
        check(route, airspaces=index).as_dict()["violations"] == check(route, airspaces=zones).as_dict()["violations"]
    )


def test_zones_in_every_geojson_shape_are_used():
    # A 3-D ring, a polygon with a hole, a multipolygon and a broken geometry, next to plain polygons.
    three_d = square_m(0, 200, 20)
    three_d = {"type": "Polygon", "coordinates": [[[x, y, 0.0] for x, y in three_d["coordinates"][0]]]}
    holed = square_m(0, 400, 30)
    holed["coordinates"].append(square_m(0, 400, 10)["coordinates"][0])
    multi = {"type": "MultiPolygon", "coordinates": [square_m(200, 100, 10)["coordinates"]]}
    zones = [
        zone("3d", "no_fly", three_d),
        zone("holed", "no_fly", holed),
        zone("multi", "no_fly", multi),
        zone("broken", "no_fly", {"type": "Polygon", "coordinates": [[[118.1, 36.1]]]}),
        zone("plain", "no_fly", square_m(-200, 100, 10)),
    ]
    index = AirspaceIndex(zones)
    assert [r.name for r in index.refs] == ["3d", "holed", "multi", "plain"]
    route = [wp(-300, 100), wp(-100, 100), wp(-100, 200), wp(100, 200), wp(100, 400), wp(-100, 400), wp(100, 100)]
    route.append(wp(300, 100))
    crossed = {v.zone for v in check(route, airspaces=index).violations}
    assert crossed == {"3d", "holed", "multi", "plain"}


def test_benchmark_sized_check_runs():
    from benchmarks.mission_checks import make_route, make_zones

    route = make_route(200)
    for layout in ("county", "dense"):
        result = check_route(
            route,
            launch=(36.185, 118.17),
            takeoff_alt_m=20,
            speed_mps=8,
            drone_endurance_min=40,
            airspaces=make_zones(1000, layout),
            limits=LIMITS,
        )
        assert result.estimate.route_length_m > 0
        assert all(v.code == Code.NO_FLY for v in result.violations)
        assert (layout == "dense") == bool(result.violations)


# --- fence and rally ------------------------------------------------------------------------------------


def test_fence_items_for_a_square_area_with_one_exclusion():
    area = square_m(0, 0, 150)
    items = fence_items(area, [square_m(50, 50, 20)])
    assert [i.command for i in items] == [FENCE_POLYGON_VERTEX_INCLUSION] * 4 + [FENCE_POLYGON_VERTEX_EXCLUSION] * 4
    assert {i.param1 for i in items} == {4.0}
    assert {(i.frame, i.z) for i in items} == {(0, 0.0)}
    # x = latitude, y = longitude; the ring is not closed.
    corners = {(round(lon, 7), round(lat, 7)) for lon, lat in area["coordinates"][0]}
    assert {(round(i.y, 7), round(i.x, 7)) for i in items[:4]} == corners


def test_check_clips_exclusions_to_the_operating_area():
    # A large zone overlapping the corner of the area: only the part near the area is fenced.
    area = square_m(0, 100, 100)
    zones = [zone("big", "no_fly", square_m(500, 500, 420)), zone("far", "no_fly", square_m(2000, 0, 50))]
    result = check([wp(-50, 50), wp(-50, 150)], operating_area=area, airspaces=zones)
    assert result.ok and len(result.exclusions) == 1
    frame = LocalFrame(*LAUNCH)
    clipped = frame.to_local(shp.shape(result.exclusions[0]))
    x0, y0 = (float(v) for v in frame.xy(*LAUNCH))
    # Cut at the area's edge (100 m east, 200 m north) plus the 20 m clipping margin.
    assert clipped.bounds[2] - x0 < 125 and clipped.bounds[3] - y0 < 225
    items = result.fence_items()
    assert [i.command for i in items].count(FENCE_POLYGON_VERTEX_EXCLUSION) == len(
        result.exclusions[0]["coordinates"][0]
    ) - 1


def test_fence_with_too_many_vertices_is_simplified_safely():
    frame = LocalFrame(*LAUNCH)
    x, y = (float(v) for v in frame.xy(*LAUNCH))
    circle = shp.Point(x, y).buffer(300, quad_segs=64)  # 256 vertices
    no_fly = shp.Point(x + 100, y).buffer(30, quad_segs=16)
    area, zone_shape = frame.to_wgs84(circle), frame.to_wgs84(no_fly)
    plan = fence_plan(area, [zone_shape])
    items = plan.items()
    assert len(items) <= FENCE_MAX_ITEMS and plan.simplified_m > 0
    assert area.buffer(1e-9).covers(plan.inclusion)  # the inclusion only shrinks
    assert plan.exclusions[0].buffer(1e-9).covers(zone_shape)  # exclusions only grow
    assert frame.to_local(plan.inclusion).area > 0.95 * circle.area


def test_fence_refuses_an_area_in_two_parts_and_too_many_zones():
    two = {
        "type": "MultiPolygon",
        "coordinates": [square_m(0, 0, 50)["coordinates"], square_m(500, 0, 50)["coordinates"]],
    }
    with pytest.raises(FenceError) as raised:
        fence_items(two)
    assert raised.value.code == "area_not_single"
    many = [square_m(-270 + 20 * i, 0, 5) for i in range(40)]
    with pytest.raises(FenceError) as raised:
        fence_items(square_m(0, 0, 300), many)
    assert raised.value.code == "fence_too_large"


def test_rally_items():
    items = rally_items([{"lat": 36.186, "lon": 118.169, "alt_m": 30}, (36.184, 118.171, 25)])
    assert [(i.command, i.frame, i.x, i.y, i.z) for i in items] == [
        (RALLY_POINT, 3, 36.186, 118.169, 30.0),
        (RALLY_POINT, 3, 36.184, 118.171, 25.0),
    ]
    with pytest.raises(FenceError) as raised:
        rally_items([{"lat": 118.17, "lon": 36.18, "alt_m": 30}])
    assert "Rally point 1" in raised.value.message and "swapped" in raised.value.message


def test_distances_in_the_helpers_are_metres():
    assert distance_m(at(0, 0), at(300, 400)) == pytest.approx(500, abs=0.01)
    assert math.isclose(Waypoint(*at(0, 0), 10).alt_m, 10)


# --- a stored mission, against the airspace and markets in the database ---------------------------------


@pytest.fixture
def mission(db):
    from drones.models import Drone, Mission

    drone = Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:5760", home_lat=LAUNCH[0], home_lon=LAUNCH[1]
    )
    route = [w.as_dict() for w in (wp(-100, 200, 30), wp(100, 200, 30), wp(100, 300, 30))]
    return Mission.objects.create(name="M", drone=drone, waypoints=route, takeoff_alt_m=20)


def test_check_mission_uses_the_zones_in_force_and_the_markets_in_session(mission):
    import datetime as dt

    from drones.missions.checks.run import check_mission
    from drones.missions.markets import CHINA_TZ
    from drones.models import Airspace, Market

    market_day = dt.datetime(2026, 11, 9, 8, 0, tzinfo=CHINA_TZ)  # lunar 10/1, a 逢一六 market day
    Airspace.objects.create(
        name="考点", kind="no_fly", geometry=square_m(0, 200, 20), valid_from=market_day + dt.timedelta(days=1)
    )
    Market.objects.create(
        name="大集",
        kind="rural",
        lunar_days=[1, 6, 11, 16, 21, 26],
        street={
            "type": "LineString",
            "coordinates": [[at(100, 240)[1], at(100, 240)[0]], [at(100, 260)[1], at(100, 260)[0]]],
        },
        min_alt_m=40,
    )
    on_market_day = check_mission(mission, at=market_day)
    # The zone is not in force yet; the market is, under the leg 2→3 and under the return leg.
    assert on_market_day.codes() == [Code.CROWD_TOO_LOW, Code.CROWD_TOO_LOW]
    assert [v.segment for v in on_market_day.violations] == [(1, 2), (2, None)]
    assert "crowd area “大集” as low as 30 m" in on_market_day.violations[0].message
    next_day = check_mission(mission, at=market_day + dt.timedelta(days=1, hours=4))
    assert next_day.codes() == [Code.NO_FLY]  # the market is over, the temporary zone in force


def test_check_mission_reports_an_unparseable_route(mission):
    from drones.missions.checks.run import check_mission

    mission.waypoints = [{"lat": 36.18, "lon": 118.17, "alt_m": 30}, {"lat": 118.17, "lon": 36.18, "alt_m": 30}]
    result = check_mission(mission)
    assert result.codes() == [Code.INVALID_ROUTE]
    assert result.violations[0].waypoint == 1 and "look swapped" in result.violations[0].message
