"""Routes to MAVLink mission items and back; the items checked against the simulated ArduCopter.

The unit tests pin the item layout ArduCopter 4.7 needs (README §2 04: item 0 home, DO
items run when the NAV item before them completes, NAV_LOITER_TIME, DO_SET_RELAY on
RELAY1). The flight tests upload every mission type to the simulator, download it
back, and fly a market broadcast watching the relay switch at the right waypoints.
"""

from __future__ import annotations

import math

import pytest

from drones.links import open_vehicle
from drones.missions.compile import compile_route, item_count, route_uses_speaker
from drones.missions.decompile import decompile, decompile_items
from drones.missions.generators.market import market_broadcast
from drones.missions.generators.points import point_broadcast
from drones.missions.generators.school import school_patrol
from drones.missions.items import (
    CMD_DO_CHANGE_SPEED,
    CMD_DO_SET_RELAY,
    CMD_DO_SET_SERVO,
    CMD_NAV_LOITER_TIME,
    CMD_NAV_RETURN_TO_LAUNCH,
    CMD_NAV_TAKEOFF,
    CMD_NAV_WAYPOINT,
    MAX_MISSION_ITEMS,
    DecompileError,
)
from drones.missions.route import RouteError, Waypoint
from drones.missions.speaker import SpeakerConfig
from drones.models.airspace import Market
from drones.vehicle import MissionItem
from simulators.arducopter.physics import offset_to_latlon
from simulators.arducopter.vehicle import DEFAULT_HOME
from tests.sim import SPEEDUP, sim_fleet
from tests.waiting import wait_until_async

LAUNCH = (36.185, 118.17)
RELAY, SERVO = SpeakerConfig(), SpeakerConfig(output="servo", servo=10, on_pwm=1950, off_pwm=1050)


def wp(north_m: float, east_m: float, alt_m: float = 20.0, **kw) -> Waypoint:
    lat, lon = offset_to_latlon(*LAUNCH, north_m, east_m)
    return Waypoint(round(lat, 8), round(lon, 8), alt_m, **kw)


def commands(items: list[MissionItem]) -> list[int]:
    return [i.command for i in items]


def compile_(route, **kw) -> list[MissionItem]:
    options = {"launch": LAUNCH, "takeoff_alt_m": 15.0, "speed_mps": None} | kw
    return compile_route(route, **options)


# --- layout --------------------------------------------------------------------------------------


def test_a_plain_route_is_home_takeoff_speed_waypoints_and_return() -> None:
    route = [wp(50, 0), wp(50, 50, 25)]
    items = compile_(route, speed_mps=6.0)

    assert commands(items) == [16, CMD_NAV_TAKEOFF, CMD_DO_CHANGE_SPEED, 16, 16, CMD_NAV_RETURN_TO_LAUNCH]
    home, takeoff, speed, first, second, rtl = items
    assert (home.frame, home.x, home.y, home.z) == (0, *LAUNCH, 0.0)  # placeholder; ArduCopter keeps its home
    assert (takeoff.frame, takeoff.x, takeoff.y, takeoff.z) == (3, 0.0, 0.0, 15.0)
    assert (speed.frame, speed.param1, speed.param2, speed.param3) == (2, 1.0, 6.0, -1.0)
    assert (first.frame, first.x, first.y, first.z, first.param1) == (3, route[0].lat, route[0].lon, 20.0, 0.0)
    assert (second.z, rtl.frame) == (25.0, 2)
    assert all(i.autocontinue == 1 and i.current == 0 for i in items)


def test_no_speed_item_without_a_speed_and_no_home_position_without_a_launch() -> None:
    items = compile_([wp(50, 0), wp(0, 50)], launch=None)
    assert commands(items) == [16, CMD_NAV_TAKEOFF, 16, 16, CMD_NAV_RETURN_TO_LAUNCH]
    assert (items[0].x, items[0].y) == (0.0, 0.0)


