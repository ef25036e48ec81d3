"""Operator commands: the checks, the control lock, the audit log, and the API end to end with a bridge."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
from django.urls import reverse
from django.utils import timezone

from common.errors import NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from common.tokens import api_token_create
from drones import services
from drones.commands import CommandFailed, CommandInvalid, check_drone_command, do_drone_command
from drones.models import ControlLock, Drone, Pilot
from tests.asgi_server import run_asgi_server
from tests.factories import make_user
from tests.sim import sim_fleet
from tests.waiting import wait_until


@pytest.fixture
def drone(db):
    return Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:5760")


@pytest.fixture
def pilot_user(db):
    user = make_user(Role.DRONE_OPERATOR, username="pilot1")
    Pilot.objects.create(user=user, licence_no="L1", licence_expiry=timezone.localdate() + dt.timedelta(days=30))
    return user


@pytest.fixture
def other_pilot(db):
    user = make_user(Role.DRONE_OPERATOR, username="pilot2")
    Pilot.objects.create(user=user, licence_no="L2", licence_expiry=timezone.localdate() + dt.timedelta(days=30))
    return user


def test_a_second_operator_is_refused_until_take_over_which_is_audited(drone, pilot_user, other_pilot):
    services.control_lock_acquire(drone=drone, actor=pilot_user)
    with pytest.raises(services.LockError) as err:
        services.control_lock_acquire(drone=drone, actor=other_pilot)
    assert err.value.code == "locked_by_other" and "pilot1" in err.value.message
    with pytest.raises(NotAllowed, match="controlled by pilot1"):
        check_drone_command(drone=drone, actor=other_pilot, command="land")
    services.control_lock_acquire(drone=drone, actor=other_pilot, take_over=True)
    assert ControlLock.objects.get(drone=drone).holder == other_pilot
    assert AuditLogEntry.objects.filter(action="drone.lock.take_over", actor=other_pilot).exists()
    with pytest.raises(services.LockError):
        services.control_lock_release(drone=drone, actor=pilot_user)


def test_an_expired_lock_frees_the_drone(drone, pilot_user, other_pilot, settings):
    lock = services.control_lock_acquire(drone=drone, actor=pilot_user)
    ControlLock.objects.filter(pk=lock.pk).update(renewed_at=timezone.now() - dt.timedelta(seconds=10_000))
    services.control_lock_acquire(drone=drone, actor=other_pilot)
    assert ControlLock.objects.get(drone=drone).holder == other_pilot


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("takeoff", {"alt_m": 150}, "outside 1–120 m"),
        ("takeoff", {}, "Missing argument alt_m"),
        ("takeoff", {"alt_m": "high"}, "must be a number"),
        ("goto", {"lat": 118.17, "lon": 36.18, "alt_m": 30}, "outside -90–90"),
        ("goto", {"lat": 48.85, "lon": 2.35, "alt_m": 30}, "outside China"),
        ("mode", {"mode": "ACRO"}, "cannot be chosen here"),
        ("selfdestruct", {}, "Unknown command"),
    ],
)
def test_bad_arguments_are_refused_before_any_radio_traffic(drone, pilot_user, command, args, message):
    services.control_lock_acquire(drone=drone, actor=pilot_user)
    with pytest.raises(CommandInvalid, match=message):
        check_drone_command(drone=drone, actor=pilot_user, command=command, args=args)


def test_role_lock_licence_and_drone_status_are_checked(drone, pilot_user):
    leader = make_user(Role.LEADERSHIP)
    with pytest.raises(NotAllowed, match="may not command"):
        check_drone_command(drone=drone, actor=leader, command="land")
    with pytest.raises(NotAllowed, match="Take control"):
        check_drone_command(drone=drone, actor=pilot_user, command="land")
    services.control_lock_acquire(drone=drone, actor=pilot_user)
    Pilot.objects.filter(user=pilot_user).update(licence_expiry=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(NotAllowed, match="licence L1 expired"):
        check_drone_command(drone=drone, actor=pilot_user, command="takeoff", args={"alt_m": 10})
    check_drone_command(drone=drone, actor=pilot_user, command="land")  # landing never needs a licence
    drone.status = Drone.Status.MAINTENANCE
    drone.save()
    with pytest.raises(NotAllowed, match="In maintenance"):
        check_drone_command(drone=drone, actor=pilot_user, command="land")


@pytest.mark.django_db(transaction=True)
def test_no_bridge_means_a_clear_failure_and_an_audit_entry(settings):
    settings.DRONE_COMMAND_TIMEOUT_S = 0.3
    drone = Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:5760")
    user = make_user(Role.DRONE_OPERATOR, username="p")
    Pilot.objects.create(user=user, licence_no="L", licence_expiry=timezone.localdate() + dt.timedelta(days=9))
    services.control_lock_acquire(drone=drone, actor=user)
    checked = check_drone_command(drone=drone, actor=user, command="rtl")
    with pytest.raises(CommandFailed) as err:
        asyncio.run(do_drone_command(checked, actor=user))
    assert err.value.code == "bridge_unavailable" and err.value.http_status == 503
    entry = AuditLogEntry.objects.get(action="drone.command.rtl")
    assert entry.actor == user and entry.after["ok"] is False


def http_json(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body or {}).encode(),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "en",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.mark.django_db(transaction=True)
def test_api_flight_through_the_embedded_bridge_take_control_take_off_land_all_audited(settings):
    """The embedded default end to end: uvicorn with lifespan starts the bridge in the web process."""
    settings.DRONE_BRIDGE_EMBEDDED = True
    user = make_user(Role.DRONE_OPERATOR, username="pilot")
    Pilot.objects.create(user=user, licence_no="L", licence_expiry=timezone.localdate() + dt.timedelta(days=9))
    token = api_token_create(user=user, name="test", actor=user)[1]
    with sim_fleet(1) as sim:
        drone = Drone.objects.create(name="D1", serial="S1", connection=sim.fleet.connection_strings[0])
        with run_asgi_server(lifespan="on") as base:
            command_url = base + reverse("drones_api:drone-command", args=[drone.pk])
            lock_url = base + reverse("drones_api:drone-lock", args=[drone.pk])
            status, body = http_json("POST", command_url, token, {"command": "takeoff", "args": {"alt_m": 10}})
            assert status == 403 and body["code"] == "no_control_lock"
            assert http_json("POST", lock_url, token)[0] == 200

            def took_off() -> dict | None:
                status, body = http_json("POST", command_url, token, {"command": "takeoff", "args": {"alt_m": 10}})
                assert status in (200, 409, 503), body  # the bridge connects and the vehicle boots first
                return body if status == 200 else None

            body = wait_until(took_off, 20, "a take-off the server accepts", period_s=0.5)
            assert body["telemetry"]["armed"]
            status, body = http_json("POST", command_url, token, {"command": "land"})
            assert status == 200 and body["telemetry"]["mode"] == "LAND"
            status, body = http_json("POST", command_url, token, {"command": "takeoff", "args": {"alt_m": 500}})
            assert status == 400 and "outside" in body["detail"]
    actions = list(AuditLogEntry.objects.filter(object_type="drones.drone").values_list("action", flat=True))
    assert {"drone.lock.acquire", "drone.command.takeoff", "drone.command.land"} <= set(actions)
    takeoffs = [
        e.after for e in AuditLogEntry.objects.filter(action="drone.command.takeoff", actor=user).order_by("id")
    ]
    # Refused without the lock, then (perhaps) refused by a booting vehicle, accepted, and refused at 500 m.
    assert takeoffs[0]["refused"] is True and takeoffs[0]["error"]["code"] == "no_control_lock"
    assert any(t["ok"] for t in takeoffs)
    assert takeoffs[-1]["refused"] is True and "outside" in takeoffs[-1]["error"]["message"]
