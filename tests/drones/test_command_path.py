"""One command path: every command, from the live map or a flight page, checked, carried out,
mapped to an error and audited the same way, whatever its outcome.

The bridge is replaced by a fake ``call_bridge`` that answers as the real one does (or does
not answer); the real bridge and vehicle are exercised in test_commands.py and test_flight_api.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from common.errors import Conflict, NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from drones import services
from drones.bridge.protocol import BridgeUnavailable
from drones.commands import CommandFailed, CommandInvalid, drone_command, fence_problem
from drones.missions import flights as flight_services
from drones.models import Drone, Flight, Mission, Pilot
from tests.factories import make_user

HOME = (36.185, 118.17)
# A ~220 m square around HOME as uploaded (inclusion polygon, 4 vertices, x = lat, y = lon).
FENCE = [
    [5001, 0, HOME[0] + dy, HOME[1] + dx, 0.0, 4.0, 0.0, 0.0, 0.0, 1]
    for dy, dx in ((-0.001, -0.00125), (-0.001, 0.00125), (0.001, 0.00125), (0.001, -0.00125))
]


class FakeBridge:
    """Stands in for ``call_bridge``: records calls, answers with ``reply`` (or raises it)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.reply: dict[str, Any] | Exception = {"ok": True, "telemetry": {"armed": True}}
        self.during_call = None  # called inside the wait, to look at the caller's database state

    async def __call__(self, drone_id: int, command: str, args: dict[str, Any], *, timeout_s: float):
        self.calls.append((command, args))
        if self.during_call is not None:
            self.during_call()
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


@pytest.fixture
def bridge(monkeypatch) -> FakeBridge:
    fake = FakeBridge()
    monkeypatch.setattr("drones.commands.call_bridge", fake)
    monkeypatch.setattr("drones.missions.flights.call_bridge", fake)
    return fake


@pytest.fixture
def drone(db):
    return Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:5760")


@pytest.fixture
def pilot(db):
    user = make_user(Role.DRONE_OPERATOR, username="pilot1")
    Pilot.objects.create(user=user, licence_no="L1", licence_expiry=timezone.localdate() + dt.timedelta(days=30))
    return user


@pytest.fixture
def in_control(drone, pilot):
    services.control_lock_acquire(drone=drone, actor=pilot)
    return pilot


def flight_of(drone: Drone, pilot, status: str = Flight.Status.FLYING, **fields) -> Flight:
    mission = Mission.objects.create(name="M", drone=drone)
    return Flight.objects.create(mission=mission, drone=drone, pilot=pilot, status=status, **fields)


def audits(action: str) -> list[dict]:
    return [entry.after for entry in AuditLogEntry.objects.filter(action=action).order_by("id")]


# --- refusals: one audit entry each, with the reason ---------------------------------------------


def test_a_command_without_the_control_lock_is_refused_and_audited_once(drone, pilot, bridge):
    with pytest.raises(NotAllowed) as err:
        drone_command(drone=drone, actor=pilot, command="takeoff", args={"alt_m": 10})
    assert err.value.code == "no_control_lock" and "Take control of D1" in err.value.message
    (entry,) = audits("drone.command.takeoff")
    assert entry["ok"] is False and entry["refused"] is True and entry["error"]["code"] == "no_control_lock"
    assert bridge.calls == []


