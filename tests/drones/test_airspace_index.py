"""The cached airspace index of the mission checks: the same answers as a fresh build, rebuilt whenever
the zones change (here, in an import, in another process, after a cache flush or a rollback), and zones
with a validity window judged at the mission's time. Runs on SQLite and, with DATABASE_URL and
REDIS_URL, on PostgreSQL with the version in Redis."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import redis.exceptions
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from drones.airspace import index as airspace_index_module
from drones.airspace.index import (
    VERSION_KEY,
    airspace_changed,
    airspace_index,
    airspace_version,
)
from drones.airspace.services import airspace_save, airspace_set_active
from drones.missions.checks.results import Code
from drones.missions.checks.run import check_route
from drones.missions.checks.zones import AirspaceIndex
from drones.missions.markets import CHINA_TZ
from drones.missions.planning import mission_check, mission_items, mission_speed
from drones.missions.route import parse_route
from drones.models import Airspace, Drone, Mission
from imports import services as imports
from tests.drones.airspace_helpers import (
    LAUNCH,
    fresh_airspace_index,  # noqa: F401 - a fixture
    square_m,
    wp,
)
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_airspace_index")]

PLANNED = dt.datetime(2027, 6, 8, 9, 0, tzinfo=CHINA_TZ)  # during the exam week below
ON_ROUTE = square_m(0, 200, 20)  # under the leg 1→2
OFF_ROUTE = square_m(-300, -300, 20)


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """One entry per index built from the database."""
    calls: list[int] = []
    real = airspace_index_module._build

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(airspace_index_module, "_build", counting)
    return calls


@pytest.fixture
def operator(db):
    return make_user(Role.DRONE_OPERATOR)


@pytest.fixture
def mission(db) -> Mission:
    drone = Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:5760", home_lat=LAUNCH[0], home_lon=LAUNCH[1]
    )
    route = [w.as_dict() for w in (wp(-100, 200, 30), wp(100, 200, 30), wp(100, 300, 30))]
    return Mission.objects.create(name="M", drone=drone, waypoints=route, takeoff_alt_m=20, planned_start=PLANNED)


def zone_save(actor, name: str, geometry: dict, **fields) -> Airspace:
    return airspace_save(
        zone=Airspace(name=name, kind=fields.pop("kind", "no_fly"), geometry=geometry, **fields), actor=actor
    )


def found(mission: Mission) -> list[tuple[str, str]]:
    """(code, zone) of every violation and notice of the check the API runs."""
    result = mission_check(mission)
    return [(v.code, v.zone) for v in [*result.violations, *result.notices]]


def comparable(result) -> dict:
    answer = result.as_dict()
    answer.pop("checked_at", None)
    answer.pop("basis", None)  # what the check read, which ``check_route`` on zones at hand does not record
    return json.loads(json.dumps(answer))


def test_a_cached_index_gives_what_a_fresh_build_gives(operator, mission, builds):
    zone_save(operator, "看守所", ON_ROUTE)
    zone_save(operator, "水库", square_m(100, 250, 15), kind="restricted")
    zone_save(operator, "广场", square_m(100, 300, 30), kind="crowd", min_alt_m=40)
    zone_save(operator, "远处", OFF_ROUTE)
    zone_save(operator, "考点", square_m(-100, 250, 10), valid_from=PLANNED + dt.timedelta(days=30))

    first = mission_check(mission)
    second = mission_check(mission)

    assert len(builds) == 1
    in_force = [z for z in Airspace.objects.filter(active=True) if z.in_force(PLANNED)]
    route = parse_route(mission.waypoints)
    fresh = check_route(
        route,
        launch=LAUNCH,
        takeoff_alt_m=mission.takeoff_alt_m,
        speed_mps=mission_speed(mission),
        drone_endurance_min=mission.drone.endurance_min,
        airspaces=AirspaceIndex(in_force),
        item_count=len(mission_items(mission, route)),
    )
    assert comparable(second) == comparable(first) == comparable(fresh)
    assert {v.zone for v in first.violations} >= {"看守所", "水库", "广场"}  # every kind was exercised
    assert "考点" not in {v.zone for v in first.violations}


def test_creating_editing_lifting_and_deleting_a_zone_each_rebuild(operator, mission, builds):
    assert found(mission) == []
    zone = zone_save(operator, "看守所", ON_ROUTE)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    zone.geometry = OFF_ROUTE
    airspace_save(zone=zone, actor=operator)
    assert found(mission) == []
    zone.geometry = ON_ROUTE
    airspace_save(zone=zone, actor=operator)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    airspace_set_active(zone=zone, active=False, actor=operator)
    assert found(mission) == []
    airspace_set_active(zone=zone, active=True, actor=operator)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    zone.delete()
    assert found(mission) == []
    assert len(builds) == 7


def geojson(features: list[tuple[dict, dict]]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        },
        ensure_ascii=False,
    ).encode()


def test_an_import_creating_or_moving_a_zone_rebuilds(operator, mission):
    def run(geometry):
        batch = imports.import_batch_run(
            kind="airspace",
            crs="wgs84",
            filename="zones.geojson",
            content=geojson([({"name": "看守所", "kind": "禁飞区"}, geometry)]),
            actor=operator,
            dry_run=False,
        )
        assert batch.report["problems"] == []

    assert found(mission) == []
    run(ON_ROUTE)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    run(OFF_ROUTE)  # the same zone, updated in bulk
    assert Airspace.objects.count() == 1
    assert found(mission) == []


def test_a_write_by_another_process_without_a_shared_cache_is_seen(operator, mission, builds):
    zone = zone_save(operator, "看守所", ON_ROUTE)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    token = cache.get(VERSION_KEY)
    # Another process saves the zone: the row changes, but its version bump went to its own cache.
    Airspace.objects.filter(pk=zone.pk).update(geometry=OFF_ROUTE, updated_at=timezone.now())
    assert cache.get(VERSION_KEY) == token
    assert found(mission) == []
    assert len(builds) == 2


def test_a_version_moved_in_the_shared_cache_rebuilds_even_when_the_table_looks_the_same(
    operator, mission, builds, django_capture_on_commit_callbacks
):
    zone = zone_save(operator, "看守所", ON_ROUTE)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    fingerprint = airspace_version().fingerprint
    # A write the table's fingerprint cannot see (no updated_at), announced through the shared cache.
    Airspace.objects.filter(pk=zone.pk).update(geometry=OFF_ROUTE)
    assert airspace_version().fingerprint == fingerprint
    found(mission)
    assert len(builds) == 1  # nothing told this process yet
    with django_capture_on_commit_callbacks(execute=True):
        airspace_changed()  # what that process's commit does, through Redis in production
    assert found(mission) == []
    assert len(builds) == 2


def test_a_flushed_cache_rebuilds(operator, mission, builds):
    zone = zone_save(operator, "看守所", ON_ROUTE)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    Airspace.objects.filter(pk=zone.pk).update(geometry=OFF_ROUTE)
    cache.clear()
    assert found(mission) == []
    assert len(builds) == 2


def test_a_rolled_back_edit_leaves_no_stale_index(operator, mission):
    zone = zone_save(operator, "看守所", ON_ROUTE)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    with pytest.raises(RuntimeError), transaction.atomic():
        zone.geometry = OFF_ROUTE
        airspace_save(zone=zone, actor=operator)
        assert found(mission) == []  # this transaction sees its own edit
        raise RuntimeError("rolled back")
    assert found(mission) == [(Code.NO_FLY, "看守所")]


def test_the_shared_version_moves_on_commit_only(operator, django_capture_on_commit_callbacks):
    airspace_version()  # a token to move
    before = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            zone_save(operator, "看守所", ON_ROUTE)
            raise RuntimeError("rolled back")
    assert cache.get(VERSION_KEY) == before
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        zone = zone_save(operator, "看守所", ON_ROUTE)
        assert cache.get(VERSION_KEY) == before  # not before the commit
    assert callbacks and cache.get(VERSION_KEY) != before
    moved = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        zone.delete()
    assert cache.get(VERSION_KEY) != moved


def test_zones_with_a_validity_window_are_judged_at_the_missions_time(operator, mission, builds):
    exam_week = {
        "valid_from": dt.datetime(2027, 6, 7, 7, 0, tzinfo=CHINA_TZ),
        "valid_until": dt.datetime(2027, 6, 10, tzinfo=CHINA_TZ),
    }
    zone_save(operator, "考点", ON_ROUTE, **exam_week)
    zone_save(operator, "集会", square_m(100, 250, 30), kind="crowd", min_alt_m=60, **exam_week)
    in_force = {(Code.CROWD_TOO_LOW, "集会"), (Code.NO_FLY, "考点")}
    assert set(found(mission)) == in_force
    for start in (exam_week["valid_from"] - dt.timedelta(minutes=1), exam_week["valid_until"]):
        mission.planned_start = start
        assert found(mission) == []
    mission.planned_start = exam_week["valid_until"] - dt.timedelta(minutes=1)
    assert set(found(mission)) == in_force
    assert len(builds) == 1  # one index, every time answered from it
    index = airspace_index()
    assert [name for _g, _m, name in index.in_force_at(PLANNED).crowds] == ["集会"]
    assert (
        index.in_force_at(exam_week["valid_until"]).crowds == []
        and len(index.in_force_at(exam_week["valid_until"])) == 0
    )


def test_a_zone_edited_on_its_page_changes_the_next_check_through_the_api(operator, mission, client):
    zone = zone_save(operator, "考点", ON_ROUTE)
    client.force_login(operator)
    check_url = reverse("drones_api:mission-check", args=[mission.pk])
    assert client.post(check_url).json()["status"] == Mission.Status.REJECTED
    response = client.post(
        reverse("drones:airspace_edit", args=[zone.pk]),
        {"name": zone.name, "kind": zone.kind, "active": "on", "valid_until": "2027-06-01T00:00", "notes": ""},
    )
    assert response.status_code == 302, response.content[:2000]
    checked = client.post(check_url).json()
    assert checked["status"] == Mission.Status.READY, checked["validation"]


class _BrokenCache:
    """A cache whose server went away: every call raises what the client raises then."""

    def __init__(self, error: Exception):
        self.error = error
        self.calls = 0

    def _fail(self, *args, **kwargs):
        self.calls += 1
        raise self.error

    get = add = set = incr = delete = _fail


UNREACHABLE_REDIS = RedisCache("redis://127.0.0.1:1/0", {})  # nothing listens on port 1: refused at once


@pytest.fixture
def cache_down(monkeypatch, request):
    """The index's cache fails as ``request.param`` says (a real Redis client on a closed port by default)."""
    broken = getattr(request, "param", UNREACHABLE_REDIS)
    monkeypatch.setattr(airspace_index_module, "cache", broken)
    monkeypatch.setattr(airspace_index_module, "_cache_down", False)
    return broken


