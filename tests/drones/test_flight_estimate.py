"""The flight-time estimate against ArduCopter 4.7 SITL (vehicle time) and in the flight log."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.management import call_command

from drones.missions import flighttime
from drones.missions.checks.limits import Limits
from drones.missions.checks.run import check_mission, check_route
from drones.missions.flightlog import flight_stats
from drones.missions.flighttime import Kinematics, RoutePoint, leg_time, ramp, route_flight_time
from tests.drones.airspace_helpers import LAUNCH, wp

# Recording 04 (SITL, AUTO, vehicle time from time_boot_ms): take-off to 20 m at home, 100 m north,
# 100 m east, 100 m south, NAV_LOITER_TIME 10 s there, RTL. MISSION_START ACK at 44.269 s, waypoints
# reached at 56.269, 71.519, 84.269, 99.019 s, loiter done at 109.019 s, disarmed at 162.769 s.
SITL_04_LEGS_S = (71.519 - 56.269, 84.269 - 71.519, 99.019 - 84.269)
SITL_04_TOTAL_S = 162.769 - 44.269
# The sample school patrol flown through the project's API on a real ArduCopter 4.7 SITL (issue 10).
SITL_SAMPLE_PATROL_S = 401.0


def test_model_matches_the_sitl_mission_of_recording_04():
    route = [RoutePoint(0, 100, 20), RoutePoint(100, 100, 20), RoutePoint(100, 0, 20, hold_s=10)]
    timing = route_flight_time(route, takeoff_alt_m=20, speed_mps=10)
    assert sum(timing.leg_s) == pytest.approx(sum(SITL_04_LEGS_S), abs=1.0)
    for model_s, sitl_s in zip(timing.leg_s, SITL_04_LEGS_S, strict=True):
        assert model_s == pytest.approx(sitl_s, abs=1.0)
    assert timing.takeoff_s == pytest.approx(56.269 - 44.269, abs=0.5)
    assert timing.total_s == pytest.approx(SITL_04_TOTAL_S, rel=0.03)


@pytest.mark.django_db
def test_sample_school_patrol_estimate_is_within_ten_percent_of_sitl():
    for command in ("load_sample_county", "load_sample_airspace", "load_sample_fleet"):
        call_command(command, verbosity=0)
    from drones.models import Mission

    mission = Mission.objects.get(name__startswith="放学巡逻")
    estimate = check_mission(mission).estimate
    assert len(mission.waypoints) == 33
    # The old constant-speed estimate said 289 s (28 % low).
    assert estimate.flight_time_s == pytest.approx(SITL_SAMPLE_PATROL_S, rel=0.10)
    assert estimate.breakdown["manoeuvre_s"] > 60  # the 15 m corner legs never reach cruise speed


def test_a_leg_too_short_for_cruise_speed_is_limited_by_acceleration():
    # 10 m/s takes 6.5 s and 32.5 m from rest (jerk 1 m/s³, accel 2.5 m/s²): a 200 m leg cruises 135 m.
    assert leg_time(200, 10, 2.5, 1.0)[0] == pytest.approx(2 * 6.5 + 135 / 10, abs=0.01)
    # 15 m peaks at 3.8 m/s: far longer than 15 m at 10 m/s.
    short_s, ramp_s = leg_time(15, 10, 2.5, 1.0)
    assert short_s > 5 * 1.5 and ramp_s < 6.5


def _leg_time_bisected(length_m: float, speed_mps: float, accel_mps2: float, jerk_mps3: float):
    """The model's leg time before issue 14, the reference: the peak speed of a short leg by bisection."""
    if length_m <= 0 or speed_mps <= 0:
        return 0.0, 0.0
    ramp_s, ramp_m = ramp(speed_mps, accel_mps2, jerk_mps3)
    if 2.0 * ramp_m <= length_m:
        return 2.0 * ramp_s + (length_m - 2.0 * ramp_m) / speed_mps, ramp_s
    low, high = 0.0, speed_mps
    for _ in range(50):
        mid = (low + high) / 2.0
        if 2.0 * ramp(mid, accel_mps2, jerk_mps3)[1] > length_m:
            high = mid
        else:
            low = mid
    ramp_s, _ramp_m = ramp(low, accel_mps2, jerk_mps3)
    return 2.0 * ramp_s, ramp_s


