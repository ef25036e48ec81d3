"""A mission from plan to landing through the API and the embedded bridge, flying the simulator.

Speed-up 3, not 10: with the GCS failsafe enabled (the checklist requires it),
ArduCopter declares the ground station lost after 5 s of *vehicle* time
without its 1 Hz heartbeat, which at speed-up 10 would be half a wall second.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from common.models import AuditLogEntry
from common.roles import Role
from common.tokens import api_token_create
from drones.models import Drone, DroneEvent, Flight, Mission, Pilot
from tests.asgi_server import run_asgi_server
from tests.factories import make_user
from tests.sim import sim_fleet
from tests.waiting import wait_until

HOME = (36.185, 118.17)


def call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        method=method,
        data=data,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept-Language": "en"},
    )
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def raw(url: str, token: str) -> str:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def route(lat: float, lon: float) -> list[dict]:
    return [
        {"lat": lat + 0.0005, "lon": lon, "alt_m": 20, "speaker": True},
        {"lat": lat + 0.0005, "lon": lon + 0.0006, "alt_m": 20},
        {"lat": lat, "lon": lon + 0.0006, "alt_m": 20, "speaker": False},
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_plan_check_preflight_fly_and_log_a_mission(settings):
    settings.DRONE_BRIDGE_EMBEDDED = True
    user = make_user(Role.DRONE_OPERATOR, username="pilot")
    Pilot.objects.create(user=user, licence_no="L", licence_expiry=timezone.localdate() + dt.timedelta(days=9))
    token = api_token_create(user=user, name="test", actor=user)[1]
    with sim_fleet(1, speedup=3.0) as sim:
        drone = Drone.objects.create(
            name="D1",
            serial="S1",
            connection=sim.fleet.connection_strings[0],
            payloads=["loudspeaker"],
            home_lat=HOME[0],
            home_lon=HOME[1],
        )
        with run_asgi_server(lifespan="on") as base:
            api = base + "/api/drones"
            # Plan: an altitude over the ceiling is rejected with the waypoint named; fixed, it passes.
            bad = route(*HOME)
            bad[1]["alt_m"] = 150
            status, mission = call(
                "POST",
                f"{api}/missions/",
                token,
                {"name": "Test", "kind": "free", "drone": drone.pk, "waypoints": bad, "takeoff_alt_m": 20},
            )
            assert status == 201, mission
            assert mission["status"] == "rejected"
            ceiling = [v for v in mission["validation"]["violations"] if v["code"] == "ceiling"]
            assert ceiling and ceiling[0]["waypoint"] == 1 and "120" in ceiling[0]["message"]
            status, mission = call("PATCH", f"{api}/missions/{mission['id']}/", token, {"waypoints": route(*HOME)})
            assert status == 200 and mission["status"] == "ready", mission["validation"]
            # A flight needs the control lock.
            status, body = call("POST", f"{api}/missions/{mission['id']}/fly/", token)
            assert status == 403 and body["code"] == "no_control_lock"
            assert call("POST", f"{api}/drones/{drone.pk}/lock/", token, {})[0] == 200
            status, flight = call("POST", f"{api}/missions/{mission['id']}/fly/", token)
            assert status == 201, flight
            fid = flight["id"]
            # Preflight: wait for the bridge and the vehicle, then see what blocks.
            deadline = time.monotonic() + 30
            while True:
                status, checklist = call("POST", f"{api}/flights/{fid}/preflight/", token, {"confirmed": True})
                items = {i["key"]: i for i in checklist["items"]}
                if items["link"]["ok"] and items["ekf"]["ok"] and items["gps"]["ok"] or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert not checklist["ok"]
            assert not items["param:FS_GCS_ENABLE"]["ok"] and items["param:FS_GCS_ENABLE"]["fixable"]
            assert not items["approval"]["ok"]
            status, body = call("POST", f"{api}/flights/{fid}/start/", token, {"confirmed": True})
            assert status == 409 and body["code"] == "preflight_failed"
            assert {e["key"] for e in body["errors"]} >= {"param:FS_GCS_ENABLE", "approval"}
            # Fix what the system can fix, record the approval, confirm, start.
            status, fixed = call("POST", f"{api}/flights/{fid}/fix-params/", token)
            assert status == 200 and fixed["params"]["FS_GCS_ENABLE"] == 1 and fixed["params"]["FENCE_ENABLE"] == 1
            assert call("POST", f"{api}/flights/{fid}/approval/", token, {"approval_ref": "SAMPLE-2026-001"})[0] == 200
            status, flight = call("POST", f"{api}/flights/{fid}/start/", token, {"confirmed": True})
            assert status == 200, flight
            assert flight["status"] in ("flying", "starting")
            assert flight["fence"]["items"], "the operating area is uploaded as an inclusion fence"
            # Another mission on the same drone is refused while it flies.
            status, body = call("POST", f"{api}/missions/{mission['id']}/fly/", token)
            assert status == 409 and body["code"] == "drone_busy"

            def ended() -> dict | None:
                flight = call("GET", f"{api}/flights/{fid}/", token)[1]
                return flight if flight["status"] in ("completed", "aborted", "failed") else None

            flight = wait_until(ended, 120, "the flight to end", period_s=0.5)
            assert flight["status"] == "completed", flight
            status, log = call("GET", f"{api}/flights/{fid}/log/", token)
            assert status == 200 and log["stats"]["distance_m"] > 100 and log["stats"]["max_alt_m"] > 15
            assert log["stats"]["broadcast_s"] > 0
            gpx = raw(f"{api}/flights/{fid}/export/?type=gpx", token)
            assert gpx.startswith("<?xml") and gpx.count("<trkpt") >= 10
    flight = Flight.objects.get(pk=fid)
    assert flight.reached_items and flight.ended_at and flight.started_at
    assert DroneEvent.objects.filter(drone=drone, kind="reached").exists()
    actions = set(AuditLogEntry.objects.filter(actor=user).values_list("action", flat=True))
    assert {
        "mission.create",
        "flight.create",
        "flight.start.refused",
        "drone.params.set",
        "flight.approval",
        "flight.start",
    } <= actions
    assert Mission.objects.get().status == "ready"


@pytest.mark.django_db
def test_a_flight_stuck_in_preflight_is_cancelled_from_the_api_and_the_mission_flies_again():
    from rest_framework.test import APIClient

    user = make_user(Role.DRONE_OPERATOR, username="pilot")
    Pilot.objects.create(user=user, licence_no="L", licence_expiry=timezone.localdate() + dt.timedelta(days=9))
    drone = Drone.objects.create(
        name="D1",
        serial="S1",
        connection="tcp:127.0.0.1:1",
        payloads=["loudspeaker"],
        home_lat=HOME[0],
        home_lon=HOME[1],
    )
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    api = "/api/drones"
    mission = client.post(
        f"{api}/missions/",
        {"name": "T", "kind": "free", "drone": drone.pk, "waypoints": route(*HOME), "takeoff_alt_m": 20},
        format="json",
    ).json()
    assert mission["status"] == "ready", mission["validation"]
    assert client.post(f"{api}/drones/{drone.pk}/lock/", {}, format="json").status_code == 200
    flight = client.post(f"{api}/missions/{mission['id']}/fly/").json()
    assert flight["status"] == "preflight" and flight["control"]["is_mine"] is True
    response = client.post(f"{api}/flights/{flight['id']}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert client.get(f"{api}/flights/?active=true").json()["count"] == 0
    again = client.post(f"{api}/missions/{mission['id']}/fly/")
    assert again.status_code == 201 and again.json()["status"] == "preflight"
    entry = AuditLogEntry.objects.get(action="flight.cancel")
    assert entry.actor == user and entry.after["ok"] is True and entry.before == {"status": "preflight"}
