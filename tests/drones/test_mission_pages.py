"""The mission and flight pages' server side: the point-broadcast form, the flight page's control settings."""

from __future__ import annotations

import pytest

from common.roles import Role
from drones.missions.services import mission_save
from drones.models import Drone, Flight, Mission
from tests.factories import make_user

HOME = (36.185, 118.17)


@pytest.fixture
def drone(db):
    return Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:9", home_lat=HOME[0], home_lon=HOME[1]
    )


@pytest.fixture
def operator(client):
    user = make_user(Role.DRONE_OPERATOR, username="op")
    client.force_login(user)
    return user


def _form(drone: Drone, **fields) -> dict:
    return {"kind": "point_broadcast", "drone": drone.pk, "alt_m": 30, **fields}


def test_point_broadcast_form_generates_a_mission_hovering_at_each_point(client, drone, operator):
    points = f"{HOME[0] + 0.0005}, {HOME[1]}\n{HOME[0] + 0.0005}，{HOME[1] + 0.0005}"  # a Chinese comma too
    response = client.post("/drones/missions/", _form(drone, points=points, hold_s=25))
    mission = Mission.objects.get()
    assert response.status_code == 302 and response.url == f"/drones/missions/{mission.pk}/"
    assert mission.kind == "point_broadcast"
    assert [w.get("hold_s") for w in mission.waypoints].count(25) == 2


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("36.18 north", "Point 1: write it as"),
        ("36.1855, 118.17\n95, 118.17", "Point 2 is not on the earth."),
        ("", "Give at least one point to broadcast at."),
    ],
)
def test_point_broadcast_form_refuses_bad_points_with_the_reason_and_writes_nothing(
    client, drone, operator, points, message
):
    response = client.post("/drones/missions/", _form(drone, points=points), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Mission.objects.exists()


def test_flight_page_renews_control_as_often_as_the_live_map(client, drone, operator, settings):
    settings.DRONE_CONTROL_LOCK_S = 90
    mission = Mission(name="M", kind="free", drone=drone, waypoints=[{"lat": 36.1853, "lon": 118.17, "alt_m": 20}])
    mission_save(mission=mission, actor=operator)
    flight = Flight.objects.create(mission=mission, drone=drone, pilot=operator)
    page = client.get(f"/drones/flights/{flight.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-lock-renew-s="30"' in page and 'data-username="op"' in page
    assert 'id="btn-lock"' in page and 'id="btn-cancel"' in page
    assert "js/drone_lock.js" in page and 'id="drone-alerts"' in page


def test_the_pages_call_an_update_delayed_with_the_servers_limit(client, drone, operator, settings):
    settings.DRONE_LIVE_DELAYED_S, settings.DRONE_LIVE_UNSEEN_DELAY_S = 2.0, 0.25
    mission = Mission(name="M", kind="free", drone=drone, waypoints=[{"lat": 36.1853, "lon": 118.17, "alt_m": 20}])
    mission_save(mission=mission, actor=operator)
    flight = Flight.objects.create(mission=mission, drone=drone, pilot=operator)
    for url in (f"/drones/flights/{flight.pk}/", "/drones/map/"):
        assert 'data-delayed-ms="1750"' in client.get(url).content.decode(), url
