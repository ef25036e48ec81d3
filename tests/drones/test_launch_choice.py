"""Where a generated mission takes off (drones.missions.launch): the drone's home when the whole route is in
sight of it, else beside the route outside the crowd; a market street too long for any launch point gets the
best one and a note saying so, never a launch point its own line-of-sight check rejects in silence."""

from __future__ import annotations

import pytest
from shapely import geometry as shp

from common.roles import Role
from drones.missions.frame import LocalFrame
from drones.missions.launch import launch_choose
from drones.missions.markets import market_crowd_area
from drones.models import Drone, Market, Mission
from tests.factories import make_user

ORIGIN = (36.18, 118.17)
FRAME = LocalFrame(*ORIGIN)
OX, OY = FRAME.point_xy(*ORIGIN)


def at(x_m: float, y_m: float) -> tuple[float, float]:
    """The point x_m east and y_m north of the origin."""
    return FRAME.point_latlon(OX + x_m, OY + y_m)


def offset(point: tuple[float, float]) -> tuple[float, float]:
    x, y = FRAME.point_xy(*point)
    return x - OX, y - OY


def street(length_m: float) -> dict:
    """A straight east-west market street starting at the origin (GeoJSON, lon/lat)."""
    return {"type": "LineString", "coordinates": [[p[1], p[0]] for p in (at(0, 0), at(length_m, 0))]}


@pytest.fixture
def operator(client, db):
    user = make_user(Role.DRONE_OPERATOR, username="op")
    client.force_login(user)
    return user


def drone_far_west() -> Drone:
    home = at(-2000, 0)
    return Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:9", home_lat=home[0], home_lon=home[1]
    )


def generate(client, drone: Drone, market: Market):
    return client.post(
        "/drones/missions/",
        {"kind": "market_broadcast", "drone": drone.pk, "market": market.pk, "alt_m": 40, "laps": 1},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def test_home_is_kept_when_the_whole_route_is_in_sight():
    route = [at(100, 0), at(300, 0)]
    choice = launch_choose(route, home=at(0, -50), max_distance_m=500)
    assert choice.at_home and choice.in_sight and choice.point == at(0, -50)


def test_a_long_street_gets_a_launch_point_beside_its_middle_not_past_its_end():
    # 850 m: from 40 m past either end the far end is 890 m away; beside the middle it is about 427 m.
    route = [at(0, 0), at(850, 0), at(0, 0)]
    choice = launch_choose(route, home=at(-2000, 0), max_distance_m=500)
    assert choice.in_sight and not choice.at_home
    assert choice.farthest_m <= 450
    x, y = offset(choice.point)
    assert 380 < x < 470 and abs(y) >= 39.5


def test_a_candidate_inside_the_crowd_is_never_taken():
    crowd = shp.mapping(
        shp.Polygon([(p[1], p[0]) for p in (at(-100, -100), at(400, -100), at(400, 100), at(-100, 100))])
    )
    route = [at(0, 0), at(300, 0)]
    choice = launch_choose(route, home=at(150, 0), max_distance_m=500, candidates=[at(10, 10)], crowd=crowd)
    x, y = offset(choice.point)
    assert not (-100 <= x <= 400 and -100 <= y <= 100), "inside the crowd area"
    assert choice.in_sight


def test_no_launch_point_exists_for_a_street_longer_than_twice_the_limit():
    route = [at(0, 0), at(1500, 0), at(0, 0)]
    choice = launch_choose(route, home=None, max_distance_m=500)
    assert not choice.in_sight and 740 < choice.farthest_m < 760  # the best: beside the middle


def test_the_generated_market_mission_on_a_long_street_passes_its_own_line_of_sight_check(client, operator):
    drone = drone_far_west()
    market = Market.objects.create(name="Long street market (sample)", street=street(850))
    response = generate(client, drone, market)
    mission = Mission.objects.get()
    assert response.status_code == 200
    codes = {v["code"] for v in mission.validation.get("violations", [])}
    assert "line_of_sight" not in codes, mission.validation
    crowd = shp.shape(market_crowd_area(market))
    assert not crowd.covers(shp.Point(mission.launch_lon, mission.launch_lat))
    assert "No launch point" not in response.content.decode()


def test_a_street_too_long_for_any_launch_point_is_generated_with_a_note_saying_so(client, operator):
    drone = drone_far_west()
    market = Market.objects.create(name="Very long street (sample)", street=street(1500))
    response = generate(client, drone, market)
    mission = Mission.objects.get()
    page = response.content.decode()
    assert "No launch point outside the crowd keeps the whole route within 500 m line of sight" in page
    assert any("No launch point" in note for note in mission.params["notes"])
    assert "line_of_sight" in {v["code"] for v in mission.validation.get("violations", [])}
