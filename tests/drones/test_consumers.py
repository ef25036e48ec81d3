"""Websocket consumers: authentication, roles, origin check, snapshot, live telemetry from the hub, events, resync."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from common.roles import Role
from config.asgi import application
from drones.bridge.fanout import live_hub
from drones.bridge.protocol import FLEET_GROUP, drone_group, event_message, telemetry_update_message
from drones.consumers import DroneConsumer, FleetConsumer
from drones.live import live_states_put_many
from drones.models import Drone
from tests.factories import make_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def communicator(consumer, path: str, user, **route) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(consumer.as_asgi(), path)
    comm.scope["user"] = user
    comm.scope["url_route"] = {"kwargs": route}
    return comm


@pytest.fixture
def drone(transactional_db):
    return Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:5760")


@pytest.mark.parametrize(
    ("role", "close_code"),
    [(None, 4401), (Role.SCHOOL_STAFF, 4403), (Role.STATION_OFFICER, 4403), (Role.BRIGADE_SCHEDULER, 4403)],
)
async def test_fleet_socket_refuses_anonymous_and_roles_without_drones(role, close_code, drone):
    user = AnonymousUser() if role is None else await sync_to_async(make_user)(role)
    comm = communicator(FleetConsumer, "/ws/drones/", user)
    connected, code = await comm.connect()
    assert not connected and code == close_code


@pytest.mark.parametrize("role", [Role.DRONE_OPERATOR, Role.LEADERSHIP, Role.BUREAU_ADMIN])
async def test_fleet_socket_sends_snapshot_then_forwards_updates_and_events(role, drone):
    user = await sync_to_async(make_user)(role)
    await sync_to_async(live_states_put_many)({drone.id: {"seq": 7, "link_ok": True, "alt_rel_m": 3.0}})
    comm = communicator(FleetConsumer, "/ws/drones/", user)
    connected, _ = await comm.connect()
    assert connected
    snapshot = await comm.receive_json_from()
    assert snapshot["type"] == "snapshot" and snapshot["drones"][str(drone.id)]["seq"] == 7
    hub = live_hub()
    # The first update the hub has of a drone is its full state; the next holds what changed.
    # Each update says when it left the vehicle ("at", UNIX ms; here: when it was published).
    at = hub.clock()
    hub.publish([{"drone": drone.id, "seq": 8, "state": {"seq": 8, "alt_rel_m": 4.0, "mode": "LOITER"}}], at)
    assert await comm.receive_json_from() == {
        "type": "fleet",
        "updates": [
            {
                "drone": drone.id,
                "seq": 8,
                "full": True,
                "at": int(at * 1000),
                "state": {"seq": 8, "alt_rel_m": 4.0, "mode": "LOITER"},
            }
        ],
    }
    hub.publish([{"drone": drone.id, "seq": 9, "state": {"seq": 9, "alt_rel_m": 5.0, "mode": "LOITER"}}], at + 0.2)
    assert await comm.receive_json_from() == {
        "type": "fleet",
        "updates": [{"drone": drone.id, "seq": 9, "at": int((at + 0.2) * 1000), "state": {"alt_rel_m": 5.0}}],
    }
    layer = get_channel_layer()
    await layer.group_send(FLEET_GROUP, event_message(drone.id, {"kind": "mode", "text": "Mode GUIDED"}))
    assert (await comm.receive_json_from())["event"]["text"] == "Mode GUIDED"
    await comm.send_json_to({"type": "resync"})
    resynced = await comm.receive_json_from()
    assert resynced["type"] == "snapshot" and resynced["drones"][str(drone.id)]["alt_rel_m"] == 5.0  # the hub's
    assert resynced["at"] == {str(drone.id): int((at + 0.2) * 1000)}  # when that state left the vehicle
    await comm.disconnect()
    assert hub.feeds == set()


async def test_drone_socket_follows_one_drone_and_refuses_unknown_ids(drone):
    user = await sync_to_async(make_user)(Role.DRONE_OPERATOR)
    missing = communicator(DroneConsumer, "/ws/drones/999/", user, drone_id=99999)
    connected, code = await missing.connect()
    assert not connected and code == 4404
    comm = communicator(DroneConsumer, f"/ws/drones/{drone.id}/", user, drone_id=drone.id)
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["type"] == "snapshot"
    await get_channel_layer().group_send(
        drone_group(drone.id), telemetry_update_message({"drone": drone.id, "seq": 1, "state": {"mode": "LOITER"}})
    )
    assert await comm.receive_json_from() == {
        "type": "telemetry",
        "drone": drone.id,
        "seq": 1,
        "state": {"mode": "LOITER"},
    }
    # From the hub: its drone's full state only, another drone's updates not at all.
    hub = live_hub()
    hub.publish([{"drone": drone.id + 1, "seq": 1, "state": {"seq": 1, "mode": "RTL"}}], hub.clock())
    at = hub.clock()
    hub.publish([{"drone": drone.id, "seq": 2, "state": {"seq": 2, "mode": "AUTO", "alt_rel_m": 9.0}}], at)
    assert await comm.receive_json_from() == {
        "type": "telemetry",
        "drone": drone.id,
        "seq": 2,
        "full": True,
        "at": int(at * 1000),
        "state": {"seq": 2, "mode": "AUTO", "alt_rel_m": 9.0},
    }
    hub.publish([{"drone": drone.id, "seq": 3, "state": {"seq": 3, "mode": "AUTO", "alt_rel_m": 10.0}}], hub.clock())
    third = await comm.receive_json_from()
    assert third["seq"] == 3 and third["full"] and third["state"]["alt_rel_m"] == 10.0
    await comm.disconnect()


async def test_full_stack_checks_session_and_origin(drone, settings):
    """Through config.asgi: the session cookie authenticates, a foreign Origin is refused."""
    user = await sync_to_async(make_user)(Role.DRONE_OPERATOR)
    from django.test import Client

    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    def connect(origin: bytes):
        return WebsocketCommunicator(
            application, "/ws/drones/", headers=[(b"origin", origin), (b"host", b"localhost"), (b"cookie", cookie)]
        )

    good = connect(b"http://localhost")
    connected, _ = await good.connect()
    assert connected
    await good.disconnect()
    evil = connect(b"http://evil.example.org")
    connected, _ = await evil.connect()
    assert not connected
    anonymous = WebsocketCommunicator(
        application, "/ws/drones/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, code = await anonymous.connect()
    assert not connected and code == 4401