def test_the_speaker_switches_right_after_the_waypoint_that_asks_for_it() -> None:
    items = compile_([wp(50, 0, speaker=True), wp(50, 50), wp(0, 50, speaker=False)])
    assert commands(items) == [16, 22, 16, CMD_DO_SET_RELAY, 16, 16, CMD_DO_SET_RELAY, 20]
    on, off = items[3], items[6]
    assert (on.param1, on.param2, off.param1, off.param2) == (0.0, 1.0, 0.0, 0.0)  # relay 0 = RELAY1


def test_a_hold_with_a_switch_arrives_switches_then_loiters_for_the_hold() -> None:
    # A NAV_WAYPOINT with a hold completes at the end of the hold, so a switch after it would come too late.
    items = compile_([wp(50, 0, hold_s=30, speaker=True), wp(0, 50, speaker=False)])
    assert commands(items) == [16, 22, 16, CMD_DO_SET_RELAY, CMD_NAV_LOITER_TIME, 16, CMD_DO_SET_RELAY, 20]
    arrive, loiter = items[2], items[4]
    assert arrive.param1 == 0.0 and loiter.param1 == 30.0
    assert (loiter.x, loiter.y, loiter.z, loiter.frame) == (arrive.x, arrive.y, arrive.z, 3)


def test_a_hold_without_a_switch_is_the_waypoints_own_delay() -> None:
    items = compile_([wp(50, 0, hold_s=12), wp(0, 50)])
    assert commands(items) == [16, 22, 16, 16, 20]
    assert items[2].param1 == 12.0


def test_a_switch_at_the_same_place_after_a_hold_happens_when_the_hold_ends() -> None:
    # Point broadcast: on at arrival, hold, off before leaving; no extra NAV item for the second waypoint.
    route = [wp(50, 0, hold_s=20, speaker=True), wp(50, 0, speaker=False), wp(0, 50)]
    items = compile_(route)
    assert commands(items) == [16, 22, 16, CMD_DO_SET_RELAY, CMD_NAV_LOITER_TIME, CMD_DO_SET_RELAY, 16, 20]
    assert items[5].param2 == 0.0


def test_a_speaker_left_on_is_switched_off_before_the_return() -> None:
    items = compile_([wp(50, 0, speaker=True), wp(0, 50)])
    assert commands(items)[-3:] == [16, CMD_DO_SET_RELAY, CMD_NAV_RETURN_TO_LAUNCH]
    assert items[-2].param2 == 0.0
    already_off = compile_([wp(50, 0, speaker=True), wp(0, 50, speaker=False)])
    assert commands(already_off).count(CMD_DO_SET_RELAY) == 2


def test_a_servo_loudspeaker_uses_do_set_servo_with_its_channel_and_pwm() -> None:
    items = compile_([wp(50, 0, speaker=True), wp(0, 50)], speaker=SERVO)
    switches = [i for i in items if i.command == CMD_DO_SET_SERVO]
    assert [(i.param1, i.param2) for i in switches] == [(10.0, 1950.0), (10.0, 1050.0)]
    assert CMD_DO_SET_RELAY not in commands(items)


def test_a_waypoint_speed_change_applies_from_that_waypoint_on() -> None:
    items = compile_([wp(50, 0, speed_mps=3.0), wp(0, 50)])
    assert commands(items) == [16, 22, 16, CMD_DO_CHANGE_SPEED, 16, 20]
    assert items[3].param2 == 3.0