@pytest.mark.parametrize(
    "cache_down",
    [
        UNREACHABLE_REDIS,
        _BrokenCache(redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")),
        _BrokenCache(redis.exceptions.TimeoutError("Timeout reading from socket")),
        _BrokenCache(ConnectionRefusedError(111, "Connection refused")),
    ],
    indirect=True,
    ids=["redis-on-a-closed-port", "redis-connection-error", "redis-timeout", "socket-refused"],
)
def test_an_unreachable_cache_leaves_the_checks_to_the_tables_fingerprint(
    operator, mission, builds, cache_down, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger=airspace_index_module.__name__)
    assert found(mission) == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        zone = zone_save(operator, "看守所", ON_ROUTE)  # the version cannot be moved: the save stands
    assert callbacks and Airspace.objects.filter(pk=zone.pk).exists()
    assert found(mission) == [(Code.NO_FLY, "看守所")]  # seen by the fingerprint
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    assert len(builds) == 2  # one per zones table seen, none per check
    Airspace.objects.filter(pk=zone.pk).update(geometry=OFF_ROUTE, updated_at=timezone.now())
    assert found(mission) == []
    outage = [r for r in caplog.records if r.name == airspace_index_module.__name__]
    assert len(outage) == 1 and "unreachable" in outage[0].getMessage()  # once, not once per check


def test_a_cache_back_after_an_outage_shares_the_version_again(
    operator, mission, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger=airspace_index_module.__name__)
    monkeypatch.setattr(airspace_index_module, "_cache_down", False)
    monkeypatch.setattr(airspace_index_module, "cache", UNREACHABLE_REDIS)
    zone = zone_save(operator, "看守所", ON_ROUTE)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    monkeypatch.setattr(airspace_index_module, "cache", cache)
    assert found(mission) == [(Code.NO_FLY, "看守所")]
    assert cache.get(VERSION_KEY) is not None  # a token again, so a move through it is heard
    Airspace.objects.filter(pk=zone.pk).update(geometry=OFF_ROUTE)  # unseen by the fingerprint
    with django_capture_on_commit_callbacks(execute=True):
        airspace_changed()  # what another process's commit does
    assert found(mission) == []
    messages = [r.getMessage() for r in caplog.records if r.name == airspace_index_module.__name__]
    assert len(messages) == 2 and "reachable again" in messages[1]
