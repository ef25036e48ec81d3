"""QGroundControl .plan and MAVLink waypoint text (QGC WPL 110): export, import, round trips, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from shapely import geometry as shp

from drones.missions.compile import compile_route
from drones.missions.frame import LocalFrame
from drones.missions.generators.market import market_broadcast
from drones.missions.generators.points import point_broadcast
from drones.missions.generators.school import school_patrol
from drones.missions.interop.mission_plan import (
    FenceCircle,
    FencePolygon,
    MissionPlan,
    fence_from_geojson,
    plan_from_mission,
)
from drones.missions.interop.qgc_read import plan_import
from drones.missions.interop.qgc_write import plan_dumps, plan_export
from drones.missions.interop.reading import PlanFileError
from drones.missions.interop.wpl import wpl_export, wpl_export_plan, wpl_import, wpl_parse
from drones.missions.route import Waypoint
from drones.missions.speaker import SpeakerConfig
from drones.models import Drone, Mission
from drones.models.airspace import Market
from tests.drones.test_mission_generators import L_SHAPE, LAUNCH, STREET, at, rotated_rectangle, school

FIXTURES = Path(__file__).parent / "fixtures"
HOME = (*LAUNCH, 301.5)
SERVO = SpeakerConfig(output="servo", servo=10, on_pwm=1950, off_pwm=1050)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def refused(message: str, fn, data, **kw) -> PlanFileError:
    with pytest.raises(PlanFileError) as info:
        fn(data, **kw)
    assert str(info.value) == message
    return info.value


def plans() -> dict[str, MissionPlan]:
    patrol = school_patrol(school(L_SHAPE), laps=2, start_at=LAUNCH, speed_mps=7)
    street = market_broadcast(Market(name="M", street=STREET, min_alt_m=30), laps=2, start_at=LAUNCH)
    area = market_broadcast(Market(name="M", area=rotated_rectangle(300, 120, 30), min_alt_m=30), laps=1)
    points = point_broadcast([at(100, 0), at(0, 100)], hold_s=45, start_at=LAUNCH)
    free = [Waypoint(*at(50, 0), 20, speed_mps=4), Waypoint(*at(50, 50), 25, hold_s=8), Waypoint(*at(0, 50), 30)]
    result = {
        name: MissionPlan(g.waypoints, g.takeoff_alt_m, g.speed_mps, HOME, fence_from_geojson(g.operating_area))
        for name, g in {"patrol": patrol, "street": street, "area": area, "points": points}.items()
    }
    result["free"] = MissionPlan(
        free,
        12.0,
        None,
        HOME,
        [FencePolygon(True, (at(-200, -200), at(-200, 200), at(200, 200), at(200, -200))),
         FencePolygon(False, (at(10, 10), at(10, 20), at(20, 20)))],
        [FenceCircle(False, *at(30, 30), 12.5)],
        [(*at(-20, -20), 30.0), (*at(20, -20), 25.0)],
    )  # fmt: skip
    return result


# --- .plan -----------------------------------------------------------------------------------------


def test_plan_export_writes_qgroundcontrols_format_for_an_ardupilot_multirotor() -> None:
    plan = plans()["points"]
    document = plan_export(plan)
    mission = document["mission"]

    assert (document["fileType"], document["version"], document["groundStation"]) == ("Plan", 1, "SchoolSafe")
    assert (mission["version"], mission["firmwareType"], mission["vehicleType"]) == (2, 3, 2)
    assert mission["plannedHomePosition"] == list(HOME)
    assert mission["hoverSpeed"] == mission["cruiseSpeed"] == 8.0
    items = compile_route(plan.route, launch=LAUNCH, takeoff_alt_m=plan.takeoff_alt_m, speed_mps=None)
    assert [(e["doJumpId"], e["command"], e["frame"]) for e in mission["items"]] == [
        (seq, i.command, i.frame) for seq, i in enumerate(items[1:], start=1)
    ]
    takeoff, first, relay, loiter = mission["items"][:4]
    assert takeoff["params"] == [0.0, 0.0, 0.0, 0.0, *LAUNCH, 40.0]  # launch position for QGC's map only
    assert first == {
        "autoContinue": True, "command": 16, "doJumpId": 2, "frame": 3,
        "params": [0.0, 0.0, 0.0, 0.0, plan.route[0].lat, plan.route[0].lon, 40.0], "type": "SimpleItem",
        "AMSLAltAboveTerrain": None, "Altitude": 40.0, "AltitudeMode": 1,
    }  # fmt: skip
    assert relay == {
        "autoContinue": True, "command": 181, "doJumpId": 3, "frame": 2,
        "params": [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], "type": "SimpleItem",
    }  # fmt: skip
    assert (loiter["command"], loiter["params"][0]) == (19, 45.0)
    assert document["geoFence"]["version"] == 2 and document["geoFence"]["polygons"][0]["inclusion"] is True
    assert document["rallyPoints"] == {"version": 2, "points": []}


@pytest.mark.parametrize("name", ["patrol", "street", "area", "points", "free"])
@pytest.mark.parametrize("speaker", [SpeakerConfig(), SERVO], ids=["relay", "servo"])
def test_plan_export_then_import_gives_back_the_same_plan(name: str, speaker: SpeakerConfig) -> None:
    plan = plans()[name]
    text = plan_dumps(plan, speaker=speaker)
    back = plan_import(text.encode(), speaker=speaker)
    assert back == plan
    assert back.notes == (FREE_PLAN_NOTES if name == "free" else [])
    assert back.items(speaker) == plan.items(speaker)


FREE_PLAN_NOTES = [
    "The geofence polygon 2 (exclusion) is kept as a no-fly area of the mission (as drawn): the checks and the "
    "uploaded fence keep the drone out of it.",
    "The geofence circle 1 (exclusion, radius 12.5 m) is kept as a no-fly area of the mission (a 16-sided polygon "
    "around the circle): the checks and the uploaded fence keep the drone out of it.",
]


def test_a_hand_written_plan_in_qgroundcontrols_style_imports() -> None:
    plan = plan_import(fixture("qgc_handwritten.plan"))

    assert plan.route == [
        Waypoint(36.1805, 118.1705, 35, speaker=True),
        Waypoint(36.1815, 118.1705, 35),
        Waypoint(36.1815, 118.1725, 35, hold_s=20),
        Waypoint(36.1815, 118.1725, 35, speaker=False),  # the relay off after the loiter: before leaving
        Waypoint(36.1805, 118.1725, 35),
    ]
    assert (plan.takeoff_alt_m, plan.speed_mps, plan.home) == (30, 6, (36.18, 118.17, 300.5))
    assert plan.fence_polygons == [
        FencePolygon(True, ((36.179, 118.168), (36.179, 118.174), (36.183, 118.174), (36.183, 118.168)))
    ]
    assert plan.fence_circles == [FenceCircle(False, 36.1812, 118.1712, 15)]
    assert plan.rally_points == [(36.1795, 118.1695, 25)]
    fields = plan.mission_fields()
    area = fields.pop("operating_area")
    assert fields == {
        "waypoints": [w.as_dict() for w in plan.route],
        "takeoff_alt_m": 30,
        "speed_mps": 6,
        "launch_lat": 36.18,
        "launch_lon": 118.17,
        "rally_points": [{"lat": 36.1795, "lon": 118.1695, "alt_m": 25}],
    }
    # The inclusion polygon as drawn, the exclusion circle a no-fly hole in it that covers the whole circle.
    outer, hole = area["coordinates"]
    assert sorted(map(tuple, outer[:-1])) == [
        (118.168, 36.179),
        (118.168, 36.183),
        (118.174, 36.179),
        (118.174, 36.183),
    ]
    assert_covers_circle(hole, FenceCircle(False, 36.1812, 118.1712, 15))
    assert plan.notes == [
        "The geofence circle 1 (exclusion, radius 15 m) is kept as a no-fly area of the mission (a 16-sided polygon "
        "around the circle): the checks and the uploaded fence keep the drone out of it."
    ]
    # and it exports and imports again unchanged
    assert plan_import(plan_dumps(plan)) == plan


def assert_covers_circle(ring: list, circle: FenceCircle) -> None:
    """``ring`` (GeoJSON lon, lat) holds every point of ``circle`` (within a centimetre)."""
    frame = LocalFrame(circle.lat, circle.lon)
    polygon = frame.to_local(shp.Polygon(ring))
    centre = shp.Point(frame.point_xy(circle.lat, circle.lon))
    assert polygon.contains(centre)
    assert polygon.exterior.distance(centre) >= circle.radius_m - 0.01


def test_an_uploaded_file_object_imports() -> None:
    upload = SimpleUploadedFile("patrol.plan", fixture("qgc_handwritten.plan"), content_type="application/json")
    assert len(plan_import(upload).route) == 5


def test_a_plan_with_a_survey_is_refused_naming_the_item() -> None:
    refused(
        "Mission item 3 is a QGroundControl survey (ComplexItem 'survey'). Complex items (surveys, corridor and "
        "structure scans, landing patterns) are not supported: remove it, or plan the same path with simple "
        "waypoints.",
        plan_import,
        fixture("qgc_survey.plan"),
    )


def test_a_fixed_wing_plan_is_refused_naming_the_vehicle_type() -> None:
    error = refused(
        "The plan's vehicle type (vehicleType) is FIXED_WING (1); only multirotor plans (quadrotor 2, hexarotor 13, "
        "octorotor 14...) can be imported.",
        plan_import,
        fixture("qgc_fixed_wing.plan"),
    )
    assert error.code == "vehicle_type"


def handwritten(**changes) -> dict:
    document = json.loads(fixture("qgc_handwritten.plan"))
    for path, value in changes.items():
        target = document
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is ...:
            del target[int(last) if isinstance(target, list) else last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return document


def as_bytes(document) -> bytes:
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'{"fileType": "Plan",\n "mission": {\n  "items": [1, 2,,]\n }\n}',
            "The file is not valid JSON: Expecting value at line 3, column 18.",
        ),
        (b"\xff\xfe{}", "The file is not UTF-8 text (undecodable byte at offset 0)."),
        (b"[1, 2]", "The file is JSON but not a QGroundControl plan (not an object)."),
        (
            as_bytes({"fileType": "GeoFence", "version": 1}),
            "The file is not a QGroundControl plan: fileType is 'GeoFence', expected 'Plan'.",
        ),
        (
            as_bytes(handwritten(version=2)),
            "The plan file has version 2; only version 1 (current QGroundControl) can be read. Open and save the plan "
            "in a current QGroundControl first.",
        ),
        (
            as_bytes(handwritten(mission__version=1)),
            "The plan's mission has version 1; only version 2 (current QGroundControl) can be read. Open and save the "
            "plan in a current QGroundControl first.",
        ),
        (as_bytes(handwritten(mission=...)), "The plan: 'mission' is missing or not an object."),
        (
            as_bytes(handwritten(mission__firmwareType=12)),
            "The plan's firmware (firmwareType) is PX4 (12); only ArduPilot (3) and generic (0) plans can be "
            "imported.",
        ),
        (
            as_bytes(handwritten(mission__vehicleType=10)),
            "The plan's vehicle type (vehicleType) is GROUND_ROVER (10); only multirotor plans (quadrotor 2, "
            "hexarotor 13, octorotor 14...) can be imported.",
        ),
        (as_bytes(handwritten(mission__items=[])), "The plan has no mission items."),
        (
            as_bytes(handwritten(mission__vehicleType=...)),
            "The plan's vehicle type (vehicleType) is (not given); only multirotor plans (quadrotor 2, hexarotor 13, "
            "octorotor 14...) can be imported.",
        ),
        (
            as_bytes(handwritten(mission__items__2__command=21)),
            "Mission item 3 is NAV_LAND (21), which this system cannot represent: routes here consist of a take-off, "
            "waypoints (with holds), timed loiters, speed changes, the loudspeaker switch and a return to launch. "
            "Hint: missions here end with a return to launch; replace the landing with a return.",
        ),
        (
            as_bytes(handwritten(mission__items__4__command=82)),
            "Mission item 5 is NAV_SPLINE_WAYPOINT (82), which this system cannot represent: routes here consist of a "
            "take-off, waypoints (with holds), timed loiters, speed changes, the loudspeaker switch and a return to "
            "launch. Hint: use ordinary waypoints.",
        ),
        (
            as_bytes(handwritten(mission__items__2__params=[0, 0, 0, None, 118.1705, 36.1805, 35])),
            "Mission item 3 (NAV_WAYPOINT (16)): latitude 118.1705 and longitude 36.1805 look swapped.",
        ),
        (
            as_bytes(handwritten(mission__items__2__params=[0, 0, 0, None, None, None, 35])),
            "Mission item 3 (NAV_WAYPOINT (16)) has no latitude/longitude.",
        ),
        (
            as_bytes(handwritten(mission__items__2__frame=0)),
            "Mission item 3 (NAV_WAYPOINT (16)) is at 35 m above sea level, -265.5 m above the home (300.5 m above "
            "sea level); heights must be above the launch point.",
        ),
        (
            as_bytes(handwritten(mission__items__2__params=[0, 0, 0])),
            "Mission item 3: 'params' must be a list of 7 numbers (or null).",
        ),
        (
            as_bytes(handwritten(mission__items__2__command="16")),
            "Mission item 3: 'command' and 'frame' must be whole numbers.",
        ),
        (
            as_bytes(handwritten(mission__items__2__type="Waypoint")),
            "Mission item 3 has type 'Waypoint'; expected 'SimpleItem'.",
        ),
        (
            as_bytes(handwritten(mission__items__3__params=[3, 1, 0, 0, 0, 0, 0])),
            "Mission item 4 (DO_SET_RELAY (181)) switches relay instance 3 (RELAY4), but the loudspeaker is on relay "
            "RELAY1 (DO_SET_RELAY 0).",
        ),
        (
            as_bytes(handwritten(mission__plannedHomePosition=[118.17, 36.18, 300])),
            "The planned home position: latitude 118.17 and longitude 36.18 look swapped.",
        ),
        (
            as_bytes(handwritten(geoFence__polygons__0__polygon=[[36.179, 118.168], [36.183, 118.174],
                                                                 [36.179, 118.174], [36.183, 118.168]])),
            "Geofence polygon 1 is not a valid polygon: Self-intersection near 36.181000, 118.171000 (latitude, "
            "longitude).",
        ),
        (
            as_bytes(handwritten(geoFence__polygons__0__polygon=[[36.179, 118.168], [36.183, 118.174]])),
            "Geofence polygon 1 has 2 vertices; a polygon needs at least 3.",
        ),
        (
            as_bytes(handwritten(geoFence__circles__0__circle={"center": [36.18, 118.17], "radius": 0})),
            "Geofence circle 1: the radius must be above 0 m.",
        ),
        (
            as_bytes(handwritten(rallyPoints__points=[[118.1695, 36.1795, 25]])),
            "Rally point 1: latitude 118.1695 and longitude 36.1795 look swapped.",
        ),
        (
            as_bytes(handwritten(mission__items=handwritten()["mission"]["items"][:3]
                                 + handwritten()["mission"]["items"][-1:])),
            "The plan cannot be flown as it is: route: the route has only one waypoint; a route needs at least two "
            "(to hover at one place, use a point broadcast or give the waypoint a hold time and a second waypoint).",
        ),
    ],
    ids=[
        "malformed-json", "not-utf8", "not-an-object", "other-file-type", "file-version", "mission-version",
        "no-mission", "px4", "rover", "no-items", "no-vehicle-type", "land", "spline", "swapped", "no-position",
        "frame-amsl-below-home", "short-params", "command-text", "item-type", "other-relay", "swapped-home",
        "fence-self-intersecting", "fence-two-vertices", "fence-circle-radius", "swapped-rally", "one-waypoint",
    ],
)  # fmt: skip
def test_bad_plan_files_are_refused_saying_what_and_where(data: bytes, message: str) -> None:
    refused(message, plan_import, data)


def test_a_plan_file_over_the_upload_limit_is_refused(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    data = fixture("qgc_handwritten.plan")
    error = refused(f"The file is {len(data) / 1024:.1f}\xa0KB; files up to 1.0\xa0KB are accepted.", plan_import, data)
    assert error.code == "too_large"
    upload = SimpleUploadedFile("big.plan", data)
    refused(f"The file is {len(data) / 1024:.1f}\xa0KB; files up to 1.0\xa0KB are accepted.", plan_import, upload)
    assert len(plan_import(data, max_bytes=len(data)).route) == 5


def test_an_imported_plan_without_takeoff_or_return_says_so() -> None:
    document = handwritten()
    document["mission"]["items"] = document["mission"]["items"][1:-1]
    plan = plan_import(as_bytes(document))
    assert plan.takeoff_alt_m == 35
    assert plan.notes[:2] == [
        "The mission had no take-off item; take-off to the first waypoint's height (35 m).",
        "The mission did not end with a return to launch; one is added.",
    ]


@pytest.mark.django_db
def test_a_stored_mission_exports_with_its_launch_fence_and_rally_points() -> None:
    drone = Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:5790", home_lat=36.17, home_lon=118.16, home_alt_msl_m=290
    )
    generated = point_broadcast([at(100, 0), at(0, 100)], hold_s=45, start_at=LAUNCH)
    mission = Mission.objects.create(
        name="Anti-fraud", kind=Mission.Kind.POINT_BROADCAST, drone=drone, waypoints=generated.route_json(),
        launch_lat=LAUNCH[0], launch_lon=LAUNCH[1], takeoff_alt_m=40, speed_mps=6,
        operating_area=generated.operating_area, rally_points=[{"lat": 36.18, "lon": 118.17, "alt_m": 30}],
    )  # fmt: skip
    plan = plan_from_mission(mission)
    assert (plan.home, plan.takeoff_alt_m, plan.speed_mps) == ((*LAUNCH, 290), 40, 6)
    assert plan.route == generated.waypoints
    assert plan.operating_area()["coordinates"][0][:-1] == generated.operating_area["coordinates"][0][:-1]
    assert plan.rally_points == [(36.18, 118.17, 30.0)]
    assert plan_import(plan_dumps(plan)) == plan

    mission.launch_lat = mission.launch_lon = None
    assert plan_from_mission(mission).home == (36.17, 118.16, 290)


# --- WPL -------------------------------------------------------------------------------------------


def test_wpl_export_writes_one_tab_separated_line_per_item_with_home_first() -> None:
    plan = plans()["points"]
    text = wpl_export_plan(plan)
    lines = text.splitlines()
    items = plan.items()

    assert lines[0] == "QGC WPL 110" and len(lines) == len(items) + 1
    assert lines[1] == f"0\t1\t0\t16\t0\t0\t0\t0\t{LAUNCH[0]!r}\t{LAUNCH[1]!r}\t301.5\t1"
    assert lines[2] == "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t40\t1"
    assert lines[3] == f"2\t0\t3\t16\t0\t0\t0\t0\t{plan.route[0].lat!r}\t{plan.route[0].lon!r}\t40\t1"
    assert lines[4] == "3\t0\t2\t181\t0\t1\t0\t0\t0\t0\t0\t1"
    assert all(len(line.split("\t")) == 12 for line in lines[1:])
    assert wpl_parse(wpl_export(items))[0] == items


@pytest.mark.parametrize("name", ["patrol", "street", "area", "points", "free"])
def test_wpl_export_then_import_gives_back_the_route(name: str) -> None:
    plan = plans()[name]
    back = wpl_import(wpl_export_plan(plan, speaker=SERVO), speaker=SERVO)
    assert (back.route, back.takeoff_alt_m, back.speed_mps, back.home) == (
        plan.route, plan.takeoff_alt_m, plan.speed_mps, plan.home
    )  # fmt: skip
    assert back.fence_polygons == [] and back.rally_points == []  # WPL carries only the mission


def test_a_mission_planner_waypoint_file_imports() -> None:
    plan = wpl_import(fixture("mission_planner.waypoints"))
    assert plan.route == [Waypoint(36.1855, 118.17, 20), Waypoint(36.1855, 118.1706, 25, hold_s=5)]
    assert (plan.takeoff_alt_m, plan.speed_mps, plan.home, plan.notes) == (20, None, (36.185, 118.17, 300), [])


GOOD_WPL = fixture("mission_planner.waypoints").decode()


def wpl_with(line_index: int, replacement: str) -> str:
    lines = GOOD_WPL.splitlines()
    lines[line_index] = replacement
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("QGC WPL 110\n", "The file has a header but no mission items."),
        (
            wpl_with(0, "QGC WPL 100"),
            "Line 1: expected the header 'QGC WPL 110', found 'QGC WPL 100'.",
        ),
        (
            wpl_with(0, '{"fileType": "Plan"}'),
            "Line 1: expected the header 'QGC WPL 110', found '{\"fileType\": \"Plan\"}'.",
        ),
        (
            wpl_with(3, "2\t0\t3\t16\t0\t0\t0\t0\t36.1855\t118.17\t20"),
            "Line 4 has 11 columns; expected 12 (index, current, frame, command, param1, param2, param3, param4, "
            "latitude, longitude, altitude, autocontinue), separated by tabs.",
        ),
        (
            wpl_with(3, "2\t0\t3\t16\t0\t0\t0\t0\tnorth\t118.17\t20\t1"),
            "Line 4, column latitude: 'north' is not a number.",
        ),
        (
            wpl_with(3, "2\t0\t3\t16.5\t0\t0\t0\t0\t36.1855\t118.17\t20\t1"),
            "Line 4, column command: 16.5 is not a whole number.",
        ),
        (
            wpl_with(3, "7\t0\t3\t16\t0\t0\t0\t0\t36.1855\t118.17\t20\t1"),
            "Line 4 has item index 7; expected 2 (items must be numbered 0, 1, 2... in order).",
        ),
        (
            wpl_with(3, "2\t0\t3\t16\t0\t0\t0\t0\t118.17\t36.1855\t20\t1"),
            "Line 4: Mission item 2 (NAV_WAYPOINT (16)): latitude 118.17 and longitude 36.1855 look swapped.",
        ),
        (
            wpl_with(4, "3\t0\t3\t18\t2\t0\t10\t0\t36.1855\t118.1706\t25\t1"),
            "Line 5: Mission item 3 is NAV_LOITER_TURNS (18), which this system cannot represent: routes here consist "
            "of a take-off, waypoints (with holds), timed loiters, speed changes, the loudspeaker switch and a return "
            "to launch. Hint: use waypoints around the point, or a hold time.",
        ),
        (
            wpl_with(1, "0\t1\t0\t16\t0\t0\t0\t0\t118.17\t36.185\t300\t1"),
            "Line 2 (home): latitude 118.17 and longitude 36.185 look swapped.",
        ),
    ],
    ids=[
        "empty", "header-only", "bad-header", "a-plan-file", "columns", "not-a-number", "fractional-command",
        "index", "swapped", "loiter-turns", "swapped-home",
    ],
)  # fmt: skip
def test_bad_waypoint_files_are_refused_naming_the_line(text: str, message: str) -> None:
    error = refused(message, wpl_import, text.encode())
    if message.startswith("Line "):
        assert error.line == int(message.split()[1].rstrip(":,"))


def test_a_waypoint_file_with_spaces_instead_of_tabs_still_imports() -> None:
    spaced = GOOD_WPL.replace("\t", "  ")
    assert wpl_import(spaced).route == wpl_import(GOOD_WPL).route


def test_a_waypoint_file_over_the_upload_limit_is_refused() -> None:
    refused("The file is 2.0\xa0KB; files up to 1.0\xa0KB are accepted.", wpl_import, b"x" * 2048, max_bytes=1024)
