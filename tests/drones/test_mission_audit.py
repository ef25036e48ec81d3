"""What the audit log keeps of a mission save: the fields as they are, the route and the other large
fields as an item count and a SHA-256, and which fields the save changed; never the route itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from common.models import AuditLogEntry
from common.roles import Role
from drones.missions.markets import CHINA_TZ
from drones.missions.services import mission_save
from drones.models import Drone, Mission
from tests.drones.airspace_helpers import LAUNCH, wp
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROUTE = [w.as_dict() for w in (wp(-100, 200, 30), wp(100, 200, 30), wp(100, 300, 30, hold_s=5))]


@pytest.fixture
def operator(db):
    return make_user(Role.DRONE_OPERATOR)


@pytest.fixture
def mission(operator) -> Mission:
    drone = Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:5760", home_lat=LAUNCH[0], home_lon=LAUNCH[1]
    )
    mission = Mission(
        name="M",
        drone=drone,
        waypoints=ROUTE,
        takeoff_alt_m=20,
        planned_start=dt.datetime(2027, 6, 8, 9, 0, tzinfo=CHINA_TZ),
    )
    mission_save(mission=mission, actor=operator)
    return mission


def sha256(value) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def entries() -> list[AuditLogEntry]:
    return list(AuditLogEntry.objects.filter(object_type="drones.mission").order_by("pk"))


def test_a_new_mission_is_recorded_with_its_route_counted_and_hashed(mission):
    (created,) = entries()
    assert created.action == "mission.create" and created.before is None
    assert created.after["waypoints"] == {"items": 3, "sha256": sha256(ROUTE)}
    assert created.after["name"] == "M" and created.after["drone_id"] == mission.drone_id
    assert created.after["status"] == Mission.Status.READY and created.after["violations"] == []
    assert created.after["operating_area"] is None and "changed" not in created.after


def test_an_edit_records_what_changed_and_not_the_route(mission, operator):
    moved = [*ROUTE[:2], wp(100, 320, 45).as_dict()]
    mission.waypoints = moved
    mission.takeoff_alt_m = 25.0
    mission_save(mission=mission, actor=operator, reason="moved the last point")
    updated = entries()[-1]
    assert updated.action == "mission.update" and updated.reason == "moved the last point"
    assert updated.before["waypoints"] == {"items": 3, "sha256": sha256(ROUTE)}
    assert updated.after["waypoints"] == {"items": 3, "sha256": sha256(moved)}
    assert (updated.before["takeoff_alt_m"], updated.after["takeoff_alt_m"]) == (20.0, 25.0)
    assert updated.after["changed"] == ["takeoff_alt_m", "waypoints"]
    recorded = json.dumps([updated.before, updated.after])
    assert str(ROUTE[0]["lat"]) not in recorded and "validation" not in recorded  # the route stays in the mission


def test_a_check_again_of_an_unchanged_mission_records_no_change(mission, operator):
    mission = Mission.objects.get(pk=mission.pk)  # planned_start comes back in UTC
    mission.planned_start = mission.planned_start.astimezone(CHINA_TZ)  # the same instant, another zone
    mission_save(mission=mission, actor=operator, reason="checked")
    checked = entries()[-1]
    assert checked.action == "mission.update" and checked.after["changed"] == []
    assert checked.before["waypoints"] == checked.after["waypoints"] == {"items": 3, "sha256": sha256(ROUTE)}
