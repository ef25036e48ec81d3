"""The control lock as the pages use it: take, renew (idempotent, one statement), see, lose, take back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from common.models import AuditLogEntry
from common.roles import Role
from drones import services
from drones.models import ControlLock, Drone, Flight, Mission
from tests.factories import make_user


@pytest.fixture
def drone(db):
    return Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:5760")


@pytest.fixture
def operator(db):
    return make_user(Role.DRONE_OPERATOR, username="op1")


@pytest.fixture
def other(db):
    return make_user(Role.DRONE_OPERATOR, username="op2")


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def lock_url(drone: Drone) -> str:
    return reverse("drones_api:drone-lock", args=[drone.pk])


def test_taking_control_answers_the_holder_and_the_expiry(drone, operator, settings):
    response = client_for(operator).post(lock_url(drone), {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["holder"] == "op1" and body["is_mine"] is True
    assert body["expires_in_s"] == settings.DRONE_CONTROL_LOCK_S
    expires = parse_datetime(body["expires_at"])
    assert expires - parse_datetime(body["renewed_at"]) == dt.timedelta(seconds=settings.DRONE_CONTROL_LOCK_S)


def test_renewing_is_idempotent_and_pushes_the_expiry_back(drone, operator):
    client = client_for(operator)
    first = client.post(lock_url(drone), {}, format="json").json()
    ControlLock.objects.update(renewed_at=timezone.now() - dt.timedelta(seconds=30))
    again = [client.post(lock_url(drone), {}, format="json") for _ in range(3)]
    assert all(r.status_code == 200 for r in again)
    last = again[-1].json()
    assert last["acquired_at"] == first["acquired_at"] and last["holder"] == "op1"
    assert parse_datetime(last["expires_at"]) > parse_datetime(first["expires_at"]) - dt.timedelta(seconds=1)
    assert AuditLogEntry.objects.filter(action="drone.lock.acquire").count() == 1  # renewals are not audited


def test_a_renewal_is_one_update_without_a_locking_read(drone, operator):
    services.control_lock_acquire(drone=drone, actor=operator)
    with CaptureQueriesContext(connection) as queries:
        services.control_lock_acquire(drone=drone, actor=operator)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    statements = [s for s in statements if s not in ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")]
    # Written before anything is read: no read-then-write window for another writer to slip into.
    assert statements[0] == "UPDATE" and statements.count("UPDATE") == 1 and "INSERT" not in statements


def test_a_lapsed_lock_is_taken_again_and_audited(drone, operator, settings):
    services.control_lock_acquire(drone=drone, actor=operator)
    ControlLock.objects.update(renewed_at=timezone.now() - dt.timedelta(seconds=settings.DRONE_CONTROL_LOCK_S + 1))
    lock = services.control_lock_acquire(drone=drone, actor=operator)
    assert not lock.expired() and lock.acquired_at == lock.renewed_at
    assert AuditLogEntry.objects.filter(action="drone.lock.acquire").count() == 2


def test_after_a_take_over_the_old_holders_renewal_is_refused_not_stolen_back(drone, operator, other):
    services.control_lock_acquire(drone=drone, actor=operator)
    services.control_lock_acquire(drone=drone, actor=other, take_over=True)
    response = client_for(operator).post(lock_url(drone), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "locked_by_other"
    assert "op2" in response.json()["detail"]
    assert ControlLock.objects.get(drone=drone).holder == other


def test_watchers_see_who_controls_a_drone_but_cannot_take_it(drone, operator):
    services.control_lock_acquire(drone=drone, actor=operator)
    leader = client_for(make_user(Role.LEADERSHIP))
    body = leader.get(lock_url(drone)).json()
    assert body["holder"] == "op1" and body["is_mine"] is False and body["expires_in_s"] > 0
    assert leader.post(lock_url(drone), {}, format="json").status_code == 403


def test_a_free_drone_has_no_holder(drone, operator):
    body = client_for(operator).get(lock_url(drone)).json()
    assert body == {
        "holder": None,
        "acquired_at": None,
        "renewed_at": None,
        "expires_at": None,
        "expires_in_s": 0,
        "is_mine": False,
    }


def test_the_flight_shows_the_control_state_of_its_drone(drone, operator, other, settings):
    mission = Mission.objects.create(name="M", drone=drone)
    flight = Flight.objects.create(mission=mission, drone=drone, pilot=operator, status=Flight.Status.FLYING)
    url = reverse("drones_api:flight-detail", args=[flight.pk])
    assert client_for(operator).get(url).json()["control"]["holder"] is None
    services.control_lock_acquire(drone=drone, actor=operator)
    mine = client_for(operator).get(url).json()["control"]
    assert mine["holder"] == "op1" and mine["is_mine"] is True and mine["expires_at"]
    theirs = client_for(other).get(url).json()["control"]
    assert theirs["holder"] == "op1" and theirs["is_mine"] is False
    ControlLock.objects.update(renewed_at=timezone.now() - dt.timedelta(seconds=settings.DRONE_CONTROL_LOCK_S + 1))
    assert client_for(operator).get(url).json()["control"]["holder"] is None  # lapsed: shown as lost
    listed = client_for(operator).get(reverse("drones_api:flight-list")).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["control"]["is_mine"] is False
