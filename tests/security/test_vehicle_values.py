"""A lying vehicle: NaN, infinities and impossible values never reach the fleet API, a viewer or the track.

Issue 11 item 2: one drone sending a latitude of 214 degrees or NaN in VFR_HUD made the fleet
API answer 500, every viewer's snapshot invalid JSON and the stored track unreadable for good.
The vehicle below is scripted with pymavlink message objects, as it would send them.
"""

from __future__ import annotations

import json
import logging
import math
import time
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from common.roles import Role
from drones.bridge.protocol import event_message, fleet_update_message, json_text
from drones.bridge.runner import Bridge
from drones.bridge.session import DroneLink, DroneSession
from drones.consumers import FleetConsumer
from drones.dronekit_link import DronekitLink
from drones.live import live_states_put_many
from drones.mavlink.telemetry import TelemetryState
from drones.models import Drone, TrackPoint
from drones.vehicle import Telemetry
from tests.factories import make_user

NAN, INF = float("nan"), float("inf")
LAT, LON = 31.2304, 121.4737  # degrees, WGS-84
MAV = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)


@pytest.fixture(autouse=True)
def _forget_live_states():
    """The live cache outlives the test database: a later test's drone 1 must not inherit this one's state."""
    yield
    cache.clear()


def strict_loads(text: str):
    """JSON as a browser's ``JSON.parse`` reads it: NaN and Infinity are errors."""

    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def position(lat_deg: float = LAT, lon_deg: float = LON, *, alt_rel_m: float = 25.0, hdg_cdeg: int = 9000):
    return MAV.global_position_int_encode(
        1000, round(lat_deg * 1e7), round(lon_deg * 1e7), round((alt_rel_m + 10) * 1000), round(alt_rel_m * 1000),
        0, 0, 0, hdg_cdeg,
    )  # fmt: skip


def vfr_hud(groundspeed: float = 5.0, climb: float = 0.5, heading: int = 90):
    return MAV.vfr_hud_encode(5.0, groundspeed, heading, 50, 35.0, climb)


def sys_status(voltage_mv: int = 15800, remaining_pct: int = 80):
    return MAV.sys_status_encode(0, 0, 0, 500, voltage_mv, 1200, remaining_pct, 0, 0, 0, 0, 0, 0)


def lying_vehicle_state() -> TelemetryState:
    """Good values first, then a lie in every field it sends."""
    state = TelemetryState()
    for msg in (position(), vfr_hud(), sys_status()):
        assert state.apply(msg)
    for msg in (
        position(214.0, LON, alt_rel_m=30.0),  # a wrapped latitude; the altitude is fine
        position(LAT, LON, alt_rel_m=50_000.0),  # 50 km above home
        vfr_hud(groundspeed=NAN, climb=INF),
        vfr_hud(groundspeed=-3.0, climb=-INF),
        sys_status(voltage_mv=15800, remaining_pct=120),
        MAV.attitude_encode(1000, NAN, INF, -INF, NAN, NAN, NAN),  # not a state message: ignored
        MAV.home_position_encode(round(95 * 1e7), round(LON * 1e7), 10_000, 0, 0, 0, [1, 0, 0, 0], 0, 0, 0),
    ):
        state.apply(msg)
    return state


# --- where values enter the state ------------------------------------------------------------


def test_state_keeps_the_good_values_and_counts_each_lie():
    state = lying_vehicle_state()
    t = state.snapshot()
    assert (t.lat, t.lon) == (pytest.approx(LAT), pytest.approx(LON))
    assert t.alt_rel_m == pytest.approx(30.0)  # from the message whose latitude was refused
    assert t.groundspeed_mps == 5.0 and t.climb_mps == 0.5
    assert t.battery_pct == 80 and t.battery_v == pytest.approx(15.8)
    assert t.home_lat is None and t.home_lon is None and t.home_alt_msl_m is None  # all or nothing
    assert t.dropped_values == {
        "lat": 1,  # not "lon": only the values that were wrong are counted
        "alt_rel_m": 1,
        "alt_msl_m": 1,
        "groundspeed_mps": 2,
        "climb_mps": 2,
        "battery_pct": 1,
        "home_lat": 1,
    }
    strict_loads(json.dumps(t.as_dict(), allow_nan=False))