def test_item_count_matches_the_compiled_items_and_the_650_limit_is_enforced() -> None:
    route = [wp(50, 0, hold_s=10, speaker=True), wp(50, 0, speaker=False), wp(0, 50, speed_mps=4), wp(10, 10)]
    assert item_count(route) == len(compile_(route))
    assert item_count(route, speed_mps=5) == len(compile_(route, speed_mps=5))

    fits = [wp(i % 40, i // 40) for i in range(MAX_MISSION_ITEMS - 3)]  # + home, take-off, return = 650
    assert len(compile_(fits)) == MAX_MISSION_ITEMS
    with pytest.raises(RouteError) as info:
        compile_([*fits, wp(90, 90)])
    assert str(info.value) == (
        "route: the route makes 651 mission items; ArduCopter takes at most 650 (use fewer waypoints, laps or switches)"
    )


def test_route_uses_speaker() -> None:
    assert route_uses_speaker([wp(1, 0), wp(2, 0, speaker=False)])
    assert not route_uses_speaker([wp(1, 0), wp(2, 0)])


# --- bad routes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "options", "message"),
    [
        ([], {}, "route: the route has no waypoints"),
        (
            [Waypoint(36.19, 118.17, 20)],
            {},
            "route: the route has only one waypoint; a route needs at least two (to hover at one place, use a point "
            "broadcast or give the waypoint a hold time and a second waypoint)",
        ),
        (
            [Waypoint(118.17, 36.19, 20), Waypoint(36.19, 118.18, 20)],
            {},
            "waypoint 1 lat: latitude 118.17 and longitude 36.19 look swapped",
        ),
        (
            [Waypoint(36.19, 118.17, 20), Waypoint(36.19, 118.18, 0)],
            {},
            "waypoint 2 alt_m: the height must be above 0 m (it is 0); ArduCopter reads 0 as 'stay at the current "
            "height'",
        ),
        (
            [Waypoint(36.19, 118.17, 20, hold_s=-1), Waypoint(36.19, 118.18, 20)],
            {},
            "waypoint 1 hold_s: the hold must be between 0 and 3600 s (it is -1)",
        ),
        (
            [Waypoint(36.19, 118.17, 20, speed_mps=99), Waypoint(36.19, 118.18, 20)],
            {},
            "waypoint 1 speed_mps: the speed must be between 0.5 and 40 m/s (it is 99)",
        ),
        (
            [Waypoint(36.19, 118.17, 20), Waypoint(36.19, 118.18, 20)],
            {"takeoff_alt_m": 0},
            "route takeoff_alt_m: the take-off height must be above 0 m (it is 0)",
        ),
        (
            [Waypoint(36.19, 118.17, 20), Waypoint(36.19, 118.18, 20)],
            {"speed_mps": 0.1},
            "route speed_mps: the speed must be between 0.5 and 40 m/s (it is 0.1)",
        ),
        (
            [Waypoint(36.19, 118.17, 20), Waypoint(36.19, 118.18, 20)],
            {"launch": (118.17, 36.185)},
            "route launch: launch point: latitude 118.17 and longitude 36.185 look swapped",
        ),
    ],
    ids=["empty", "one-point", "swapped", "height-0", "negative-hold", "speed", "takeoff-0", "mission-speed", "launch"],
)
def test_bad_routes_are_refused_saying_what_and_where(route, options, message) -> None:
    with pytest.raises(RouteError) as info:
        compile_(route, **options)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"output": "speaker"}, "The loudspeaker output must be 'relay' or 'servo', not 'speaker'."),
        ({"relay": 16}, "Relay instance 16 is out of range (0-15; 0 = RELAY1)."),
        ({"servo": 0}, "Servo output 0 is out of range (1-32)."),
        ({"on_pwm": 3000}, "PWM 3000 µs is out of range (500-2500)."),
        (
            {"output": "servo", "on_pwm": 1500, "off_pwm": 1500},
            "The on and off PWM of the loudspeaker servo must differ.",
        ),
    ],
)
def test_bad_speaker_configs_are_refused(options, message) -> None:
    with pytest.raises(ValueError) as info:
        SpeakerConfig(**options)
    assert str(info.value) == message


def test_speaker_config_round_trips_through_a_dict() -> None:
    assert SpeakerConfig.from_dict(SERVO.as_dict()) == SERVO
    assert SpeakerConfig.from_dict(None) == RELAY
    assert RELAY.describe() == "relay RELAY1 (DO_SET_RELAY 0)"


# --- decompiling ---------------------------------------------------------------------------------


