"""Drone alerts: which events are alerts, storing and pushing them, listing and acknowledging them."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework.test import APIClient

from common.models import AuditLogEntry
from common.roles import Role
from drones.alerts import AlertWatch, alerts_publish
from drones.bridge.protocol import FLEET_GROUP
from drones.bridge.runner import _persist
from drones.consumers import DroneConsumer
from drones.models import Drone, DroneEvent
from drones.vehicle import VehicleEvent
from tests.factories import make_user


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ev(kind: str, text: str, severity: int = 4, **data) -> VehicleEvent:
    return VehicleEvent(time.time(), kind, text, severity, data)


def mode(old: str, new: str) -> VehicleEvent:
    return ev("mode", f"Mode {old} → {new}", 6, **{"from": old, "to": new})


def alert_of(event: VehicleEvent) -> str | None:
    return event.data.get("alert")


# --- classification ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (ev("fence", "Polygon fence breached", 5), "fence"),
        (ev("fence", "Circle fence breached", 5), "fence"),
        (ev("fence", "Fence breach cleared", 5), None),
        (ev("failsafe", "GCS Failsafe"), "failsafe"),
        (ev("failsafe", "GCS Failsafe Cleared"), None),
        (ev("statustext", "Battery 1 is low 10.30V used 318 mAh"), "battery"),
        (ev("failsafe", "Battery Failsafe"), "battery"),
        (ev("statustext", "Mission: 3 WP"), None),
        (ev("armed", "Armed", 5), None),
    ],
)
def test_failsafes_fence_breaches_and_low_battery_are_alerts_and_cleared_texts_are_not(event, expected):
    assert alert_of(AlertWatch().mark(event, armed=True)) == expected


def test_link_loss_is_an_alert_in_flight_only():
    assert alert_of(AlertWatch().mark(ev("link_lost", "No heartbeat for 3.1 s", 2), armed=True)) == "link_lost"
    assert alert_of(AlertWatch().mark(ev("link_lost", "No heartbeat for 3.1 s", 2), armed=False)) is None


def test_a_mode_change_nobody_asked_for_is_an_alert():
    assert alert_of(AlertWatch().mark(mode("AUTO", "LAND"), armed=True)) == "mode"


def test_a_mode_change_on_the_ground_is_not_an_alert():
    assert alert_of(AlertWatch().mark(mode("STABILIZE", "GUIDED"), armed=False)) is None


@pytest.mark.parametrize(
    ("command", "args", "old", "new"),
    [
        ("pause", {}, "GUIDED", "BRAKE"),
        ("rtl", {}, "AUTO", "RTL"),
        ("land", {}, "AUTO", "LAND"),
        ("mode", {"mode": "loiter"}, "GUIDED", "LOITER"),
        ("resume", {}, "BRAKE", "GUIDED"),
    ],
)
def test_a_mode_change_the_operator_commanded_is_not_an_alert(command, args, old, new):
    watch = AlertWatch()
    watch.note_command(command, args)
    assert alert_of(watch.mark(mode(old, new), armed=True)) is None


def test_a_commanded_mode_is_explained_only_for_ten_seconds():
    clock = Clock()
    watch = AlertWatch(clock=clock)
    watch.note_command("land", {})
    clock.now += 11
    assert alert_of(watch.mark(mode("AUTO", "LAND"), armed=True)) == "mode"


def test_a_command_for_another_mode_does_not_explain_the_change():
    watch = AlertWatch()
    watch.note_command("pause", {})
    assert alert_of(watch.mark(mode("AUTO", "RTL"), armed=True)) == "mode"


def test_a_mission_ending_in_rtl_switches_to_rtl_without_an_alert():
    clock = Clock()
    watch = AlertWatch(clock=clock)
    plan = {"mission": [[16, 0, 0, 0, 0], [22, 3, 0, 0, 30], [16, 3, 36.1, 118.1, 30], [20, 0, 0, 0, 0]]}
    watch.note_command("mission_run", {"flight": 1, "plan": plan})
    clock.now += 400  # long after the start
    assert alert_of(watch.mark(mode("AUTO", "RTL"), armed=True)) is None


def test_rtl_during_a_mission_that_ends_with_a_waypoint_is_an_alert():
    clock = Clock()
    watch = AlertWatch(clock=clock)
    plan = {"mission": [[16, 0, 0, 0, 0], [22, 3, 0, 0, 30], [16, 3, 36.1, 118.1, 30]]}
    watch.note_command("mission_run", {"flight": 1, "plan": plan})
    clock.now += 60
    assert alert_of(watch.mark(mode("AUTO", "RTL"), armed=True)) == "mode"


def test_after_landing_the_finished_missions_rtl_no_longer_explains_an_rtl():
    clock = Clock()
    watch = AlertWatch(clock=clock)
    watch.note_command("mission_run", {"flight": 1, "plan": {"mission": [[16], [22], [20]]}})
    clock.now += 60
    watch.mark(ev("disarmed", "Disarmed", 5), armed=False)
    assert alert_of(watch.mark(mode("GUIDED", "RTL"), armed=True)) == "mode"


def test_one_incident_raises_one_alert_not_one_per_message():
    clock = Clock()
    watch = AlertWatch(clock=clock)
    assert alert_of(watch.mark(ev("fence", "Polygon fence breached", 5), armed=True)) == "fence"
    clock.now += 0.5
    assert alert_of(watch.mark(mode("AUTO", "RTL"), armed=True)) is None  # the breach's own RTL
    assert alert_of(watch.mark(ev("fence", "Polygon fence breached", 5), armed=True)) is None
    clock.now += 30
    assert alert_of(watch.mark(ev("fence", "Polygon fence breached", 5), armed=True)) == "fence"


# --- storing, pushing, listing, acknowledging -------------------------------------------------------


@pytest.fixture
def drone(db):
    return Drone.objects.create(name="巡逻一号", serial="S1", connection="tcp:127.0.0.1:5760")


def _alert(drone: Drone, text: str = "Polygon fence breached", alert: str = "fence") -> DroneEvent:
    return DroneEvent.objects.create(drone=drone, at=timezone.now(), kind="fence", severity=5, text=text, alert=alert)


def _listen() -> tuple[object, str]:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(FLEET_GROUP, channel)
    return layer, channel


def _receive(layer, channel: str) -> dict:
    async def receive():
        return await asyncio.wait_for(layer.receive(channel), 2.0)

    return async_to_sync(receive)()


@pytest.mark.django_db(transaction=True)
def test_the_bridge_stores_a_marked_event_as_an_alert_and_pushes_it_with_its_id(drone):
    layer, channel = _listen()
    marked = AlertWatch().mark(ev("fence", "Polygon fence breached", 5), armed=True)
    _persist([], [(drone.id, marked), (drone.id, ev("statustext", "Mission: 3 WP", 6))])
    stored = DroneEvent.objects.get(text="Polygon fence breached")
    assert stored.alert == "fence" and stored.acknowledged_at is None
    assert DroneEvent.objects.get(text="Mission: 3 WP").alert == ""
    message = _receive(layer, channel)
    assert message["type"] == "drone.alert" and message["drone"] == drone.id
    assert f'"id": {stored.id}' in message["text"] and '"type": "alert"' in message["text"]


def test_operators_list_open_alerts_and_roles_without_drones_are_refused(drone):
    open_alert = _alert(drone)
    _alert(drone, text="old").__class__.objects.filter(text="old").update(acknowledged_at=timezone.now())
    DroneEvent.objects.create(drone=drone, at=timezone.now(), kind="statustext", text="not an alert")
    client = APIClient()
    client.force_authenticate(make_user(Role.LEADERSHIP))
    body = client.get("/api/drones/alerts/").json()
    assert [a["id"] for a in body["results"]] == [open_alert.id]
    assert body["results"][0]["drone_name"] == "巡逻一号" and body["results"][0]["alert"] == "fence"
    client.force_authenticate(make_user(Role.SCHOOL_STAFF))
    assert client.get("/api/drones/alerts/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_acknowledging_records_who_audits_and_tells_every_watcher(drone):
    alert = _alert(drone)
    user = make_user(Role.DRONE_OPERATOR, username="op1")
    layer, channel = _listen()
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(f"/api/drones/alerts/{alert.id}/ack/", {}, format="json")
    assert response.status_code == 200 and response.json()["acknowledged_by"] == "op1"
    alert.refresh_from_db()
    assert alert.acknowledged_by == user and alert.acknowledged_at is not None
    assert AuditLogEntry.objects.filter(action="drone.alert.ack", object_id=str(alert.id)).count() == 1
    assert client.get("/api/drones/alerts/").json()["results"] == []
    message = _receive(layer, channel)
    assert message["type"] == "drone.alert.ack" and '"type": "alert.ack"' in message["text"]


@pytest.mark.django_db(transaction=True)
def test_a_full_channel_layer_does_not_fail_an_acknowledgement(drone, monkeypatch):
    from channels.exceptions import ChannelFull

    class FullLayer:
        async def group_send(self, group, message):
            raise ChannelFull()

    monkeypatch.setattr("common.publish.get_channel_layer", FullLayer)
    alert = _alert(drone)
    client = APIClient()
    client.force_authenticate(make_user(Role.DRONE_OPERATOR, username="op1"))
    response = client.post(f"/api/drones/alerts/{alert.id}/ack/", {}, format="json")
    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None


def test_a_second_acknowledgement_keeps_the_first_and_is_audited(drone):
    alert = _alert(drone)
    first, second = make_user(Role.DRONE_OPERATOR, username="op1"), make_user(Role.BUREAU_ADMIN, username="adm")
    client = APIClient()
    client.force_authenticate(first)
    client.post(f"/api/drones/alerts/{alert.id}/ack/", {}, format="json")
    client.force_authenticate(second)
    body = client.post(f"/api/drones/alerts/{alert.id}/ack/", {}, format="json").json()
    assert body["acknowledged_by"] == "op1"
    assert AuditLogEntry.objects.filter(action="drone.alert.ack", object_id=str(alert.id)).count() == 2


def test_acknowledging_an_ordinary_event_is_404_and_writes_nothing(drone):
    event = DroneEvent.objects.create(drone=drone, at=timezone.now(), kind="statustext", text="hello")
    client = APIClient()
    client.force_authenticate(make_user(Role.DRONE_OPERATOR))
    assert client.post(f"/api/drones/alerts/{event.id}/ack/", {}, format="json").status_code == 404
    event.refresh_from_db()
    assert event.acknowledged_at is None
    assert not AuditLogEntry.objects.filter(action="drone.alert.ack").exists()


def test_school_staff_cannot_acknowledge_and_nothing_is_written(drone):
    alert = _alert(drone)
    client = APIClient()
    client.force_authenticate(make_user(Role.SCHOOL_STAFF))
    assert client.post(f"/api/drones/alerts/{alert.id}/ack/", {}, format="json").status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_drone_page_socket_forwards_its_own_drones_alerts_only(drone):
    other = await Drone.objects.acreate(name="D2", serial="S2", connection="tcp:127.0.0.1:5761")
    user = await sync_to_async(make_user)(Role.DRONE_OPERATOR)
    comm = WebsocketCommunicator(DroneConsumer.as_asgi(), f"/ws/drones/{drone.id}/")
    comm.scope["user"] = user
    comm.scope["url_route"] = {"kwargs": {"drone_id": drone.id}}
    connected, _ = await comm.connect()
    assert connected
    await comm.receive_json_from()  # snapshot
    mine = await sync_to_async(_alert)(drone, text="mine")
    theirs = await sync_to_async(_alert)(other, text="theirs")
    await sync_to_async(alerts_publish)([theirs, mine])
    message = await comm.receive_json_from(timeout=2)
    assert message["type"] == "alert" and message["alert"]["text"] == "mine"
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()