def test_position_at_null_island_is_still_no_fix_not_a_drop():
    state = TelemetryState()
    state.apply(MAV.global_position_int_encode(1000, 0, 0, 0, 0, 0, 0, 0, 65535))
    assert state.lat is None and state.dropped_values == {}


def test_a_repeated_lie_is_logged_once_a_minute_per_field(caplog):
    state = TelemetryState()
    with caplog.at_level(logging.WARNING, logger="drones.mavlink.telemetry"):
        for _ in range(50):
            state.apply(vfr_hud(groundspeed=NAN, climb=INF))
    assert state.dropped_values == {"groundspeed_mps": 50, "climb_mps": 50}
    assert sorted(r.getMessage().split("=")[0] for r in caplog.records) == [
        "vehicle reported climb_mps",
        "vehicle reported groundspeed_mps",
    ]


def test_dronekit_backend_checks_the_same_values():
    link = DronekitLink("tcp:127.0.0.1:5760")
    link._on_attribute("location.global_relative_frame", SimpleNamespace(lat=LAT, lon=LON, alt=20.0))
    link._on_attribute("location.global_relative_frame", SimpleNamespace(lat=214.0, lon=LON, alt=NAN))
    link._on_attribute("groundspeed", NAN)
    link._on_attribute("heading", 720.0)
    link._on_attribute("velocity", [0.0, 0.0, INF])
    link._on_attribute("battery", SimpleNamespace(voltage=NAN, level=101))
    t = link.state.snapshot()
    assert (t.lat, t.lon, t.alt_rel_m) == (LAT, LON, 20.0)
    assert t.groundspeed_mps is None and t.heading_deg is None and t.climb_mps is None
    assert t.battery_v is None and t.battery_pct is None
    assert set(t.dropped_values) == {"lat", "alt_rel_m", "groundspeed_mps", "heading_deg", "climb_mps"} | {
        "battery_v",
        "battery_pct",
    }


# --- the JSON the bridge sends -----------------------------------------------------------------


def test_bridge_json_is_strict_and_a_stray_nan_becomes_null_not_a_lost_message(caplog):
    with pytest.raises(ValueError):
        json.dumps({"climb_mps": NAN}, allow_nan=False)  # what the strict serializer does with NaN
    state = {"lat": LAT, "climb_mps": NAN, "dropped_values": {}}
    with caplog.at_level(logging.ERROR, logger="drones.bridge.protocol"):
        message = fleet_update_message([{"drone": 1, "seq": 3, "state": state}])
        event = event_message(1, {"kind": "mode", "text": "x", "data": {"v": [INF, (NAN, 1.0)]}})
    assert strict_loads(message["text"])["updates"][0]["state"]["climb_mps"] is None
    assert state["climb_mps"] is None  # the shared object too: the cache and the text agree
    assert strict_loads(event["text"])["event"]["data"] == {"v": [None, [None, 1.0]]}
    assert len([r for r in caplog.records if "non-finite" in r.getMessage()]) == 2


def test_the_checked_state_never_needs_the_fallback(caplog):
    state = lying_vehicle_state().snapshot().as_dict()
    with caplog.at_level(logging.ERROR, logger="drones.bridge.protocol"):
        text = json_text({"type": "fleet", "updates": [{"drone": 1, "seq": 1, "state": state}]})
    assert [r for r in caplog.records if r.name == "drones.bridge.protocol"] == []
    strict_loads(text)


# --- the fleet API, a viewer's snapshot and the stored track -----------------------------------