@pytest.mark.parametrize(
    ("speed_mps", "accel_mps2", "jerk_mps3"), [(10, 2.5, 1), (5, 2.5, 1), (2.5, 1, 1), (1.5, 1, 1)]
)
def test_the_closed_form_leg_time_equals_the_bisection(speed_mps, accel_mps2, jerk_mps3):
    # Both sides of the acceleration plateau (a²/j) and of cruise speed, down to a centimetre.
    for length_m in [0.0, 0.01, 0.3, 1, 2.2, 5, 6.25, 12.5, 15, 31, 32.5, 40, 64.9, 65, 65.1, 100, 900]:
        expected = _leg_time_bisected(length_m, speed_mps, accel_mps2, jerk_mps3)
        assert leg_time(length_m, speed_mps, accel_mps2, jerk_mps3) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def _routes() -> dict[str, list[RoutePoint]]:
    import numpy as np

    rng = np.random.default_rng(14)
    walk, x, y, alt = [], 0.0, 0.0, 40.0
    for n in range(200):  # the benchmark's kind of route: steps of up to 40 m, holds, speed changes
        x, y = x + rng.uniform(-40, 40), y + rng.uniform(-40, 40)
        alt = float(np.clip(alt + rng.uniform(-8, 8), 15, 90))
        walk.append(
            RoutePoint(
                x,
                y,
                alt,
                hold_s=10.0 if n % 25 == 0 else 0.0,
                speed_mps=6.0 if n == 60 else (12.0 if n == 120 else None),
                speaker=True if n % 50 == 5 else (False if n % 50 == 30 else None),
            )
        )
    return {
        "recording 04": [RoutePoint(0, 100, 20), RoutePoint(100, 100, 20), RoutePoint(100, 0, 20, hold_s=10)],
        "zigzag of short legs": [RoutePoint(30 * i, 40 if i % 2 else 0, 25, speaker=i == 1) for i in range(1, 9)],
        "steep climbs, a reversal, a repeated point": [
            RoutePoint(0, 20, 100),
            RoutePoint(0, 40, 10),
            RoutePoint(0, 0.5, 10),
            RoutePoint(0, 0.5, 12),
            RoutePoint(300, 0.5, 30),
        ],
        "random walk of 200": walk,
    }


@pytest.mark.parametrize("name", list(_routes()))
def test_the_flight_time_is_what_the_bisection_model_gave(name, monkeypatch):
    route = _routes()[name]
    kinematics = Kinematics(climb_mps=3.0, descent_mps=1.0)
    for options in (
        {"takeoff_alt_m": 20, "speed_mps": 10},
        {"takeoff_alt_m": 35, "speed_mps": 4, "kinematics": kinematics},
    ):
        now = route_flight_time(route, **options)
        with monkeypatch.context() as patched:
            patched.setattr(flighttime, "leg_time", _leg_time_bisected)
            before = route_flight_time(route, **options)
        assert now.breakdown() == before.breakdown() and now.leg_s == before.leg_s
        assert now.total_s == pytest.approx(before.total_s, rel=1e-12)
        assert now.broadcast_s == pytest.approx(before.broadcast_s, rel=1e-12)


def test_a_sharp_corner_costs_more_than_a_straight_continuation():
    # The same 200 m flown each time; the way home differs, so compare the legs only.
    legs = [
        sum(route_flight_time([RoutePoint(0, 100, 30), p], takeoff_alt_m=30, speed_mps=10).leg_s)
        for p in (RoutePoint(0, 200, 30), RoutePoint(100, 100, 30), RoutePoint(0, 0.001, 30))
    ]
    assert legs[0] < legs[1] < legs[2]
    # Straight on is one 200 m leg: no stop at the waypoint.
    assert legs[0] == pytest.approx(leg_time(200, 10, 2.5, 1.0)[0], abs=0.15)
    assert legs[2] == pytest.approx(2 * leg_time(100, 10, 2.5, 1.0)[0], abs=0.15)  # a full stop


def test_a_hold_stops_the_vehicle_at_its_waypoint():
    flying = [RoutePoint(0, 100, 30), RoutePoint(0, 200, 30)]
    holding = [RoutePoint(0, 100, 30, hold_s=20), RoutePoint(0, 200, 30)]
    no_hold = route_flight_time(flying, takeoff_alt_m=30, speed_mps=10).total_s
    with_hold = route_flight_time(holding, takeoff_alt_m=30, speed_mps=10).total_s
    assert with_hold - no_hold == pytest.approx(20 + 6.5, abs=0.1)  # the hold and the lost corner overlap


def test_climbs_run_with_the_horizontal_motion_and_only_a_longer_climb_adds_time():
    level = route_flight_time([RoutePoint(0, 200, 20)], takeoff_alt_m=20, speed_mps=10)
    gentle = route_flight_time([RoutePoint(0, 200, 40)], takeoff_alt_m=20, speed_mps=10)
    steep = route_flight_time([RoutePoint(0, 20, 100)], takeoff_alt_m=20, speed_mps=10)
    assert gentle.climb_s == 0 and sum(gentle.leg_s) == pytest.approx(sum(level.leg_s))
    assert steep.climb_s > 20  # 80 m at 2.5 m/s against 20 m horizontally