ROUTES = {
    "plain": [wp(50, 0), wp(50, 50, 30)],
    "speaker": [wp(50, 0, speaker=True), wp(50, 50), wp(0, 50, speaker=False)],
    "holds": [wp(50, 0, hold_s=12), wp(50, 50, hold_s=30, speaker=True), wp(50, 50, speaker=False), wp(0, 0)],
    "speeds": [
        wp(50, 0, speed_mps=3),
        wp(50, 50, hold_s=5, speed_mps=7),
        wp(0, 50, speaker=True, speed_mps=2),
        wp(0, 0, speaker=False),
    ],
    "repeat-place": [wp(50, 0, hold_s=10, speaker=True), wp(50, 0, hold_s=10, speaker=False), wp(0, 50)],
}


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("speaker", [RELAY, SERVO], ids=["relay", "servo"])
def test_decompile_gives_back_the_route_and_the_same_items(name: str, speaker: SpeakerConfig) -> None:
    route = ROUTES[name]
    items = compile_(route, speed_mps=5.0, speaker=speaker)
    result = decompile(items, speaker=speaker)
    assert result.route == route
    assert (result.takeoff_alt_m, result.speed_mps, result.launch, result.notes) == (15.0, 5.0, LAUNCH, [])
    assert compile_(result.route, speed_mps=5.0, speaker=speaker) == items
    assert decompile_items(items, speaker=speaker) == (result.route, 15.0, 5.0)


def test_a_speaker_left_on_reads_back_switched_off_where_the_vehicle_switches_it() -> None:
    items = compile_([wp(50, 0, speaker=True), wp(0, 50)])
    assert decompile(items).route == [wp(50, 0, speaker=True), wp(0, 50, speaker=False)]
    after_hold = compile_([wp(50, 0), wp(0, 50, hold_s=20, speaker=True)])
    assert decompile(after_hold).route == [wp(50, 0), wp(0, 50, hold_s=20, speaker=True), wp(0, 50, speaker=False)]
    assert compile_(decompile(after_hold).route) == after_hold


def test_decompile_reads_frame_6_and_merges_a_waypoint_with_the_loiter_at_the_same_place() -> None:
    # As another ground station writes it: frame 6, a WP then a LOITER_TIME at the same place, no speaker.
    a, b = wp(50, 0), wp(0, 50)
    items = [
        MissionItem(16, 0, *LAUNCH, 300.0),
        MissionItem(22, 6, 0, 0, 12),
        MissionItem(16, 6, a.lat, a.lon, 20),
        MissionItem(19, 6, a.lat, a.lon, 20, param1=15, param3=1),  # ArduCopter downloads LOITER_TIME p3 as 1
        MissionItem(16, 6, b.lat, b.lon, 20, param4=90),
        MissionItem(20, 2),
    ]
    result = decompile(items)
    assert result.route == [Waypoint(a.lat, a.lon, 20, hold_s=15), b]
    assert result.notes == ["Mission item 4: the yaw angle 90° is not kept."]


def test_decompile_notes_a_missing_takeoff_and_return() -> None:
    a, b = wp(50, 0), wp(0, 50, 25)
    result = decompile([MissionItem(16, 0), MissionItem(16, 3, a.lat, a.lon, 20), MissionItem(16, 3, b.lat, b.lon, 25)])
    assert (result.takeoff_alt_m, result.launch) == (20, None)
    assert result.notes == [
        "The mission had no take-off item; take-off to the first waypoint's height (20 m).",
        "The mission did not end with a return to launch; one is added.",
    ]


A, B = wp(50, 0), wp(0, 50)
HOME, TAKEOFF = MissionItem(16, 0, *LAUNCH), MissionItem(22, 3, 0, 0, 15)


def nav(point: Waypoint, command: int = 16, frame: int = 3, **kw) -> MissionItem:
    return MissionItem(command, frame, point.lat, point.lon, point.alt_m, **kw)


