"""The preflight-check registry: other apps add blocking items to every flight's preflight without drones
importing them (``preflight_check_register`` in ``drones.missions.preflight``). Tested with a fake check."""

from __future__ import annotations

import pytest
from django.utils import timezone

from drones.missions import flights
from drones.missions import preflight as checklist
from drones.missions.preflight import CheckItem, preflight_check_register, preflight_check_unregister
from drones.missions.services import mission_save
from drones.models import ControlLock, Drone, Mission, Pilot
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ROUTE = [{"lat": 36.1853, "lon": 118.17, "alt_m": 20}, {"lat": 36.1853, "lon": 118.1705, "alt_m": 20}]


@pytest.fixture
def flight(monkeypatch):
    from common.roles import Role

    user = make_user(Role.DRONE_OPERATOR, username="registry-pilot")
    Pilot.objects.create(user=user, licence_no="L-REG", licence_expiry=timezone.localdate().replace(year=2099))
    drone = Drone.objects.create(name="R1", serial="SR1", connection="tcp:127.0.0.1:5799", home_lat=36.185,
                                 home_lon=118.17)  # fmt: skip
    now = timezone.now()
    ControlLock.objects.create(drone=drone, holder=user, acquired_at=now, renewed_at=now)
    mission = Mission(name="Registry", kind="free", drone=drone, waypoints=ROUTE)
    mission_save(mission=mission, actor=user)
    monkeypatch.setattr(flights, "_bridge", lambda drone, command, args, timeout_s=None: {"result": {"params": {}}})
    return flights.flight_create(mission=mission, actor=user)


@pytest.fixture
def fake_check():
    seen = []

    def check(flight):
        seen.append(flight.pk)
        if flight.approval_ref == "skip":
            return None
        ok = flight.approval_ref == "OK"
        return CheckItem("test:fake", "Fake paperwork", ok, "fine" if ok else "missing")

    preflight_check_register("test:fake", check)
    yield seen
    preflight_check_unregister("test:fake")


def _keys(flight):
    return [item.key for item in flights.flight_preflight(flight=flight, actor=flight.pilot, confirmed=True)]


def test_a_registered_check_adds_its_item_before_the_confirmation(flight, fake_check):
    items = flights.flight_preflight(flight=flight, actor=flight.pilot, confirmed=True)
    keys = [item.key for item in items]
    assert keys[-2:] == ["test:fake", "confirmed"] and fake_check == [flight.pk]
    fake = items[-2]
    assert not fake.ok and fake.detail == "missing"


def test_the_item_passes_when_the_check_says_so(flight, fake_check):
    flight.approval_ref = "OK"
    items = {i.key: i for i in flights.flight_preflight(flight=flight, actor=flight.pilot, confirmed=True)}
    assert items["test:fake"].ok


def test_a_check_that_returns_none_adds_no_item(flight, fake_check):
    flight.approval_ref = "skip"
    assert "test:fake" not in _keys(flight)


def test_a_check_that_raises_blocks_with_its_error(flight):
    def broken(flight):
        raise RuntimeError("boom")

    preflight_check_register("test:broken", broken)
    try:
        (item,) = [i for i in checklist.preflight_registered_items(flight) if i.key == "test:broken"]
    finally:
        preflight_check_unregister("test:broken")
    assert not item.ok and "RuntimeError" in item.detail


def test_registering_a_key_again_replaces_the_check_and_unregister_removes_it(flight):
    preflight_check_register("test:twice", lambda f: CheckItem("test:twice", "first", True, ""))
    preflight_check_register("test:twice", lambda f: CheckItem("test:twice", "second", True, ""))
    try:
        labels = [i.label for i in checklist.preflight_registered_items(flight) if i.key == "test:twice"]
    finally:
        preflight_check_unregister("test:twice")
    assert labels == ["second"]
    assert "test:twice" not in [i.key for i in checklist.preflight_registered_items(flight)]


def test_no_registered_check_leaves_the_checklist_as_it_was(flight):
    keys = _keys(flight)
    assert not [k for k in keys if k.startswith("test:")] and keys[-1] == "confirmed"
