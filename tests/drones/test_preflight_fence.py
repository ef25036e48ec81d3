"""Preflight and ArduCopter's circle fence: FENCE_RADIUS must let the mission fly, the circle stays as a backstop."""

from __future__ import annotations

import pytest

from common.geo import haversine_m
from drones.links import open_vehicle
from drones.missions import preflight
from drones.missions.flights import _mission_max_distance_m
from drones.models import Drone, Flight, Mission
from simulators.arducopter.physics import offset_to_latlon
from tests.factories import make_user
from tests.sim import sim_fleet

LAUNCH = (36.185, 118.17)
GOOD = {"FS_GCS_ENABLE": 1, "FENCE_ENABLE": 1, "FENCE_ACTION": 1, "FENCE_ALT_MAX": 120, "RTL_ALT": 3000}


def items(params: dict, **kwargs) -> dict[str, preflight.CheckItem]:
    checked = preflight.preflight_items(
        telemetry={"link_ok": True},
        params=params,
        required_battery_pct=0,
        licence_ok=True,
        licence_detail="",
        approval_ref="A-1",
        mission_ok=True,
        mission_detail="",
        confirmed=True,
        mission_max_alt_m=40,
        **kwargs,
    )
    return {item.key: item for item in checked}


def test_the_circle_fence_at_sitls_150_m_fails_a_mission_reaching_323_m_and_is_fixed_to_the_line_of_sight_limit(
    settings,
):
    settings.DRONE_MAX_DISTANCE_M = 500
    params = {**GOOD, "FENCE_TYPE": 7, "FENCE_RADIUS": 150.0}
    radius = items(params, mission_max_distance_m=323)["param:FENCE_RADIUS"]
    assert not radius.ok and radius.fixable
    assert "FENCE_RADIUS = 150" in radius.detail and "500 m" in radius.detail and "323 m" in radius.detail
    assert "backstop" in radius.label
    fixes = preflight.preflight_fix_values(params, 40, 323)
    assert fixes == {"FENCE_RADIUS": 500.0}  # the circle stays on (FENCE_TYPE untouched)
    assert items({**params, **fixes}, mission_max_distance_m=323)["param:FENCE_RADIUS"].ok


def test_a_mission_past_the_line_of_sight_limit_gets_its_farthest_point_plus_the_margin(settings):
    settings.DRONE_MAX_DISTANCE_M = 500
    params = {**GOOD, "FENCE_TYPE": 7, "FENCE_RADIUS": 500.0}
    assert not items(params, mission_max_distance_m=480.2)["param:FENCE_RADIUS"].ok
    assert preflight.preflight_fix_values(params, 40, 480.2) == {"FENCE_RADIUS": 531.0}
    assert "farthest waypoint is 480 m" in items(params, mission_max_distance_m=480.2)["param:FENCE_RADIUS"].label


def test_a_large_enough_circle_passes_and_needs_no_fix(settings):
    settings.DRONE_MAX_DISTANCE_M = 500
    params = {**GOOD, "FENCE_TYPE": 7, "FENCE_RADIUS": 600.0}
    assert items(params, mission_max_distance_m=323)["param:FENCE_RADIUS"].ok
    assert preflight.preflight_fix_values(params, 40, 323) == {}


def test_without_the_circle_bit_the_radius_is_not_required(settings):
    settings.DRONE_MAX_DISTANCE_M = 500
    params = {**GOOD, "FENCE_TYPE": 5, "FENCE_RADIUS": 150.0}  # altitude + polygon only
    radius = items(params, mission_max_distance_m=323)["param:FENCE_RADIUS"]
    assert radius.ok and "circle fence off" in radius.label
    assert preflight.preflight_fix_values(params, 40, 323) == {}


def test_an_unreadable_radius_blocks_and_is_not_fixable(settings):
    params = {**GOOD, "FENCE_TYPE": 7, "FENCE_RADIUS": None}
    radius = items(params, mission_max_distance_m=100)["param:FENCE_RADIUS"]
    assert not radius.ok and not radius.fixable and "could not be read" in radius.detail


def test_fence_radius_is_one_of_the_parameters_preflight_reads():
    assert "FENCE_RADIUS" in preflight.required_params()


def test_the_farthest_point_is_measured_from_the_launch_point():
    near, far = offset_to_latlon(*LAUNCH, 100, 0), offset_to_latlon(*LAUNCH, 0, 323)
    assert preflight.mission_max_distance_m(LAUNCH, [near, far]) == pytest.approx(323, abs=0.5)
    assert preflight.mission_max_distance_m(None, [near, far]) == 0.0
    assert preflight.mission_max_distance_m(LAUNCH, []) == 0.0


@pytest.mark.django_db
def test_a_flights_farthest_point_comes_from_its_missions_route_and_launch_point():
    drone = Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:1", home_lat=36.0, home_lon=118.0)
    route = [offset_to_latlon(*LAUNCH, n, e) for n, e in ((50, 0), (200, 250), (0, 100))]
    mission = Mission.objects.create(
        name="Patrol",
        kind="free",
        drone=drone,
        launch_lat=LAUNCH[0],
        launch_lon=LAUNCH[1],
        waypoints=[{"lat": lat, "lon": lon, "alt_m": 30} for lat, lon in route],
    )
    flight = Flight.objects.create(mission=mission, drone=drone, pilot=make_user(None, username="p"))
    assert _mission_max_distance_m(flight) == pytest.approx(haversine_m(*LAUNCH, *route[1]), abs=0.01)


@pytest.mark.asyncio
async def test_the_simulators_circle_fence_is_found_too_small_and_fixed(settings):
    settings.DRONE_MAX_DISTANCE_M = 500
    with sim_fleet(1) as sim:
        vehicle = open_vehicle(sim.fleet.connection_strings[0])
        await vehicle.connect(10)
        try:
            names = list(preflight.required_params())
            params = {name: await vehicle.get_param(name) for name in names}
            assert params["FENCE_RADIUS"] == 150 and int(params["FENCE_TYPE"]) & preflight.FENCE_TYPE_CIRCLE
            assert not items(params, mission_max_distance_m=323)["param:FENCE_RADIUS"].ok
            for name, value in preflight.preflight_fix_values(params, 40, 323).items():
                await vehicle.set_param(name, value)
            params = {name: await vehicle.get_param(name) for name in names}
            assert params["FENCE_RADIUS"] == 500
            assert all(i.ok for key, i in items(params, mission_max_distance_m=323).items() if key.startswith("param:"))
        finally:
            await vehicle.close()