def test_battery_use_rests_on_the_calibrated_estimate():
    route = [wp(0, 100, 30), wp(15, 115, 30), wp(30, 115, 30), wp(45, 100, 30)]
    result = check_route(route, launch=LAUNCH, takeoff_alt_m=30, speed_mps=10, drone_endurance_min=5, limits=Limits())
    e = result.estimate
    assert e.endurance_used_pct == pytest.approx(100 * e.flight_time_s / 300, abs=0.1)
    assert e.flight_time_s == pytest.approx(sum(e.breakdown.values()), abs=0.5)
    assert e.breakdown["manoeuvre_s"] > 0


@pytest.mark.django_db
def test_flight_log_reports_estimate_against_actual():
    from django.contrib.auth import get_user_model

    from drones.models import DroneEvent, Flight, TrackPoint

    for command in ("load_sample_county", "load_sample_airspace", "load_sample_fleet"):
        call_command(command, verbosity=0)
    from drones.models import Mission

    mission = Mission.objects.get(name__startswith="放学巡逻")
    estimated = mission.validation["estimate"]["flight_time_s"]
    pilot = get_user_model().objects.filter(is_superuser=False).first() or get_user_model().objects.first()
    flight = Flight.objects.create(mission=mission, drone=mission.drone, pilot=pilot)
    start = flight.created_at
    Flight.objects.filter(pk=flight.pk).update(started_at=start)
    flight.refresh_from_db()
    TrackPoint.objects.bulk_create(
        TrackPoint(drone=mission.drone, at=start + dt.timedelta(seconds=s), lat=36.18, lon=118.17, armed=True)
        for s in (0, 200, 440)
    )
    stats = flight_stats(flight).as_dict()
    assert stats["estimated_s"] == pytest.approx(estimated, abs=0.05)
    assert (stats["actual_s"], stats["actual_clock"]) == (440.0, "track")
    assert stats["ratio"] == pytest.approx(440.0 / estimated, abs=0.01)

    # With the bridge's mission reports stamped by the vehicle's clock, that clock wins (sped-up
    # simulators: 401 vehicle seconds may take 40 wall seconds).
    DroneEvent.objects.bulk_create(
        DroneEvent(drone=mission.drone, at=start + dt.timedelta(seconds=s), kind="mission", data=data)
        for s, data in (
            (1, {"flight": flight.pk + 1, "report": "started", "vehicle_time_ms": 1_000}),  # another flight
            (2, {"flight": flight.pk, "report": "started", "vehicle_time_ms": 50_000}),
            (430, {"flight": flight.pk, "report": "landed", "vehicle_time_ms": 451_000}),
        )
    )
    stats = flight_stats(flight).as_dict()
    assert (stats["actual_s"], stats["actual_clock"]) == (401.0, "vehicle")
    assert stats["ratio"] == pytest.approx(401.0 / estimated, abs=0.01)


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    return lat + north_m / 110_574.0, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


async def _fly_on_the_simulator(route, *, takeoff_alt_m: float) -> float:
    """Fly ``route`` as an AUTO mission on the project's simulator; vehicle seconds from MISSION_START to disarm."""
    from drones.links import open_vehicle
    from drones.missions.compile import compile_route
    from tests.sim import sim_fleet
    from tests.waiting import wait_until_async

    with sim_fleet(1) as sim:
        home = sim.fleet.vehicles[0].options.start
        launch = (home.lat_deg, home.lon_deg)
        vehicle = open_vehicle(sim.fleet.connection_strings[0], backend="pymavlink")
        await vehicle.connect(timeout_s=10)
        try:
            await vehicle.wait_ready(timeout_s=60)
            await vehicle.upload_mission(
                compile_route(route(launch), launch=launch, takeoff_alt_m=takeoff_alt_m, speed_mps=None)
            )
            await vehicle.set_mode("GUIDED")
            await vehicle.arm()
            await vehicle.start_mission()
            started_ms = vehicle.telemetry().vehicle_time_ms
            await wait_until_async(lambda: vehicle.telemetry().armed, 30, "the climb")
            await wait_until_async(lambda: not vehicle.telemetry().armed, 300, "the landing")
            return (vehicle.telemetry().vehicle_time_ms - started_ms) / 1000.0
        finally:
            await vehicle.close()


@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("shape", "points_ne"),
    [
        ("square of 100 m", [(100, 0), (100, 100), (0, 100)]),
        ("zigzag of 50 m legs", [(30 * i, 40 if i % 2 else 0) for i in range(1, 9)]),
    ],
)
async def test_the_estimate_is_within_ten_percent_of_a_flight_on_the_simulator(shape, points_ne):
    from drones.missions.route import Waypoint

    def route(launch):
        return [Waypoint(*_offset(*launch, n, e), 25.0) for n, e in points_ne]

    flown_s = await _fly_on_the_simulator(route, takeoff_alt_m=25.0)
    estimate = check_route(
        route(LAUNCH), launch=LAUNCH, takeoff_alt_m=25.0, speed_mps=10.0, drone_endurance_min=60, limits=Limits()
    ).estimate
    assert flown_s == pytest.approx(estimate.flight_time_s, rel=0.10), shape