@pytest.mark.parametrize(
    ("items", "speaker", "message"),
    [
        ([], RELAY, "There are no mission items."),
        ([HOME, TAKEOFF, MissionItem(20, 2)], RELAY, "The mission has no waypoints."),
        (
            [HOME, TAKEOFF, nav(A), nav(B, 21)],
            RELAY,
            "Mission item 3 is NAV_LAND (21), which this system cannot represent: routes here consist of a take-off, "
            "waypoints (with holds), timed loiters, speed changes, the loudspeaker switch and a return to launch. "
            "Hint: missions here end with a return to launch; replace the landing with a return.",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(177, 2, param1=2, param2=3), nav(B)],
            RELAY,
            "Mission item 3 is DO_JUMP (177), which this system cannot represent: routes here consist of a take-off, "
            "waypoints (with holds), timed loiters, speed changes, the loudspeaker switch and a return to launch. "
            "Hint: repeat the waypoints instead (laps).",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(206, 2, param1=10), nav(B)],
            RELAY,
            "Mission item 3 is DO_SET_CAM_TRIGG_DIST (206), which this system cannot represent: routes here consist "
            "of a take-off, waypoints (with holds), timed loiters, speed changes, the loudspeaker switch and a return "
            "to launch.",
        ),
        (
            [HOME, TAKEOFF, nav(A, frame=0), nav(B)],
            RELAY,
            "Mission item 2 (NAV_WAYPOINT (16)) uses frame GLOBAL (height above mean sea level); only heights above "
            "the launch point (frame 3, GLOBAL_RELATIVE_ALT; 'Relative' in QGroundControl) can be imported.",
        ),
        (
            [HOME, TAKEOFF, nav(A, frame=10), nav(B)],
            RELAY,
            "Mission item 2 (NAV_WAYPOINT (16)) uses frame GLOBAL_TERRAIN_ALT (height above terrain); only heights "
            "above the launch point (frame 3, GLOBAL_RELATIVE_ALT; 'Relative' in QGroundControl) can be imported.",
        ),
        (
            [HOME, TAKEOFF, MissionItem(16, 3, A.lon, A.lat, 20), nav(B)],
            RELAY,
            f"Mission item 2 (NAV_WAYPOINT (16)): latitude {A.lon} and longitude {A.lat} look swapped.",
        ),
        (
            [HOME, TAKEOFF, MissionItem(16, 3, A.lat, A.lon, 0), nav(B)],
            RELAY,
            "Mission item 2 (NAV_WAYPOINT (16)) is at height 0 m; it must be above 0 m (ArduCopter reads 0 as 'stay "
            "at the current height').",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(181, 2, param1=1, param2=1), nav(B)],
            RELAY,
            "Mission item 3 (DO_SET_RELAY (181)) switches relay instance 1 (RELAY2), but the loudspeaker is on relay "
            "RELAY1 (DO_SET_RELAY 0).",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(181, 2, param1=0, param2=2), nav(B)],
            RELAY,
            "Mission item 3 (DO_SET_RELAY (181)) sets the relay to 2; only 1 (on) and 0 (off) can be represented "
            "(2 = toggle cannot).",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(183, 2, param1=9, param2=1900), nav(B)],
            RELAY,
            "Mission item 3 (DO_SET_SERVO (183)) drives servo output 9, but the loudspeaker is on relay RELAY1 "
            "(DO_SET_RELAY 0).",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(183, 2, param1=10, param2=1500), nav(B)],
            SERVO,
            "Mission item 3 (DO_SET_SERVO (183)) sets PWM 1500 µs; the loudspeaker is on at 1950 µs and off at "
            "1050 µs.",
        ),
        (
            [HOME, TAKEOFF, MissionItem(181, 2, param2=1), nav(A), nav(B)],
            RELAY,
            "Mission item 2 (DO_SET_RELAY (181)) switches the loudspeaker before the first waypoint; a route can only "
            "switch it on arrival at a waypoint. Move it after a waypoint.",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(20, 2), nav(B)],
            RELAY,
            "Mission item 4 (NAV_WAYPOINT (16)) comes after the return to launch (item 3) and would never be flown.",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(22, 3, 0, 0, 30), nav(B)],
            RELAY,
            "Mission item 3 is a second take-off (NAV_TAKEOFF (22)); a route has one take-off, as item 1.",
        ),
        (
            [HOME, TAKEOFF, nav(A), MissionItem(178, 2, param1=2, param2=3), nav(B)],
            RELAY,
            "Mission item 3 (DO_CHANGE_SPEED (178)) changes speed type 2 (climb or descent speed); only the "
            "horizontal speed (type 0 or 1) can be represented.",
        ),
        (
            [HOME, MissionItem(22, 3, 0, 0, 0), nav(A), nav(B)],
            RELAY,
            "Mission item 1 (NAV_TAKEOFF (22)) climbs to 0 m; it must be above 0 m.",
        ),
        (
            [HOME, TAKEOFF, nav(A, param1=7200), nav(B)],
            RELAY,
            "Mission item 2 (NAV_WAYPOINT (16)) holds 7200 s; holds must be 0-3600 s.",
        ),
    ],
    ids=[
        "empty", "no-waypoints", "land", "jump", "camera", "frame-amsl", "frame-terrain", "swapped", "height-0",
        "other-relay", "relay-toggle", "servo-not-configured", "servo-pwm", "speaker-before-waypoints", "after-rtl",
        "second-takeoff", "climb-speed", "takeoff-0", "long-hold",
    ],
)  # fmt: skip
def test_decompile_refuses_what_a_route_cannot_represent_naming_the_item(items, speaker, message) -> None:
    with pytest.raises(DecompileError) as info:
        decompile(items, speaker=speaker)
    assert str(info.value) == message


