"""The map of a mission's check: drawn from the stored check while nothing it read has changed (the
planner page asks for it right after every save), checked again as soon as anything has: a zone, a
market session, the mission or its drone, the clock, the language. And what a check reads of the
markets: the schedules, and the street or area of those in session only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from common.roles import Role
from drones.airspace.services import airspace_save
from drones.missions import planning
from drones.missions.checks.results import Code
from drones.missions.markets import CHINA_TZ, market_crowds
from drones.models import Airspace, Drone, Market, Mission
from tests.drones.airspace_helpers import (
    LAUNCH,
    at,
    fresh_airspace_index,  # noqa: F401 - a fixture
    square_m,
    wp,
)
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_airspace_index")]

MARKET_DAY = dt.datetime(2026, 11, 9, 8, 0, tzinfo=CHINA_TZ)  # lunar 10/1, a 逢一六 market day
ROUTE = [w.as_dict() for w in (wp(-100, 200, 30), wp(100, 200, 30), wp(100, 300, 30))]


@pytest.fixture
def operator(client):
    user = make_user(Role.DRONE_OPERATOR, username="planner")
    client.force_login(user)
    return user


@pytest.fixture
def checks(monkeypatch) -> list[int]:
    """One entry per full check run (saves and maps alike)."""
    calls: list[int] = []
    real = planning.mission_check

    def counting(mission):
        calls.append(1)
        return real(mission)

    monkeypatch.setattr(planning, "mission_check", counting)
    return calls


def street_market(name: str = "大集", lunar_days=(1, 6, 11, 16, 21, 26)) -> Market:
    """A market whose street runs under the leg 2→3."""
    street = [[at(100, 240)[1], at(100, 240)[0]], [at(100, 260)[1], at(100, 260)[0]]]
    return Market.objects.create(
        name=name,
        kind="rural",
        lunar_days=list(lunar_days),
        street={"type": "LineString", "coordinates": street},
        min_alt_m=40,
    )


@pytest.fixture
def mission(operator, client) -> Mission:
    """Saved through the API as the planner page saves it: over a no-fly zone and a market in session."""
    street_market()
    airspace_save(zone=Airspace(name="看守所", kind="no_fly", geometry=square_m(0, 200, 20)), actor=operator)
    drone = Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:5760", home_lat=LAUNCH[0], home_lon=LAUNCH[1]
    )
    created = client.post(
        "/api/drones/missions/",
        {"name": "M", "drone": drone.pk, "waypoints": ROUTE, "takeoff_alt_m": 20, "planned_start": MARKET_DAY},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert created.status_code == 201, created.content[:1000]
    return Mission.objects.get(pk=created.json()["id"])


def draw(client, mission: Mission, language: str = "en") -> dict:
    response = client.get(reverse("drones_api:mission-map-layers", args=[mission.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content[:1000]
    return response.json()


def checked_now(mission: Mission) -> dict:
    """The map a new check of the mission as stored draws, as the API renders it."""
    mission = Mission.objects.select_related("drone").get(pk=mission.pk)
    with translation.override("en"):
        return json.loads(json.dumps(planning.mission_check(mission).geojson(), default=str))


def codes(geojson: dict) -> list[str]:
    return sorted(f["properties"]["code"] for f in geojson["features"] if f["properties"]["role"] == "violation")


def test_the_map_after_a_save_is_the_saved_check_not_a_second_one(client, mission, checks):
    response = client.patch(
        f"/api/drones/missions/{mission.pk}/",
        {"waypoints": [*ROUTE, wp(0, 350, 30).as_dict()]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and response.json()["status"] == Mission.Status.REJECTED
    assert len(checks) == 1
    drawn = draw(client, mission)
    assert len(checks) == 1  # the map came from the stored check
    assert drawn == checked_now(mission)
    assert set(codes(drawn)) == {Code.CROWD_TOO_LOW, Code.NO_FLY}


def _zone_moved(mission, operator):
    zone = Airspace.objects.get(name="看守所")
    zone.geometry = square_m(-300, -300, 20)
    airspace_save(zone=zone, actor=operator)


def _market_opened(mission, operator):
    Market.objects.update(lunar_days=[])  # no 大集 that day; a night market now instead
    market = street_market("夜市", lunar_days=())
    market.weekdays = [MARKET_DAY.weekday()]
    market.save()


def _mission_edited_elsewhere(mission, operator):
    Mission.objects.filter(pk=mission.pk).update(takeoff_alt_m=25, approval_ref="")
    Mission.objects.filter(pk=mission.pk).update(waypoints=ROUTE[:2])


def _drone_changed(mission, operator):
    Drone.objects.filter(pk=mission.drone_id).update(endurance_min=1)


@pytest.mark.parametrize(
    "change",
    [_zone_moved, _market_opened, _mission_edited_elsewhere, _drone_changed],
    ids=["a zone moved", "another market in session", "the mission edited elsewhere", "the drone's endurance"],
)
def test_the_map_checks_again_when_anything_the_check_read_changed(client, mission, operator, checks, change):
    before = draw(client, mission)
    assert checks == []
    change(mission, operator)
    drawn = draw(client, mission)
    assert len(checks) == 1
    assert drawn == checked_now(mission) and drawn != before


def test_the_map_checks_again_in_another_language(client, mission, checks):
    def messages(geojson: dict) -> list[str]:
        return [f["properties"]["message"] for f in geojson["features"] if f["properties"]["role"] == "violation"]

    english = draw(client, mission, "en")
    assert checks == []
    chinese = draw(client, mission, "zh-hans")
    assert len(checks) == 1
    assert codes(chinese) == codes(english) and messages(chinese) != messages(english)


def test_without_a_planned_start_the_map_follows_the_clock(client, operator, mission, checks, monkeypatch):
    Airspace.objects.all().delete()
    Market.objects.all().delete()
    starts = timezone.now() + dt.timedelta(hours=1)
    airspace_save(
        zone=Airspace(name="考点", kind="no_fly", geometry=square_m(0, 200, 20), valid_from=starts), actor=operator
    )
    response = client.patch(
        f"/api/drones/missions/{mission.pk}/",
        {"planned_start": None},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["status"] == Mission.Status.READY
    assert codes(draw(client, mission)) == [] and len(checks) == 1
    later = starts + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert codes(draw(client, mission)) == [Code.NO_FLY]  # the zone came into force since the save
    assert len(checks) == 2


def test_the_basis_of_a_saved_mission_is_the_basis_of_it_read_back(mission):
    stored = mission.validation["basis"]
    assert stored and planning.mission_check_basis(Mission.objects.get(pk=mission.pk)) == stored


def test_a_check_reads_the_street_or_area_of_the_markets_in_session_only(mission):
    street_market("夜市", lunar_days=())  # never in session
    with CaptureQueriesContext(connection) as queries:
        crowds = market_crowds(MARKET_DAY)
    assert [name for _polygon, _min_alt, name in crowds] == ["大集"]
    assert len(queries) == 2
    assert all('"street"' not in q["sql"] and '"area"' not in q["sql"] for q in queries[:1])
    with CaptureQueriesContext(connection) as queries:
        assert market_crowds(MARKET_DAY + dt.timedelta(days=1)) == []
    assert len(queries) == 1