def test_an_expired_licence_refuses_a_take_off_with_one_audit_entry(drone, in_control, bridge):
    Pilot.objects.filter(user=in_control).update(licence_expiry=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(NotAllowed, match="licence L1 expired"):
        drone_command(drone=drone, actor=in_control, command="takeoff", args={"alt_m": 10})
    (entry,) = audits("drone.command.takeoff")
    assert entry["refused"] is True and entry["error"]["code"] == "licence_expired"
    assert entry["args"] == {"alt_m": 10}
    assert bridge.calls == []


def test_a_bad_argument_is_refused_with_one_audit_entry(drone, in_control, bridge):
    with pytest.raises(CommandInvalid, match="outside 1–120 m"):
        drone_command(drone=drone, actor=in_control, command="takeoff", args={"alt_m": 500})
    (entry,) = audits("drone.command.takeoff")
    assert entry["refused"] is True and entry["error"]["code"] == "invalid" and "120" in entry["error"]["message"]
    assert bridge.calls == []


def test_an_expired_control_lock_says_it_lapsed(drone, in_control, bridge, settings):
    from drones.models import ControlLock

    ControlLock.objects.update(renewed_at=timezone.now() - dt.timedelta(seconds=settings.DRONE_CONTROL_LOCK_S + 5))
    with pytest.raises(NotAllowed, match="lapsed"):
        drone_command(drone=drone, actor=in_control, command="land")
    assert audits("drone.command.land")[0]["error"]["code"] == "no_control_lock"


# --- failures after sending: code, message and HTTP status from what the vehicle said -----------


def test_a_vehicle_refusal_carries_the_mav_result_and_reasons_and_is_audited_once(drone, in_control, bridge):
    bridge.reply = {
        "ok": False,
        "error": {
            "code": "command_rejected",
            "message": "ARM rejected by the vehicle: FAILED (Arm: Throttle too high)",
            "command": "ARM",
            "result": "FAILED",
            "reasons": ["Arm: Throttle too high"],
        },
    }
    with pytest.raises(CommandFailed) as err:
        drone_command(drone=drone, actor=in_control, command="arm")
    assert err.value.code == "command_rejected" and err.value.http_status == 409
    assert "FAILED" in err.value.message and "Throttle too high" in err.value.message
    assert err.value.details[0]["result"] == "FAILED"
    (entry,) = audits("drone.command.arm")
    assert entry["ok"] is False and entry["refused"] is False and entry["error"]["result"] == "FAILED"


@pytest.mark.parametrize(
    ("reply", "code", "status", "text"),
    [
        (
            {"ok": False, "error": {"code": "timeout", "message": "LAND: no answer from the vehicle within 3 s"}},
            "timeout",
            504,
            "no answer",
        ),
        (
            {"ok": False, "error": {"code": "link_lost", "message": "no link to D1: no heartbeat"}},
            "link_lost",
            503,
            "link",
        ),
        (
            BridgeUnavailable("no telemetry bridge answered for drone 1 within 15 s"),
            "bridge_unavailable",
            503,
            "bridge",
        ),
    ],
)
def test_timeouts_lost_links_and_missing_bridges_map_to_their_code_and_status(
    drone, in_control, bridge, reply, code, status, text
):
    bridge.reply = reply
    with pytest.raises(CommandFailed) as err:
        drone_command(drone=drone, actor=in_control, command="land")
    assert (err.value.code, err.value.http_status) == (code, status)
    assert text in err.value.message and "land on D1 failed" in err.value.message
    (entry,) = audits("drone.command.land")
    assert entry["ok"] is False and entry["error"]["code"] == code


def test_the_api_answers_a_refusal_with_its_code_and_status(drone, in_control, bridge):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(in_control)
    url = reverse("drones_api:drone-command", args=[drone.pk])
    bridge.reply = {"ok": False, "error": {"code": "timeout", "message": "no answer from the vehicle within 3 s"}}
    response = client.post(url, {"command": "rtl"}, format="json")
    assert response.status_code == 504 and response.json()["code"] == "timeout"
    response = client.post(url, {"command": "goto", "args": {"lat": 91, "lon": 118, "alt_m": 20}}, format="json")
    assert response.status_code == 400 and "outside -90–90" in response.json()["detail"]
    assert len(audits("drone.command.rtl")) == 1 and len(audits("drone.command.goto")) == 1


# --- the fence: refused before sending, explained when the vehicle refuses ----------------------


def test_fence_problem_follows_inclusion_and_exclusion_items():
    assert fence_problem(FENCE, *HOME) is None
    assert "outside the inclusion fence" in fence_problem(FENCE, HOME[0] + 0.002, HOME[1])
    exclusion = [
        [5002, 0, HOME[0] + dy, HOME[1] + dx, 0, 3, 0, 0, 0, 1] for dy, dx in ((0, 0), (0.0005, 0), (0, 0.0005))
    ]
    assert "exclusion" in fence_problem(FENCE + exclusion, HOME[0] + 0.0001, HOME[1] + 0.0001)
    circle = [[5003, 0, HOME[0], HOME[1], 0, 50.0, 0, 0, 0, 1]]
    assert fence_problem(circle, HOME[0] + 0.0003, HOME[1]) is None  # ~33 m from the centre
    assert "circle" in fence_problem(circle, HOME[0] + 0.001, HOME[1])  # ~111 m


def test_a_goto_outside_the_uploaded_fence_is_refused_before_sending(drone, in_control, bridge):
    flight_of(drone, in_control, status=Flight.Status.COMPLETED, fence={"items": FENCE}, started_at=timezone.now())
    with pytest.raises(CommandInvalid) as err:
        drone_command(
            drone=drone, actor=in_control, command="goto", args={"lat": HOME[0] + 0.003, "lon": HOME[1], "alt_m": 20}
        )
    assert err.value.code == "outside_fence" and "outside the inclusion fence" in err.value.message
    assert bridge.calls == []
    assert audits("drone.command.goto")[0]["error"]["code"] == "outside_fence"
    drone_command(drone=drone, actor=in_control, command="goto", args={"lat": HOME[0], "lon": HOME[1], "alt_m": 20})
    assert [c for c, _ in bridge.calls] == ["goto"]


def test_a_fence_that_was_never_uploaded_does_not_limit_a_goto(drone, in_control, bridge):
    flight_of(drone, in_control, status=Flight.Status.FAILED, fence={"items": FENCE})  # failed before take-off
    drone_command(
        drone=drone, actor=in_control, command="goto", args={"lat": HOME[0] + 0.003, "lon": HOME[1], "alt_m": 20}
    )
    assert [c for c, _ in bridge.calls] == ["goto"]


def test_a_reposition_the_vehicle_fails_is_explained(drone, in_control, bridge):
    bridge.reply = {
        "ok": False,
        "error": {
            "code": "command_rejected",
            "message": "DO_REPOSITION rejected by the vehicle: FAILED",
            "result": "FAILED",
            "reasons": [],
        },
    }
    with pytest.raises(CommandFailed) as err:
        drone_command(drone=drone, actor=in_control, command="goto", args={"lat": HOME[0], "lon": HOME[1], "alt_m": 20})
    assert "DO_REPOSITION rejected by the vehicle: FAILED" in err.value.message
    assert "geofence" in err.value.message and "GUIDED" in err.value.message


# --- flight commands go the same way -------------------------------------------------------------


def test_a_flight_command_without_control_is_refused_and_audited(drone, pilot, bridge):
    flight = flight_of(drone, pilot)
    with pytest.raises(NotAllowed):
        flight_services.flight_command(flight=flight, actor=pilot, command="pause")
    (entry,) = audits("flight.pause")
    assert entry["refused"] is True and entry["error"]["code"] == "no_control_lock" and entry["command"] == "pause"
    assert AuditLogEntry.objects.get(action="flight.pause").object_type == "drones.flight"


def test_a_failing_flight_command_leaves_its_audit_entry_and_the_status(drone, in_control, bridge):
    flight = flight_of(drone, in_control)
    bridge.reply = {"ok": False, "error": {"code": "link_lost", "message": "no link to D1"}}
    with pytest.raises(CommandFailed) as err:
        flight_services.flight_command(flight=flight, actor=in_control, command="abort")
    assert err.value.http_status == 503 and err.value.code == "link_lost"
    (entry,) = audits("flight.abort")
    assert entry["ok"] is False and entry["command"] == "rtl" and entry["error"]["code"] == "link_lost"
    flight.refresh_from_db()
    assert flight.status == Flight.Status.FLYING


def test_a_failing_flight_command_through_the_api_keeps_its_audit_entry(drone, in_control, bridge):
    """The view opens no transaction around the service (no ATOMIC_REQUESTS), so the failure's
    audit entry is not rolled back with the request."""
    from django.conf import settings

    assert not settings.DATABASES["default"].get("ATOMIC_REQUESTS")
    flight = flight_of(drone, in_control)
    bridge.reply = {"ok": False, "error": {"code": "timeout", "message": "no answer"}}
    client = APIClient()
    client.force_authenticate(in_control)
    url = reverse("drones_api:flight-command", args=[flight.pk])
    response = client.post(url, {"command": "abort"}, format="json")
    assert response.status_code == 504 and response.json()["code"] == "timeout"
    assert audits("flight.abort")[0]["ok"] is False


def test_flight_commands_are_refused_when_the_flight_is_not_flying(drone, in_control, bridge):
    flight = flight_of(drone, in_control, status=Flight.Status.COMPLETED)
    with pytest.raises(Conflict) as err:
        flight_services.flight_command(flight=flight, actor=in_control, command="land")
    assert err.value.code == "not_flying" and err.value.http_status == 409
    assert audits("flight.land")[0]["error"]["code"] == "not_flying" and bridge.calls == []


def test_a_flight_command_is_sent_and_sets_the_status(drone, in_control, bridge):
    flight = flight_of(drone, in_control)
    flight = flight_services.flight_command(flight=flight, actor=in_control, command="pause")
    assert flight.status == Flight.Status.PAUSED and bridge.calls == [("pause", {})]
    (entry,) = audits("flight.pause")
    assert entry["ok"] is True and entry["error"] is None


def test_resuming_needs_a_valid_licence_like_any_flight_starting_command(drone, in_control, bridge):
    flight = flight_of(drone, in_control, status=Flight.Status.PAUSED)
    Pilot.objects.filter(user=in_control).update(licence_expiry=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(NotAllowed, match="expired"):
        flight_services.flight_command(flight=flight, actor=in_control, command="resume")
    flight_services.flight_command(flight=flight, actor=in_control, command="land")  # landing never needs one


def test_a_flight_start_without_control_is_refused_and_audited(drone, pilot, bridge):
    flight = flight_of(drone, pilot, status=Flight.Status.PREFLIGHT)
    with pytest.raises(NotAllowed):
        flight_services.flight_start(flight=flight, actor=pilot, confirmed=True)
    (entry,) = audits("flight.start.refused")
    assert entry["refused"] is True and entry["error"]["code"] == "no_control_lock"


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_bridge_is_awaited():
    drone = Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:5760")
    user = make_user(Role.DRONE_OPERATOR, username="p")
    Pilot.objects.create(user=user, licence_no="L", licence_expiry=timezone.localdate() + dt.timedelta(days=9))
    services.control_lock_acquire(drone=drone, actor=user)
    flight = flight_of(drone, user)
    caller = connections["default"]  # this thread's connection, the one the services use
    seen: list[bool] = []
    fake = FakeBridge()
    fake.reply = {"ok": False, "error": {"code": "timeout", "message": "no answer"}}
    fake.during_call = lambda: seen.append(caller.in_atomic_block)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("drones.commands.call_bridge", fake)
        with pytest.raises(CommandFailed):
            flight_services.flight_command(flight=flight, actor=user, command="abort")
    assert seen == [False]
    assert not transaction.get_connection().in_atomic_block
    assert AuditLogEntry.objects.filter(action="flight.abort").count() == 1


# --- cancelling a flight that never took off ------------------------------------------------------


def test_a_flight_in_preflight_can_be_cancelled_and_the_drone_flies_again(drone, in_control, bridge):
    flight = flight_of(drone, in_control, status=Flight.Status.PREFLIGHT)
    flight = flight_services.flight_cancel(flight=flight, actor=in_control)
    assert flight.status == Flight.Status.CANCELLED and flight.ended_at
    (entry,) = audits("flight.cancel")
    assert entry["ok"] is True
    assert not Flight.objects.filter(drone=drone, status__in=[*Flight.ACTIVE, Flight.Status.PREFLIGHT]).exists()
    assert bridge.calls == []


def test_a_starting_flight_is_cancelled_only_when_the_bridge_runs_no_mission(drone, in_control, bridge):
    flight = flight_of(drone, in_control, status=Flight.Status.STARTING)
    bridge.reply = {"ok": True, "result": {"active": True, "flight": flight.pk}}
    with pytest.raises(flight_services.FlightError) as err:
        flight_services.flight_cancel(flight=flight, actor=in_control)
    assert err.value.code == "mission_running"
    assert audits("flight.cancel")[0]["refused"] is True
    bridge.reply = {"ok": True, "result": {"active": False, "flight": None}}
    assert flight_services.flight_cancel(flight=flight, actor=in_control).status == Flight.Status.CANCELLED
    assert [c for c, _ in bridge.calls] == ["mission_state", "mission_state"]


def test_a_starting_flight_with_no_bridge_and_no_armed_vehicle_can_be_cancelled(drone, in_control, bridge):
    flight = flight_of(drone, in_control, status=Flight.Status.STARTING)
    bridge.reply = BridgeUnavailable("no telemetry bridge answered")
    assert flight_services.flight_cancel(flight=flight, actor=in_control).status == Flight.Status.CANCELLED


def test_a_flying_flight_cannot_be_cancelled(drone, in_control, bridge):
    flight = flight_of(drone, in_control)
    with pytest.raises(flight_services.FlightError) as err:
        flight_services.flight_cancel(flight=flight, actor=in_control)
    assert err.value.code == "not_cancellable" and "abort" not in audits("flight.cancel")[0]["error"]["message"]
    flight.refresh_from_db()
    assert flight.status == Flight.Status.FLYING


def test_only_the_operator_in_control_or_the_pilot_may_cancel(drone, pilot, bridge):
    other = make_user(Role.DRONE_OPERATOR, username="other")
    services.control_lock_acquire(drone=drone, actor=other)
    flight = flight_of(drone, pilot, status=Flight.Status.PREFLIGHT)
    third = make_user(Role.DRONE_OPERATOR, username="third")
    with pytest.raises(NotAllowed, match="other controls D1"):
        flight_services.flight_cancel(flight=flight, actor=third)
    with pytest.raises(NotAllowed):
        flight_services.flight_cancel(flight=flight, actor=make_user(Role.LEADERSHIP))
    assert flight_services.flight_cancel(flight=flight, actor=pilot).status == Flight.Status.CANCELLED
    assert [e["ok"] for e in audits("flight.cancel")] == [False, False, True]


def test_the_cancel_api(drone, in_control, bridge):
    flight = flight_of(drone, in_control, status=Flight.Status.PREFLIGHT)
    client = APIClient()
    client.force_authenticate(in_control)
    url = reverse("drones_api:flight-cancel", args=[flight.pk])
    response = client.post(url, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = client.post(url, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_cancellable"


def test_an_operator_abort_is_noted_for_the_flight_outcome(drone, in_control, bridge):
    flight = flight_of(drone, in_control)
    flight = flight_services.flight_command(flight=flight, actor=in_control, command="abort")
    assert flight.status == Flight.Status.RETURNING
    assert flight.outcome == Flight.Outcome.ABORTED and "pilot1" in flight.outcome_detail


def test_a_refused_abort_is_not_noted_as_the_outcome(drone, in_control, bridge):
    flight = flight_of(drone, in_control)
    bridge.reply = {"ok": False, "error": {"code": "link_lost", "message": "no link"}}
    with pytest.raises(CommandFailed):
        flight_services.flight_command(flight=flight, actor=in_control, command="abort")
    flight.refresh_from_db()
    assert flight.outcome == ""