# --- against the simulated ArduCopter ------------------------------------------------------------

HOME_LAT, HOME_LON = DEFAULT_HOME.lat_deg, DEFAULT_HOME.lon_deg
QUICK_LANDING = {"RTL_ALT": 1000, "RTL_LOIT_TIME": 0, "LAND_SPEED_HIGH": 300, "LAND_ALT_LOW": 100, "LAND_SPEED": 150}


def wall(vehicle_s: float) -> float:
    return vehicle_s / SPEEDUP * 1.5 + 1.0


def near_home(north_m: float, east_m: float) -> tuple[float, float]:
    return offset_to_latlon(HOME_LAT, HOME_LON, north_m, east_m)


def square(north_m: float, east_m: float, size_m: float) -> dict:
    corners = [near_home(north_m + dn, east_m + de) for dn, de in ((0, 0), (0, size_m), (size_m, size_m), (size_m, 0))]
    ring = [[lon, lat] for lat, lon in corners]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def line(*offsets: tuple[float, float]) -> dict:
    return {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in (near_home(n, e) for n, e in offsets)]}


def sample_missions() -> dict[str, tuple[list[Waypoint], float | None]]:
    from campus.models import School

    school = School(name="Sim school", lat=HOME_LAT, lon=HOME_LON, campus=square(20, 20, 60))
    street = Market(name="Sim street", street=line((30, 0), (30, 60), (60, 90)), min_alt_m=10)
    area = Market(name="Sim square", area=square(-80, -40, 70), min_alt_m=10)
    missions = {
        "school_patrol": school_patrol(school, buffer_m=20, alt_m=25, laps=1, start_at=(HOME_LAT, HOME_LON)),
        "market_street": market_broadcast(street, alt_m=15, speed_mps=6, laps=2, start_at=(HOME_LAT, HOME_LON)),
        "market_area": market_broadcast(area, alt_m=15, speed_mps=6, laps=1, spacing_m=25),
        "point_broadcast": point_broadcast([near_home(40, 0), near_home(0, 40)], alt_m=20, hold_s=10),
    }
    routes = {name: (g.waypoints, g.speed_mps) for name, g in missions.items()}
    routes["free"] = ([Waypoint(*near_home(30, 0), 12), Waypoint(*near_home(30, 30), 18, hold_s=5)], None)
    return routes


