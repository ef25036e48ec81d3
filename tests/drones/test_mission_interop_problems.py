"""Mission files as QGroundControl and Mission Planner write them (issue 16): heights above sea level
converted with the home altitude, every problem of a file listed at once, geofence exclusions kept as the
mission's no-fly areas, and exports carrying the fence and rally points a flight uploads."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient
from shapely import geometry as shp

from common.models import AuditLogEntry
from common.roles import Role
from drones.missions.fence import FENCE_POLYGON_VERTEX_EXCLUSION, FENCE_POLYGON_VERTEX_INCLUSION
from drones.missions.frame import LocalFrame
from drones.missions.interop import FenceCircle, FencePolygon, MissionPlan, PlanFileError, plan_import, wpl_import
from drones.missions.planning import mission_fence
from drones.missions.route import Waypoint
from drones.missions.services import mission_import, mission_save
from drones.models import Drone, Mission
from tests.factories import make_user

FIXTURES = Path(__file__).parent / "fixtures"
HOME = (36.18, 118.17)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def document(name: str) -> dict:
    return json.loads(fixture(name))


def as_bytes(value) -> bytes:
    return json.dumps(value).encode()


def problems_of(fn, data) -> PlanFileError:
    with pytest.raises(PlanFileError) as info:
        fn(data)
    return info.value


def where(error: PlanFileError) -> list[tuple]:
    return [(p.item, p.command, p.field, p.code) for p in error.problems]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    frame = LocalFrame(*a)
    ax, ay = frame.point_xy(*a)
    bx, by = frame.point_xy(*b)
    return math.hypot(bx - ax, by - ay)


def covers_circle(ring: list, lat: float, lon: float, radius_m: float) -> bool:
    """``ring`` (GeoJSON lon, lat) holds every point of the circle (within a centimetre)."""
    frame = LocalFrame(lat, lon)
    polygon = frame.to_local(shp.Polygon(ring))
    centre = shp.Point(frame.point_xy(lat, lon))
    return polygon.contains(centre) and polygon.exterior.distance(centre) >= radius_m - 0.01


# --- heights above sea level -------------------------------------------------------------------------


def test_heights_above_sea_level_are_converted_with_the_plans_home_altitude() -> None:
    plan = plan_import(fixture("qgc_amsl_heights.plan"))

    assert plan.home == (36.18, 118.17, 300)
    assert plan.takeoff_alt_m == 30
    assert [(w.lat, w.lon, w.alt_m, w.hold_s) for w in plan.route] == [
        (36.1812, 118.1702, 35, 0),
        (36.1818, 118.1712, 40.5, 15),
        (36.1818, 118.1712, 40.5, 0),  # the loudspeaker off after the hold
        (36.1806, 118.1716, 35, 0),
    ]
    assert plan.notes == ["4 waypoints converted from height above sea level with home at 300 m."]
    assert all(item.frame in (2, 3) for item in plan.items()[1:])  # uploaded as heights above home


def test_mission_planner_absolute_heights_convert_with_the_home_line_altitude() -> None:
    plan = wpl_import(fixture("mission_planner_absolute.waypoints"))

    assert plan.home == (36.18, 118.17, 300.5)
    assert plan.takeoff_alt_m == 30
    assert [(w.alt_m, w.hold_s) for w in plan.route] == [(35, 0), (40, 10), (35, 0)]
    assert plan.notes == ["4 waypoints converted from height above sea level with home at 300.5 m."]


def test_heights_above_sea_level_without_a_home_altitude_are_refused_item_by_item() -> None:
    plan = document("qgc_amsl_heights.plan")
    del plan["mission"]["plannedHomePosition"]

    error = problems_of(plan_import, as_bytes(plan))

    assert where(error) == [
        (1, "NAV_TAKEOFF (22)", "frame", "frame"),
        (2, "NAV_WAYPOINT (16)", "frame", "frame"),
        (4, "NAV_LOITER_TIME (19)", "frame", "frame"),
        (6, "NAV_WAYPOINT (16)", "frame", "frame"),
    ]
    assert error.problems[1].message == (
        "Mission item 2 (NAV_WAYPOINT (16)) gives its height above mean sea level (frame 0), and the plan has no home "
        "altitude to convert it with. Set the planned home position, or use 'Relative' heights (frame 3)."
    )
    assert str(error).startswith("The file has 4 problems; nothing was imported. Mission item 1 (NAV_TAKEOFF (22))")


def test_a_height_above_sea_level_below_home_is_refused_saying_how_far() -> None:
    plan = document("qgc_amsl_heights.plan")
    plan["mission"]["items"][3]["params"][6] = 290

    error = problems_of(plan_import, as_bytes(plan))

    assert where(error) == [(4, "NAV_LOITER_TIME (19)", "altitude", "altitude")]
    assert str(error) == (
        "Mission item 4 (NAV_LOITER_TIME (19)) is at 290 m above sea level, -10 m above the home (300 m above sea "
        "level); heights must be above the launch point."
    )


@pytest.mark.parametrize("frame", [10, 11])
def test_heights_above_terrain_are_refused_with_the_reason(frame: int) -> None:
    plan = document("qgc_handwritten.plan")
    plan["mission"]["items"][2]["frame"] = frame

    error = problems_of(plan_import, as_bytes(plan))

    name = {10: "GLOBAL_TERRAIN_ALT", 11: "GLOBAL_TERRAIN_ALT_INT"}[frame]
    assert str(error) == (
        f"Mission item 3 (NAV_WAYPOINT (16)) uses frame {name} (height above terrain): heights above terrain follow "
        "the ground, and this system plans heights above the launch point without terrain data. Set the item's "
        "altitude to 'Relative' (frame 3) in QGroundControl or Mission Planner."
    )


# --- every problem at once ---------------------------------------------------------------------------


def test_qgroundcontrols_copter_test_plan_is_refused_listing_every_item_it_cannot_carry() -> None:
    """Modelled on QGroundControl's own ArduCopter test plan: every altitude mode and some commands a
    route here cannot represent. The AMSL waypoint (item 4) converts; the rest are listed in order."""
    error = problems_of(plan_import, fixture("qgc_copter_every_frame.plan"))

    assert where(error) == [
        (5, "DO_SET_ROI (201)", "command", "unsupported_command"),
        (6, "NAV_WAYPOINT (16)", "altitude", "altitude"),
        (8, "NAV_WAYPOINT (16)", "frame", "frame"),
        (9, "NAV_SPLINE_WAYPOINT (82)", "command", "unsupported_command"),
        (11, "NAV_LAND (21)", "command", "unsupported_command"),
    ]
    assert error.messages()[1] == (
        "Mission item 6 (NAV_WAYPOINT (16)) has no height (QGroundControl leaves it empty when it is to be calculated "
        "from terrain data, which this system does not have). Give the height 'Relative' (frame 3)."
    )
    assert error.messages()[4].startswith("Mission item 11 is NAV_LAND (21), which this system cannot represent")
    assert str(error).startswith("The file has 5 problems; nothing was imported. Mission item 5 is DO_SET_ROI (201)")


def test_problems_of_items_fence_and_rally_points_are_listed_together_in_file_order() -> None:
    plan = document("qgc_handwritten.plan")
    plan["mission"]["vehicleType"] = 1
    plan["mission"]["items"][2]["params"][4:6] = [118.1705, 36.1805]  # swapped
    plan["mission"]["items"][4]["command"] = "16"
    plan["mission"]["items"][5]["params"] = [20, 0, 0, 1, 36.1815, 118.1725]  # six params
    plan["geoFence"]["circles"][0]["circle"]["radius"] = -3
    plan["rallyPoints"]["points"] = [[36.1795, 118.1695, "high"]]

    error = problems_of(plan_import, as_bytes(plan))

    assert error.messages() == [
        "The plan's vehicle type (vehicleType) is FIXED_WING (1); only multirotor plans (quadrotor 2, hexarotor 13, "
        "octorotor 14...) can be imported.",
        "Mission item 3 (NAV_WAYPOINT (16)): latitude 118.1705 and longitude 36.1805 look swapped.",
        "Mission item 5: 'command' and 'frame' must be whole numbers.",
        "Mission item 6: 'params' must be a list of 7 numbers (or null).",
        "Geofence circle 1: the radius must be above 0 m.",
        "Rally point 1: the altitude must be a number.",
    ]
    assert [(p.item, p.field) for p in error.problems] == [
        (None, "mission.vehicleType"),
        (3, "latitude/longitude"),
        (5, "command/frame"),
        (6, "params"),
        (None, "geoFence.circles[0]"),
        (None, "rallyPoints.points[0]"),
    ]


def test_a_waypoint_file_lists_every_bad_line_in_order() -> None:
    lines = [
        "QGC WPL 110",
        "0\t1\t0\t16\t0\t0\t0\t0\t36.185\t118.17\t300\t1",
        "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t20\t1",
        "2\t0\t3\t16\t0\t0\t0\t0\tnorth\t118.17\t20\t1",
        "3\t0\t3\t16\t5\t0\t0\t0\t36.1855\t118.1706",
        "4\t0\t3\t20\t0\t0\t0\t0\t0\t0\t0\t1",
        "5\t0\t3\t21\t0\t0\t0\t0\t36.185\t118.17\t0\t1",
    ]

    error = problems_of(wpl_import, ("\n".join(lines) + "\n").encode())

    assert error.messages() == [
        "Line 4, column latitude: 'north' is not a number.",
        "Line 5 has 10 columns; expected 12 (index, current, frame, command, param1, param2, param3, param4, latitude, "
        "longitude, altitude, autocontinue), separated by tabs.",
        "Line 7: Mission item 5 (NAV_LAND (21)) comes after the return to launch (item 4) and would never be flown.",
    ]
    assert [p.line for p in error.problems] == [4, 5, 7]


def test_a_file_with_very_many_problems_lists_the_first_hundred_and_how_many_more() -> None:
    plan = document("qgc_handwritten.plan")
    bad = {"type": "SimpleItem", "command": 21, "frame": 3, "params": [0, 0, 0, 0, 36.181, 118.171, 0]}
    plan["mission"]["items"][3:3] = [bad] * 130

    error = problems_of(plan_import, as_bytes(plan))

    assert len(error.problems) == 101
    assert [p.item for p in error.problems[:100]] == list(range(4, 104))
    assert error.problems[-1].message == "Only the first 100 problems are listed."
    assert str(error).startswith("The file has more than 100 problems; nothing was imported. Mission item 4 is")


# --- bad input of every kind: a message, never a crash ----------------------------------------------------


def handwritten(change) -> bytes:
    plan = document("qgc_handwritten.plan")
    change(plan)
    return json.dumps(plan).encode()


def _set(path: str, value):
    def change(plan):
        target = plan
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is ...:
            del target[int(last) if isinstance(target, list) else last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


BAD_PLANS = {
    "nan-latitude": (
        handwritten(_set("mission.items.2.params.4", math.nan)),
        ["Mission item 3 (NAV_WAYPOINT (16)) has no latitude/longitude."],
    ),
    "infinite-height": (
        handwritten(_set("mission.items.2.params.6", math.inf)),
        [
            "Mission item 3 (NAV_WAYPOINT (16)) is at height inf m; it must be above 0 m (ArduCopter reads 0 as 'stay "
            "at the current height')."
        ],
    ),
    "text-latitude": (
        handwritten(_set("mission.items.2.params.4", "36.1805")),
        ["Mission item 3: 'params' must be a list of 7 numbers (or null)."],
    ),
    "no-params": (
        handwritten(_set("mission.items.2.params", ...)),
        ["Mission item 3: 'params' must be a list of 7 numbers (or null)."],
    ),
    "no-command": (
        handwritten(_set("mission.items.2.command", ...)),
        ["Mission item 3: 'command' and 'frame' must be whole numbers."],
    ),
    "item-not-an-object": (handwritten(_set("mission.items.2", 16)), ["Mission item 3 is not an object."]),
    "items-not-a-list": (
        handwritten(_set("mission.items", {"0": 1})),
        ["The plan's mission: 'items' is missing or not a list."],
    ),
    "home-altitude-text": (
        handwritten(_set("mission.plannedHomePosition", [36.18, 118.17, "300 m"])),
        ["The planned home position: the altitude must be a number (metres above sea level)."],
    ),
    "home-not-a-list": (
        handwritten(_set("mission.plannedHomePosition", "36.18,118.17")),
        ["plannedHomePosition must be [latitude, longitude, altitude]."],
    ),
    "fence-vertex-nan": (
        handwritten(_set("geoFence.polygons.0.polygon.1", [math.nan, 118.174])),
        ["Geofence polygon 1, vertex 2: latitude and longitude must be numbers."],
    ),
    "fence-inclusion-text": (
        handwritten(_set("geoFence.polygons.0.inclusion", "yes")),
        ["Geofence polygon 1: 'inclusion' must be true or false, not 'yes'."],
    ),
    "fence-radius-text": (
        handwritten(_set("geoFence.circles.0.circle.radius", "15")),
        ["Geofence circle 1: the radius must be above 0 m."],
    ),
    "fence-no-circle": (
        handwritten(_set("geoFence.circles.0.circle", ...)),
        ["Geofence circle 1 has no 'circle' object."],
    ),
    "fence-polygons-not-a-list": (
        handwritten(_set("geoFence.polygons", {})),
        ["geoFence 'polygons' is not a list."],
    ),
    "rally-not-a-list": (
        handwritten(_set("rallyPoints.points.0", 36.1795)),
        ["Rally point 1 must be [latitude, longitude]."],
    ),
    "rally-altitude-nan": (
        handwritten(_set("rallyPoints.points.0", [36.1795, 118.1695, math.nan])),
        ["Rally point 1: the altitude must be a number."],
    ),
    "no-file-type": (
        handwritten(_set("fileType", ...)),
        ["The file is not a QGroundControl plan: fileType is None, expected 'Plan'."],
    ),
    "nested-too-deeply": (b"[" * 100_000 + b"]" * 100_000, None),
    "truncated": (fixture("qgc_handwritten.plan")[:200], None),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_PLANS))
def test_bad_plan_input_is_refused_with_a_message_not_a_crash(name: str) -> None:
    data, messages = BAD_PLANS[name]
    error = problems_of(plan_import, data)
    if messages is None:
        assert str(error).startswith("The file is not valid JSON:")
    else:
        assert error.messages() == messages


# --- geofence shapes: kept as the mission's own no-fly areas ----------------------------------------------


def test_exclusion_polygons_and_circles_become_no_fly_holes_in_the_operating_area() -> None:
    plan = plan_import(fixture("qgc_no_fly_areas.plan"))
    area = plan.operating_area()

    outer, *holes = area["coordinates"]
    assert sorted(map(tuple, outer[:-1])) == [
        (118.1675, 36.1785), (118.1675, 36.1835), (118.1735, 36.1785), (118.1735, 36.1835)
    ]  # fmt: skip
    yard = next(h for h in holes if len(h) == 5)
    assert sorted(map(tuple, yard[:-1])) == [
        (118.1712, 36.1805), (118.1712, 36.1813), (118.1722, 36.1805), (118.1722, 36.1813)
    ]  # fmt: skip
    crane = next(h for h in holes if len(h) == 17)
    assert covers_circle(crane, 36.1826, 118.1715, 25)
    assert plan.notes == [
        "The geofence polygon 2 (exclusion) is kept as a no-fly area of the mission (as drawn): the checks and the "
        "uploaded fence keep the drone out of it.",
        "The geofence circle 1 (exclusion, radius 25 m) is kept as a no-fly area of the mission (a 16-sided polygon "
        "around the circle): the checks and the uploaded fence keep the drone out of it.",
    ]
    assert plan.rally_points == [(36.1795, 118.1695, 25), (36.1828, 118.1682, 30)]


def test_an_inclusion_circle_becomes_an_operating_area_inside_the_circle() -> None:
    plan = plan_import(fixture("qgc_inclusion_circle.plan"))
    [ring] = plan.operating_area()["coordinates"]

    assert len(ring) == 17
    assert all(distance_m(HOME, (lat, lon)) <= 400.01 for lon, lat in ring)
    assert plan.notes == [
        "The geofence circle 1 (inclusion, radius 400 m) is kept as a 16-sided polygon inside the circle."
    ]


def _plan(polygons=(), circles=()) -> MissionPlan:
    route = [Waypoint(36.181, 118.17, 35), Waypoint(36.182, 118.17, 35), Waypoint(36.182, 118.169, 35)]
    return MissionPlan(route, 30, None, (*HOME, 300), list(polygons), list(circles))


SQUARE = FencePolygon(True, ((36.1785, 118.1675), (36.1785, 118.1735), (36.1835, 118.1735), (36.1835, 118.1675)))


def test_two_inclusion_shapes_give_the_area_where_they_overlap() -> None:
    plan = _plan([SQUARE], [FenceCircle(True, *HOME, 150)])
    [ring] = plan.operating_area()["coordinates"]
    assert all(distance_m(HOME, (lat, lon)) <= 150.01 for lon, lat in ring)
    assert plan.area_notes()[0] == (
        "The operating area is where geofence polygon 1 (inclusion), geofence circle 1 (inclusion, radius 150 m) "
        "overlap (the drone must stay inside every inclusion fence)."
    )


def test_inclusion_shapes_that_do_not_overlap_are_refused_naming_them() -> None:
    plan = _plan([SQUARE], [FenceCircle(True, 36.19, 118.17, 100)])
    with pytest.raises(PlanFileError) as info:
        plan.operating_area()
    assert str(info.value) == (
        "The geofence's inclusion shapes (geofence polygon 1 (inclusion), geofence circle 1 (inclusion, radius 100 m)) "
        "do not overlap in one area; ArduPilot keeps the drone inside every one of them, so there is nowhere to fly. "
        "Keep one inclusion shape."
    )


def test_an_exclusion_that_cuts_the_area_in_two_is_refused_naming_it() -> None:
    band = FencePolygon(False, ((36.1805, 118.1660), (36.1805, 118.1750), (36.1808, 118.1750), (36.1808, 118.1660)))
    with pytest.raises(PlanFileError) as info:
        _plan([SQUARE, band]).operating_area()
    assert str(info.value) == (
        "The geofence polygon 2 (exclusion) cuts the operating area into 2 separate parts; the autopilot's inclusion "
        "fence must be one polygon. Make it smaller, or draw the operating area around one side only."
    )


def test_an_exclusion_covering_the_whole_area_is_refused() -> None:
    everything = FencePolygon(False, ((36.17, 118.16), (36.17, 118.18), (36.19, 118.18), (36.19, 118.16)))
    with pytest.raises(PlanFileError, match="covers the whole operating area"):
        _plan([SQUARE, everything]).operating_area()


def test_an_exclusion_outside_the_area_is_reported_not_dropped_silently() -> None:
    far = FenceCircle(False, 36.19, 118.19, 20)
    plan = _plan([SQUARE], [far])
    assert len(plan.operating_area()["coordinates"]) == 1
    assert plan.area_notes() == [
        "The geofence circle 1 (exclusion, radius 20 m) lies outside the operating area; the drone is kept out of it "
        "there already."
    ]


def test_exclusions_without_an_inclusion_fence_are_cut_from_the_default_area() -> None:
    crane = FenceCircle(False, 36.1815, 118.1695, 20)
    plan = _plan([], [crane])
    outer, hole = plan.operating_area()["coordinates"]
    assert covers_circle(hole, 36.1815, 118.1695, 20)
    assert shp.Polygon(outer).contains(shp.Point(HOME[1], HOME[0]))
    assert plan.area_notes()[0] == (
        "The plan has no inclusion fence: the operating area is the default one around the route, with the geofence "
        "exclusions cut out of it."
    )


def test_a_plan_refused_for_its_fence_lists_the_fence_with_the_other_problems() -> None:
    plan = document("qgc_no_fly_areas.plan")
    plan["geoFence"]["polygons"][1]["polygon"] = [[36.17, 118.16], [36.17, 118.18], [36.19, 118.18], [36.19, 118.16]]
    plan["mission"]["items"][2]["command"] = 21
    error = problems_of(plan_import, as_bytes(plan))
    assert [(p.item, p.code) for p in error.problems] == [(3, "unsupported_command"), (None, "fence")]
    assert error.messages()[1] == (
        "The geofence polygon 2 (exclusion) covers the whole operating area; there is nowhere left to fly."
    )


# --- stored missions: the checks, the flight fence, the exports, the API and the page ------------------------


@pytest.fixture
def drone(db):
    return Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:9", home_lat=HOME[0], home_lon=HOME[1], home_alt_msl_m=300
    )


@pytest.fixture
def planner(db):
    return make_user(Role.DRONE_OPERATOR, username="planner")


@pytest.fixture
def api(planner) -> APIClient:
    client = APIClient()
    client.force_authenticate(planner)
    return client


def _fence_shapes(items) -> list[tuple[int, int]]:
    """(command, vertex count) of each fence polygon in upload order."""
    shapes, index = [], 0
    while index < len(items):
        count = int(items[index].param1)
        shapes.append((items[index].command, count))
        index += count
    return shapes


@pytest.mark.django_db
def test_an_imported_plans_no_fly_areas_are_checked_and_uploaded_as_exclusions(drone, planner) -> None:
    mission, result = mission_import(
        drone=drone, actor=planner, filename="patrol.plan", content=fixture("qgc_no_fly_areas.plan")
    )
    assert result.ok, result.violations
    assert len(mission.operating_area["coordinates"]) == 3
    assert mission.params["notes"][0].startswith("The geofence polygon 2 (exclusion) is kept as a no-fly area")
    fence, rally = mission_fence(mission)
    assert sorted(_fence_shapes(fence)) == [
        (FENCE_POLYGON_VERTEX_INCLUSION, 4),
        (FENCE_POLYGON_VERTEX_EXCLUSION, 4),
        (FENCE_POLYGON_VERTEX_EXCLUSION, 16),
    ]
    assert [(r.x, r.y, r.z) for r in rally] == [(36.1795, 118.1695, 25), (36.1828, 118.1682, 30)]

    # A waypoint moved into the school yard: the checks refuse it.
    mission.waypoints[1] = {"lat": 36.1809, "lon": 118.1717, "alt_m": 35}
    result = mission_save(mission=mission, actor=planner)
    assert not result.ok
    [inside] = [v for v in result.violations if v.waypoint == 1]
    assert (inside.code, inside.message) == (
        "outside_area",
        "Waypoint 2 is in a no-fly area of the mission, 44 m from its edge.",
    )


@pytest.mark.django_db
def test_a_free_mission_exports_the_fence_and_rally_points_its_flight_uploads(drone, planner, api) -> None:
    mission = Mission(
        name="Free", kind=Mission.Kind.FREE, drone=drone, takeoff_alt_m=30, launch_lat=HOME[0], launch_lon=HOME[1],
        waypoints=[{"lat": 36.181, "lon": 118.17, "alt_m": 35}, {"lat": 36.182, "lon": 118.171, "alt_m": 35}],
        rally_points=[{"lat": 36.1805, "lon": 118.1695, "alt_m": 20}],
    )  # fmt: skip
    assert mission_save(mission=mission, actor=planner).ok
    fence, _rally = mission_fence(mission)

    response = api.get(reverse("drones_api:mission-export", args=[mission.pk]), {"type": "plan"})

    assert response.status_code == 200
    exported = json.loads(response.content)
    [polygon] = exported["geoFence"]["polygons"]
    assert polygon["inclusion"] is True
    assert polygon["polygon"] == [[item.x, item.y] for item in fence]  # vertex for vertex what is uploaded
    assert exported["rallyPoints"]["points"] == [[36.1805, 118.1695, 20]]
    assert exported["mission"]["plannedHomePosition"] == [*HOME, 300]


@pytest.mark.django_db
def test_the_exported_waypoint_file_has_the_home_altitude_in_its_home_line(drone, planner, api) -> None:
    mission, _result = mission_import(
        drone=drone, actor=planner, filename="patrol.plan", content=fixture("qgc_no_fly_areas.plan")
    )
    response = api.get(reverse("drones_api:mission-export", args=[mission.pk]), {"type": "waypoints"})

    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "QGC WPL 110"
    assert lines[1].split("\t") == ["0", "1", "0", "16", "0", "0", "0", "0", "36.18", "118.17", "300", "1"]


@pytest.mark.django_db
def test_an_exported_plan_imports_again_with_the_same_no_fly_areas(drone, planner, api) -> None:
    mission, _result = mission_import(
        drone=drone, actor=planner, filename="patrol.plan", content=fixture("qgc_no_fly_areas.plan")
    )
    exported = api.get(reverse("drones_api:mission-export", args=[mission.pk]), {"type": "plan"}).content
    again, result = mission_import(drone=drone, actor=planner, filename="again.plan", content=exported)

    assert result.ok
    first, second = shp.shape(mission.operating_area), shp.shape(again.operating_area)
    assert first.symmetric_difference(second).area < 1e-12
    assert again.rally_points == mission.rally_points


@pytest.mark.django_db
def test_the_api_refuses_a_bad_file_with_every_problem_and_writes_nothing(drone, api) -> None:
    upload = SimpleUploadedFile("copter.plan", fixture("qgc_copter_every_frame.plan"))
    response = api.post(
        reverse("drones_api:mission-import-file"),
        {"drone": drone.pk, "file": upload},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("The file has 5 problems; nothing was imported.")
    assert [(e["item"], e["command"], e["field"]) for e in body["errors"]] == [
        (5, "DO_SET_ROI (201)", "command"),
        (6, "NAV_WAYPOINT (16)", "altitude"),
        (8, "NAV_WAYPOINT (16)", "frame"),
        (9, "NAV_SPLINE_WAYPOINT (82)", "command"),
        (11, "NAV_LAND (21)", "command"),
    ]
    assert not Mission.objects.exists()
    [entry] = AuditLogEntry.objects.filter(action="mission.import_refused")
    assert entry.after["filename"] == "copter.plan" and entry.after["problems"] == 5


@pytest.mark.django_db
def test_the_api_imports_heights_above_sea_level_and_says_so(drone, api) -> None:
    upload = SimpleUploadedFile("amsl.plan", fixture("qgc_amsl_heights.plan"))
    response = api.post(
        reverse("drones_api:mission-import-file"),
        {"drone": drone.pk, "file": upload},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["params"]["notes"] == [
        "4 waypoints converted from height above sea level with home at 300 m."
    ]


@pytest.fixture
def page(client, planner):
    client.force_login(planner)
    return client


def _post_file(page, drone, name: str, content: bytes, language: str):
    upload = SimpleUploadedFile(name, content)
    return page.post("/drones/missions/", {"drone": drone.pk, "file": upload}, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.django_db
def test_the_import_page_lists_every_problem_in_english(page, drone) -> None:
    response = _post_file(page, drone, "copter.plan", fixture("qgc_copter_every_frame.plan"), "en")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-problems"' in html and "The file was not imported: 5 problems." in html
    assert html.count("<li>Mission item ") == 5
    assert "Mission item 8 (NAV_WAYPOINT (16)) uses frame GLOBAL_TERRAIN_ALT" in html
    assert "<code>frame</code>" in html
    assert not Mission.objects.exists()


@pytest.mark.django_db
def test_the_import_page_lists_every_problem_in_chinese(page, drone) -> None:
    response = _post_file(page, drone, "copter.plan", fixture("qgc_copter_every_frame.plan"), "zh-hans")

    html = response.content.decode()
    assert "文件未导入：共 5 个问题。" in html
    assert "任务指令 6（NAV_WAYPOINT (16)）没有高度" in html
    assert "任务指令 8（NAV_WAYPOINT (16)）使用坐标系 GLOBAL_TERRAIN_ALT" in html
    assert not Mission.objects.exists()


@pytest.mark.parametrize("name", ["nan-latitude", "text-latitude", "no-params", "home-altitude-text", "truncated"])
@pytest.mark.django_db
def test_the_import_page_shows_the_message_of_bad_input_and_writes_nothing(page, drone, name) -> None:
    data, messages = BAD_PLANS[name]
    response = _post_file(page, drone, "bad.plan", data, "en")

    assert response.status_code == 200
    html = response.content.decode()
    expected = messages[0] if messages else "The file is not valid JSON:"
    assert expected.replace("'", "&#x27;") in html
    assert not Mission.objects.exists()


@pytest.mark.django_db
def test_the_import_page_lists_every_bad_line_of_a_waypoint_file(page, drone) -> None:
    text = (
        "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.18\t118.17\t300\t1\n1\t0\t3\t16\tx\t0\n"
        "2\t0\t3\t18\t0\t0\t0\t0\t36.181\t118.17\t20\t1\n"
    )
    response = _post_file(page, drone, "m.waypoints", text.encode(), "en")

    html = response.content.decode()
    assert "The file was not imported: 2 problems." in html
    assert "Line 3 has 6 columns" in html and "Line 4: Mission item 2 is NAV_LOITER_TURNS (18)" in html
    assert not Mission.objects.exists()


@pytest.mark.django_db
def test_the_import_page_says_what_it_converted(page, drone) -> None:
    response = _post_file(page, drone, "amsl.plan", fixture("qgc_amsl_heights.plan"), "en")
    mission = Mission.objects.get()
    assert response.status_code == 302 and response.url == f"/drones/missions/{mission.pk}/"

    html = page.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 waypoints converted from height above sea level with home at 300 m." in html


@pytest.mark.django_db
def test_the_import_page_says_what_it_converted_in_chinese(page, drone) -> None:
    response = _post_file(page, drone, "amsl.plan", fixture("qgc_amsl_heights.plan"), "zh-hans")
    html = page.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已按起飞点海拔 300 米将 4 个航点的高度由海拔高度换算为相对高度。" in html
