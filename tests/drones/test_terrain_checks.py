"""Heights above the ground with a terrain model: the checks (terrain_ceiling, terrain_clearance, the
terrain_unknown notice), the ground profile of a check, the planner's map carrying it, and heights
above terrain in imported plans."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from django.urls import reverse

from common.roles import Role
from drones import terrain
from drones.missions import interop, planning
from drones.missions.checks.limits import Limits
from drones.missions.checks.results import Code
from drones.missions.checks.run import check_route
from drones.models import Drone, Mission
from tests.drones.airspace_helpers import FRAME, LAUNCH, wp
from tests.drones.test_mission_interop_problems import as_bytes, document, problems_of
from tests.drones.test_terrain import utm_dem, write_dem
from tests.factories import make_user

LIMITS = Limits()  # 120 m above the ground, 10 m clearance
X0, Y0 = (float(v) for v in FRAME.xy(*LAUNCH))
TERRAIN_CODES = {Code.TERRAIN_CEILING, Code.TERRAIN_CLEARANCE, Code.TERRAIN_UNKNOWN}


@pytest.fixture(autouse=True)
def _fresh_cache():
    terrain.close_all()
    yield
    terrain.close_all()


def dem(tmp_path, settings, ground, *, half_m: float = 1000.0, name: str = "dem.tif"):
    """A UTM DEM, 10 m cells, around the launch point: ``ground(east_m, north_m)`` metres above sea level."""
    n = int(2 * half_m / 10)
    centres = -half_m + 5 + np.arange(n) * 10.0
    east, north = np.meshgrid(centres, centres[::-1])
    z = np.asarray(ground(east, north), dtype=np.float32)
    path = write_dem(tmp_path / name, z, crs="EPSG:32650", west=X0 - half_m, north=Y0 + half_m, cell=10.0)
    settings.DRONE_TERRAIN_DEM = str(path)
    return path


def valley(east, north):
    """300 m, with a valley 70 m deep running north-south 300 m east of the launch point."""
    return 300.0 - 70.0 * np.exp(-(((east - 300.0) / 80.0) ** 2))


def ridge(height_m: float):
    return lambda east, north: 300.0 + height_m * np.exp(-(((east - 300.0) / 80.0) ** 2))


def check(route, **kwargs):
    options = {"launch": LAUNCH, "takeoff_alt_m": 20.0, "speed_mps": 5.0, "drone_endurance_min": 30, "limits": LIMITS}
    return check_route(route, **{**options, **kwargs})


def found(result, code):
    return [v for v in result.violations if v.code == code]


def test_a_route_100_m_above_launch_over_a_valley_breaches_the_ceiling_above_ground(tmp_path, settings):
    dem(tmp_path, settings, valley)
    result = check([wp(300, 0, 100), wp(300, 200, 100)])

    assert not found(result, Code.CEILING)  # 100 m above the launch point is within 120 m
    over = found(result, Code.TERRAIN_CEILING)
    assert [v.waypoint for v in over] == [0, 1]
    assert over[0].value == pytest.approx(170, abs=0.5) and over[0].limit == 120
    assert over[0].message == (
        "Waypoint 1 is 170 m above the ground, above the 120 m ceiling: it is 100 m above the launch point, and the "
        "ground there is 70 m lower than at the launch point."
    )
    assert over[0].geometry["type"] == "Point"
    assert not result.ok


def test_a_leg_across_a_valley_between_two_waypoints_is_reported_where_it_crosses(tmp_path, settings):
    dem(tmp_path, settings, valley)
    result = check([wp(0, 200, 100), wp(600, 200, 100)])

    over = found(result, Code.TERRAIN_CEILING)
    assert [v.segment for v in over] == [(0, 1), (1, None)]  # the leg 1→2 and the return 2→launch
    assert all(v.waypoint is None for v in over)
    assert over[0].value == pytest.approx(170, abs=1)
    assert over[0].message.startswith(
        "Segment 1→2 is up to 170 m above the ground (over lower ground between its ends)"
    )
    line = over[0].geometry
    assert line["type"] == "LineString"
    easts = [float(FRAME.xy(lat, lon)[0]) - X0 for lon, lat in line["coordinates"]]
    assert 150 < min(easts) < 300 < max(easts) < 450  # the stretch over the valley, not the whole leg


def test_a_route_into_a_ridge_is_below_the_clearance(tmp_path, settings):
    dem(tmp_path, settings, ridge(80))
    result = check([wp(300, 0, 60), wp(0, 200, 60), wp(600, 200, 60)])

    low = found(result, Code.TERRAIN_CLEARANCE)
    at_waypoint = [v for v in low if v.waypoint is not None]
    assert [v.waypoint for v in at_waypoint] == [0]
    assert at_waypoint[0].value == pytest.approx(-20, abs=0.5) and at_waypoint[0].limit == 10
    assert at_waypoint[0].message == (
        "Waypoint 1 is 20 m below the ground surface (60 m above the launch point, inside the terrain); keep at "
        "least 10 m above the ground."
    )
    crossing = [v for v in low if v.segment == (1, 2)]
    assert len(crossing) == 1 and crossing[0].message.startswith("Segment 2→3 runs into the terrain (up to 20 m")


def test_a_leg_over_a_low_ridge_comes_too_close_to_the_ground(tmp_path, settings):
    dem(tmp_path, settings, ridge(55))
    result = check([wp(0, 200, 60), wp(600, 200, 60)])

    low = [v for v in found(result, Code.TERRAIN_CLEARANCE) if v.segment == (0, 1)]
    assert len(low) == 1
    assert low[0].value == pytest.approx(5, abs=0.5)
    assert low[0].message.startswith(
        "Segment 1→2 comes down to 5 m above the ground (over higher ground between its ends)"
    )


def test_a_minimum_clearance_kept_and_a_ceiling_kept_pass(tmp_path, settings):
    dem(tmp_path, settings, ridge(40))
    result = check([wp(100, 200, 60), wp(450, 200, 60)])
    assert result.ok, [v.message for v in result.violations]
    assert not result.notices


def test_without_a_terrain_model_nothing_changes(settings):
    settings.DRONE_TERRAIN_DEM = "none"
    result = check([wp(300, 0, 100), wp(300, 200, 100)])
    assert result.ok and result.terrain is None
    assert not {v.code for v in result.violations + result.notices} & TERRAIN_CODES
    assert "terrain" not in result.geojson()
    assert result.as_dict()["terrain"] is None


def test_ground_unknown_on_part_of_the_route_is_a_notice_not_a_violation(tmp_path, settings):
    dem(tmp_path, settings, valley, half_m=300)
    result = check([wp(0, 200, 50), wp(450, 200, 50)])

    assert result.ok, [v.message for v in result.violations]
    unknown = [v for v in result.notices if v.code == Code.TERRAIN_UNKNOWN]
    assert len(unknown) == 1
    assert unknown[0].message.startswith(
        "The terrain model has no ground height under part of the route (segments 1→2, 2→launch"
    )
    assert unknown[0].geometry["type"] in ("LineString", "MultiLineString")
    leg = result.terrain["legs"][1]
    assert leg[0] is not None and leg[-1] is None  # known at waypoint 1, unknown at waypoint 2


def test_a_launch_point_off_the_model_checks_nothing_above_ground(tmp_path, settings):
    dem(tmp_path, settings, lambda e, n: 300.0 + 0 * e, half_m=300)
    result = check([wp(100, 100, 50), wp(200, 100, 50)], launch=_at(-400, 0))
    assert result.terrain is None
    assert [v.code for v in result.notices] == [Code.TERRAIN_UNKNOWN]
    assert "no ground at the launch point" in result.notices[0].message


def _at(east, north):
    w = wp(east, north)
    return (w.lat, w.lon)


def test_the_check_carries_the_ground_profile_along_every_leg(tmp_path, settings):
    dem(tmp_path, settings, valley)
    result = check([wp(0, 200, 100), wp(600, 200, 100)])

    profile = result.terrain
    assert profile["source"] == "dem.tif" and profile["launch_ground_m"] == pytest.approx(300, abs=0.1)
    assert profile["clearance_m"] == 10 and profile["step_m"] == 20
    legs = profile["legs"]
    assert len(legs) == 3  # launch→1, 1→2, 2→launch
    assert len(legs[1]) == 31  # 600 m in 20 m steps, both ends
    assert legs[1][15] == pytest.approx(-70, abs=0.5)  # the middle of 1→2 is the valley floor
    assert legs[1][0] == pytest.approx(0, abs=0.1) and legs[0][-1] == legs[1][0]
    assert json.loads(json.dumps(result.as_dict()))["terrain"] == profile
    assert result.geojson()["terrain"] == profile


# --- the planner's map and the check's basis -------------------------------------------------------------


@pytest.fixture
def operator(client):
    user = make_user(Role.DRONE_OPERATOR, username="planner")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_the_map_of_a_saved_mission_carries_the_ground_and_follows_a_new_model(client, operator, tmp_path, settings):
    path = dem(tmp_path, settings, valley)
    drone = Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:5760", home_lat=LAUNCH[0], home_lon=LAUNCH[1]
    )
    route = [w.as_dict() for w in (wp(300, 0, 100), wp(300, 200, 100))]
    created = client.post(
        "/api/drones/missions/",
        {"name": "M", "drone": drone.pk, "waypoints": route, "takeoff_alt_m": 20},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "rejected"
    assert [v["code"] for v in body["validation"]["violations"]] == ["terrain_ceiling", "terrain_ceiling"]
    mission = Mission.objects.get(pk=body["id"])
    basis = planning.mission_check_basis(mission)
    assert body["validation"]["basis"] == basis

    geo = client.get(reverse("drones_api:mission-map-layers", args=[mission.pk])).json()
    assert geo["terrain"]["legs"][1][0] == pytest.approx(-70, abs=0.5)

    # Another model (a new file in place): the stored check no longer stands, the map checks again.
    write_dem(
        path.with_name("flat.tif"),
        np.full((20, 20), 300.0, np.float32),
        crs="EPSG:32650",
        west=X0 - 1000,
        north=Y0 + 1000,
        cell=100.0,
    )
    path.with_name("flat.tif").replace(path)
    assert planning.mission_check_basis(mission) != basis
    geo = client.get(reverse("drones_api:mission-map-layers", args=[mission.pk])).json()
    assert geo["terrain"]["legs"][1][0] == pytest.approx(0, abs=0.1)
    assert not [f for f in geo["features"] if f["properties"].get("code") == "terrain_ceiling"]


# --- imported plans: heights above terrain ---------------------------------------------------------------


def _terrain_plan(frame: int = 10) -> dict:
    plan = document("qgc_handwritten.plan")  # home at 36.18, 118.17
    plan["mission"]["items"][2]["frame"] = frame
    plan["mission"]["items"][2]["params"][6] = 35
    return plan


@pytest.mark.parametrize("frame", [10, 11])
def test_heights_above_terrain_are_converted_with_the_terrain_model(tmp_path, settings, frame):
    path, x0, y0 = utm_dem(tmp_path / "slope.tif", lambda dx, dy: 300.0 + 0.1 * dx)
    settings.DRONE_TERRAIN_DEM = str(path)
    ground_home, ground_item = terrain.ground_m([(36.18, 118.17), (36.1805, 118.1705)])

    plan = interop.plan_import(as_bytes(_terrain_plan(frame)))

    assert plan.route[0].alt_m == pytest.approx(round(ground_item + 35 - ground_home, 2))
    assert 38 < plan.route[0].alt_m < 40  # 45 m east of home on a 10 % slope: 4.5 m higher ground
    assert {wp.alt_m for wp in plan.route[1:]} == {35}
    assert plan.notes[0] == (
        "1 waypoint converted from height above terrain with the terrain model (the ground at home is 300 m above "
        "sea level). Between waypoints the drone flies straight, not along the ground: the checks test the heights "
        "above the ground along every leg."
    )


def test_heights_above_terrain_in_waypoint_text_are_converted_too(tmp_path, settings):
    path, _x0, _y0 = utm_dem(tmp_path / "flat.tif", lambda dx, dy: 250.0 + 0 * dx)
    settings.DRONE_TERRAIN_DEM = str(path)
    text = (
        "QGC WPL 110\n"
        "0\t1\t0\t16\t0\t0\t0\t0\t36.180000\t118.170000\t250.000000\t1\n"
        "1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t20.000000\t1\n"
        "2\t0\t10\t16\t0\t0\t0\t0\t36.180500\t118.170000\t42.000000\t1\n"
        "3\t0\t3\t16\t0\t0\t0\t0\t36.180500\t118.170600\t25.000000\t1\n"
    )
    plan = interop.wpl_import(text)
    assert [wp.alt_m for wp in plan.route] == [42.0, 25.0]
    assert "converted from height above terrain" in plan.notes[0]


def test_heights_above_terrain_where_the_model_has_no_ground_are_refused_by_item(tmp_path, settings):
    path, _x0, _y0 = utm_dem(tmp_path / "small.tif", lambda dx, dy: 300.0 + 0 * dx, half_m=30.0)
    settings.DRONE_TERRAIN_DEM = str(path)
    error = problems_of(interop.plan_import, as_bytes(_terrain_plan()))
    assert str(error) == (
        "Mission item 3 (NAV_WAYPOINT (16)) gives its height above terrain (frame GLOBAL_TERRAIN_ALT (height above "
        "terrain)), and the terrain model has no ground at its position. Give the height 'Relative' (frame 3)."
    )


def test_heights_above_terrain_need_the_plans_home_position(tmp_path, settings):
    path, _x0, _y0 = utm_dem(tmp_path / "flat.tif", lambda dx, dy: 300.0 + 0 * dx)
    settings.DRONE_TERRAIN_DEM = str(path)
    plan = _terrain_plan()
    del plan["mission"]["plannedHomePosition"]
    error = problems_of(interop.plan_import, as_bytes(plan))
    assert "it is converted with the terrain model from the plan's home position, and the plan has none" in str(error)


def test_without_a_terrain_model_heights_above_terrain_are_still_refused(settings):
    settings.DRONE_TERRAIN_DEM = "none"
    error = problems_of(interop.plan_import, as_bytes(_terrain_plan()))
    assert "this system plans heights above the launch point without terrain data" in str(error)


@pytest.mark.django_db
def test_the_sample_terrain_is_small_marked_as_sample_and_flat_at_the_drones_base(tmp_path, settings):
    import io

    import rasterio
    from django.core.management import call_command

    from drones.sample import SIM_HOME

    settings.MAP_TILES_DIR = tmp_path
    settings.DRONE_TERRAIN_DEM = "sample"
    assert not terrain.terrain_available()  # the default finds nothing before the command has run
    out = io.StringIO()
    call_command("load_sample_terrain", stdout=out)
    assert "Sample terrain model: 1336 x 1136 cells of 30 m" in out.getvalue()
    path = tmp_path / terrain.SAMPLE_DEM_NAME
    assert path.stat().st_size < 600_000
    with rasterio.open(path) as dataset:
        assert "样例数据" in dataset.tags()["SAMPLE_DATA"] and dataset.res == (30.0, 30.0)
    home = terrain.ground_m([SIM_HOME[:2]])[0]
    assert home == pytest.approx(300, abs=15) and not math.isnan(home)
    again = io.StringIO()
    call_command("load_sample_terrain", stdout=again)
    assert again.getvalue().startswith("Sample terrain model is current")