@pytest.mark.asyncio
async def test_every_mission_type_uploads_and_downloads_unchanged() -> None:
    with sim_fleet() as fleet:
        vehicle = open_vehicle(fleet.fleet.connection_strings[0], backend="pymavlink")
        await vehicle.connect(timeout_s=10)
        try:
            await vehicle.wait_ready(timeout_s=wall(60))
            for name, (route, speed) in sample_missions().items():
                items = compile_route(route, launch=(HOME_LAT, HOME_LON), takeoff_alt_m=10, speed_mps=speed)
                await vehicle.upload_mission(items)
                got = await vehicle.download_mission()

                assert len(got) == len(items), name
                assert (got[0].x, got[0].y) == (pytest.approx(HOME_LAT, abs=2e-6), pytest.approx(HOME_LON, abs=2e-6))
                for seq, (sent, back) in enumerate(zip(items[1:], got[1:], strict=True), start=1):
                    where = f"{name} item {seq}"
                    assert back.command == sent.command, where
                    if sent.command in (CMD_NAV_WAYPOINT, CMD_NAV_LOITER_TIME, CMD_NAV_TAKEOFF):
                        assert back.frame == 3, where
                        assert (back.x, back.y) == (pytest.approx(sent.x, abs=1e-7), pytest.approx(sent.y, abs=1e-7))
                        assert back.z == pytest.approx(sent.z, abs=1e-4), where
                        assert back.param1 == pytest.approx(sent.param1), where  # hold; LOITER_TIME p3 comes back 1
                    else:
                        assert (back.param1, back.param2) == (sent.param1, sent.param2), where
                # What the vehicle holds reads back as the same route (to the 1e-7° of MISSION_ITEM_INT).
                result = decompile(got)
                assert len(result.route) == len(route), name
                for mine, theirs in zip(route, result.route, strict=True):
                    assert (theirs.lat, theirs.lon) == (
                        pytest.approx(mine.lat, abs=1e-7),
                        pytest.approx(mine.lon, abs=1e-7),
                    )
                    assert (theirs.alt_m, theirs.hold_s, theirs.speaker, theirs.speed_mps) == (
                        pytest.approx(mine.alt_m, abs=1e-4), mine.hold_s, mine.speaker, mine.speed_mps
                    )  # fmt: skip
                assert result.speed_mps == speed and result.takeoff_alt_m == 10
        finally:
            await vehicle.close()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_market_broadcast_flies_and_switches_the_speaker_at_its_waypoints() -> None:
    market = Market(name="Sim market", street=line((25, 0), (25, 35)), min_alt_m=8)
    generated = market_broadcast(market, alt_m=10, speed_mps=6, laps=1, start_at=(HOME_LAT, HOME_LON))
    items = compile_route(generated.waypoints, launch=(HOME_LAT, HOME_LON), takeoff_alt_m=10, speed_mps=6)
    assert commands(items) == [16, 22, 178, 16, CMD_DO_SET_RELAY, 16, 16, CMD_DO_SET_RELAY, 20]
    on_wp, off_wp, rtl = 3, 6, 8  # the waypoints that switch the speaker, and the return

    with sim_fleet() as fleet:
        vehicle = open_vehicle(fleet.fleet.connection_strings[0], backend="pymavlink")
        await vehicle.connect(timeout_s=10)
        try:
            await vehicle.wait_ready(timeout_s=wall(60))
            for name, value in QUICK_LANDING.items():
                await vehicle.set_param(name, value)
            await vehicle.upload_mission(items)
            # Wire order of what happened: waypoints reached and relay states as the vehicle reported them.
            log: list[tuple[str, int]] = []
            vehicle.link.add_listener("MISSION_ITEM_REACHED", lambda msg: log.append(("reached", msg.seq)))
            vehicle.link.add_listener("RELAY_STATUS", lambda msg: log.append(("relay", msg.on & 1)))
            t = vehicle.telemetry

            await vehicle.set_mode("GUIDED")
            await vehicle.arm()
            await vehicle.start_mission()
            await wait_until_async(lambda: (t().mission_seq or 0) > on_wp and t().relay_on, wall(60), "speaker on")
            await wait_until_async(
                lambda: (t().mission_seq or 0) >= rtl and t().relay_on is False, wall(60), "speaker off"
            )
            await wait_until_async(lambda: not t().armed, wall(90), "landing and disarm after the return")

            first_on = log.index(("relay", 1))
            first_off_after = next(i for i, entry in enumerate(log) if i > first_on and entry == ("relay", 0))
            assert ("reached", on_wp) in log[:first_on]  # not on before the speaker-on waypoint
            assert ("reached", off_wp) in log[:first_off_after] and ("reached", off_wp) not in log[:first_on]
            assert ("relay", 1) not in log[first_off_after:]
            assert t().relay_on is False
            assert math.dist((t().lat, t().lon), (HOME_LAT, HOME_LON)) < 3e-5  # landed back home (~3 m)
        finally:
            await vehicle.close()