def bad_session(drone: Drone, latest: Telemetry) -> DroneSession:
    session = DroneSession(
        DroneLink(drone.pk, drone.name, drone.connection, 1), vehicle_factory=lambda *a, **k: None, on_event=None
    )
    session.latest = latest
    session.status = "connected"
    return session


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_fleet_api_snapshot_and_track_stay_valid_json_with_a_lying_drone():
    liar = await sync_to_async(Drone.objects.create)(name="Liar", serial="L1", connection="tcp:127.0.0.1:5760")
    # A state that escaped the checks (as stored before the fix, or from a future code path).
    escaped = await sync_to_async(Drone.objects.create)(name="Esc", serial="E1", connection="tcp:127.0.0.1:5761")
    checked = lying_vehicle_state().snapshot()
    raw = Telemetry(time.time(), link_ok=True, lat=LAT, lon=LON, climb_mps=NAN, heading_deg=INF, battery_v=NAN)
    off_earth = Telemetry(time.time(), link_ok=True, lat=214.0, lon=LON)

    bridge = Bridge(vehicle_factory=lambda *a, **k: None)
    bridge.sessions = {liar.pk: bad_session(liar, Telemetry(**{**checked.as_dict(), "link_ok": True}))}
    bridge.sessions[escaped.pk] = bad_session(escaped, raw)
    await bridge.publish_once()
    await bridge._record()
    bridge.sessions[escaped.pk].latest = off_earth
    await bridge._record()

    points = await sync_to_async(lambda: list(TrackPoint.objects.order_by("drone_id", "at")))()
    assert [p.drone_id for p in points] == [liar.pk, liar.pk, escaped.pk]  # nothing off the earth
    assert all(
        math.isfinite(v) for p in points for v in (p.lat, p.lon, p.alt_rel_m, p.groundspeed_mps) if v is not None
    )
    assert points[0].lat == pytest.approx(LAT) and points[0].groundspeed_mps == 5.0
    assert points[2].climb_mps is None and points[2].heading_deg is None and points[2].battery_v is None

    user = await sync_to_async(make_user)(Role.DRONE_OPERATOR)
    client = Client()
    await sync_to_async(client.force_login)(user)
    for url in (
        reverse("drones_api:drone-list"),
        reverse("drones_api:drone-detail", args=[liar.pk]),
        reverse("drones_api:drone-track", args=[escaped.pk]),
    ):
        response = await sync_to_async(client.get)(url)
        assert response.status_code == 200, url
        strict_loads(response.content.decode())
    listed = strict_loads((await sync_to_async(client.get)(reverse("drones_api:drone-list"))).content.decode())
    live = {d["id"]: d["live"] for d in listed["results"]}
    assert live[liar.pk]["dropped_values"]["lat"] == 1 and live[escaped.pk]["climb_mps"] is None

    comm = WebsocketCommunicator(FleetConsumer.as_asgi(), "/ws/drones/")
    comm.scope["user"] = user
    comm.scope["url_route"] = {"kwargs": {}}
    assert (await comm.connect())[0]
    snapshot = strict_loads(await comm.receive_from())
    assert snapshot["drones"][str(liar.pk)]["lat"] == pytest.approx(LAT)
    assert snapshot["drones"][str(escaped.pk)]["battery_v"] is None
    await comm.disconnect()


@pytest.mark.django_db
def test_cache_filled_by_the_bridge_reads_back_as_strict_json():
    drone = Drone.objects.create(name="D", serial="D1", connection="tcp:127.0.0.1:5760")
    live_states_put_many({drone.pk: {"seq": 1, **lying_vehicle_state().snapshot().as_dict()}})
    client = Client()
    client.force_login(make_user(Role.DRONE_OPERATOR))
    response = client.get(reverse("drones_api:drone-detail", args=[drone.pk]))
    assert response.status_code == 200
    assert strict_loads(response.content.decode())["live"]["lat"] == pytest.approx(LAT)


@pytest.mark.asyncio
async def test_track_points_the_database_refused_are_written_with_the_next_round(monkeypatch):
    """Issue 11, finding 1: a busy database lost a second of track for every drone; now it waits a round."""
    from drones.bridge import runner

    calls = []

    def persist(track, events):
        calls.append(len(track))
        if len(calls) == 1:
            raise OperationalError("database is locked")

    monkeypatch.setattr(runner, "_persist", persist)
    bridge = runner.Bridge(vehicle_factory=lambda *a, **k: None)
    session = type("S", (), {})()
    session.drone_id = 1
    session.latest = Telemetry(time_s=0.0, lat=36.18, lon=118.17, link_ok=True)
    bridge.sessions = {1: session}
    with pytest.raises(OperationalError):
        await bridge._record()
    await bridge._record()
    assert calls == [1, 2] and bridge._unsaved_track == []
