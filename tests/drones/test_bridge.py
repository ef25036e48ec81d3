"""The telemetry bridge against simulated ArduCopters, on the configured channel layer.

Publishing at the UI rate with sequence numbers, the live cache, track points
and events persisted, link loss within 3 s and recovery, drones that cannot be
reached, and commands over the channel layer.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from drones.bridge.fanout import live_hub
from drones.bridge.protocol import FLEET_GROUP, BridgeUnavailable, call_bridge
from drones.bridge.runner import Bridge
from drones.live import live_states
from drones.models import Drone, DroneEvent, TrackPoint
from tests.sim import sim_fleet
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def make_drone(name: str, connection: str) -> Drone:
    return Drone.objects.create(name=name, serial=name, connection=connection, system_id=1)


class FleetListener:
    """A viewer of this process's live hub, as ``/ws/drones/`` is, and a channel in the fleet group (events).

    It rebuilds each drone's state from the frames as a page does: a full update replaces it, a
    delta is applied on the state of the seq before.
    """

    def __init__(self):
        self.layer = get_channel_layer()
        self.updates: dict[int, list[dict]] = {}
        self.events: list[dict] = []
        self._task = None

    async def start(self):
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(FLEET_GROUP, self.channel)
        self._task = asyncio.create_task(self._run())
        hub = live_hub()
        self.feed = hub.attach(self._frame)
        for drone_id, live in hub.drones.items():
            self.updates[drone_id] = [{"drone": drone_id, "seq": live.seq, "full": True, "state": live.state}]
        self.feed.restart('{"type": "snapshot"}')
        if settings.REDIS_URL:  # the bridge publishes to Redis: listen before it starts
            await asyncio.wait_for(hub.subscribed.wait(), 10)
        return self

    async def _frame(self, text: str) -> None:
        message = json.loads(text)
        if message["type"] != "fleet":
            return
        for update in message["updates"]:
            seen = self.updates.setdefault(update["drone"], [])
            if not update.get("full"):
                assert seen and seen[-1]["seq"] == update["seq"] - 1, f"a delta without its base: {update}"
                update = {**update, "state": {**seen[-1]["state"], **update["state"]}}
            seen.append(update)

    async def _run(self):
        while True:
            message = await self.layer.receive(self.channel)
            if message["type"] == "drone.event":
                self.events.append(message)

    def latest(self, drone_id: int) -> dict:
        return self.updates.get(drone_id, [{}])[-1].get("state", {})

    async def stop(self):
        self.feed.close()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.layer.group_discard(FLEET_GROUP, self.channel)


async def start_bridge(**kw) -> tuple[Bridge, asyncio.Task]:
    bridge = Bridge(ui_rate_hz=5.0, reload_s=3600, **kw)
    task = asyncio.create_task(bridge.run())
    await asyncio.wait_for(bridge.started.wait(), 10)
    return bridge, task


async def stop_bridge(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_publishes_fleet_state_with_sequence_numbers_and_persists_track():
    with sim_fleet(2) as sim:
        a, b = [await sync_to_async(make_drone)(f"D{i}", c) for i, c in enumerate(sim.fleet.connection_strings)]
        listener = await FleetListener().start()
        bridge, task = await start_bridge()
        try:
            await wait_until_async(
                lambda: listener.latest(a.id).get("ekf_ok") and listener.latest(b.id).get("ekf_ok"),
                20,
                "both drones connected with a good EKF",
            )
            updates = listener.updates[a.id]
            seqs = [u["seq"] for u in updates]
            assert updates[0]["full"] and seqs == sorted(set(seqs))
            # One by one; a jump only where a full state replaced what this viewer had not taken yet.
            assert all(u.get("full") for u, before in zip(updates[1:], seqs, strict=False) if u["seq"] != before + 1)
            state = listener.latest(a.id)
            assert state["link_ok"] and state["status"] == "connected" and state["mode"] == "STABILIZE"
            assert abs(state["lat"] - 36.185) < 0.01 and state["gps_fix"] >= 3
            live = await sync_to_async(live_states)([a.id, b.id])
            assert live[a.id]["seq"] >= seqs[-1] and live[b.id]["link_ok"]
            await asyncio.sleep(2.5)
        finally:
            await stop_bridge(task)
            await listener.stop()
        points = await sync_to_async(TrackPoint.objects.filter(drone=a).count)()
        assert points >= 2
        # Coalescing: at most the UI rate, whatever the vehicle's stream rate.
        assert len(listener.updates[a.id]) <= 5.0 * 12


async def test_link_loss_is_published_within_three_seconds_and_recovers():
    with sim_fleet(1) as sim:
        drone = await sync_to_async(make_drone)("D", sim.fleet.connection_strings[0])
        listener = await FleetListener().start()
        bridge, task = await start_bridge()
        try:
            await wait_until_async(lambda: listener.latest(drone.id).get("link_ok"), 15, "link up")
            sim.call(lambda: sim.fleet.servers[0].drop(60.0))  # 60 vehicle s = 6 s at speed-up 10
            await wait_until_async(lambda: listener.latest(drone.id).get("link_ok") is False, 5, "link loss published")
            lost = next(e["event"] for e in listener.events if e["event"]["kind"] == "link_lost")
            silence_s = float(lost["text"].split("for ")[1].split(" s")[0])
            assert 3.0 <= silence_s < 4.5, lost  # declared lost once the 3 s heartbeat timeout has passed
            await wait_until_async(lambda: listener.latest(drone.id).get("link_ok"), 15, "link restored")
            await wait_until_async(
                lambda: any(e["event"]["kind"] == "link_restored" for e in listener.events), 3, "link_restored event"
            )
        finally:
            await stop_bridge(task)
            await listener.stop()
        kinds = await sync_to_async(
            lambda: set(DroneEvent.objects.filter(drone=drone).values_list("kind", flat=True))
        )()
        assert {"link_lost", "link_restored"} <= kinds


HELD: list = []  # accepted sockets stay open for the whole test session


def _silent_server() -> tuple[socket.socket, int]:
    """A TCP server that accepts connections, keeps them open and never says anything."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def accept_forever():
        while True:
            try:
                HELD.append(server.accept())
            except OSError:
                return

    threading.Thread(target=accept_forever, daemon=True).start()
    return server, server.getsockname()[1]


@pytest.mark.slow
async def test_unreachable_and_silent_drones_show_why_and_do_not_stop_the_bridge():
    silent, silent_port = _silent_server()
    closed = socket.socket()  # bound then closed: connections to its port are refused
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    with sim_fleet(1) as sim:
        good = await sync_to_async(make_drone)("good", sim.fleet.connection_strings[0])
        refused = await sync_to_async(make_drone)("refused", f"tcp:127.0.0.1:{refused_port}")
        mute = await sync_to_async(make_drone)("mute", f"tcp:127.0.0.1:{silent_port}")
        listener = await FleetListener().start()
        bridge, task = await start_bridge()
        try:
            await wait_until_async(
                lambda: listener.latest(refused.id).get("status") == "offline", 10, "refused offline"
            )
            assert "cannot connect" in listener.latest(refused.id)["error"]
            assert "refused" in listener.latest(refused.id)["error"].lower()
            # Accepted and silent is how ArduCopter treats a second ground station (one at a time).
            await wait_until_async(lambda: listener.latest(mute.id).get("status") == "other_gcs", 20, "silent state")
            assert listener.latest(mute.id)["error"] == "another ground station is connected to mute"
            await wait_until_async(lambda: listener.latest(good.id).get("link_ok"), 15, "the good drone still flies")
        finally:
            await stop_bridge(task)
            await listener.stop()
            silent.close()
    failures = [e for e in listener.events if e["drone"] == refused.id]
    assert len(failures) == 1, "one event per distinct failure, not one per retry"
    assert [e["event"]["kind"] for e in listener.events if e["drone"] == mute.id] == ["other_gcs"]


@pytest.mark.slow
async def test_garbage_on_the_link_shows_as_no_heartbeat_and_does_not_stop_the_bridge():
    junk = socket.socket()
    junk.bind(("127.0.0.1", 0))
    junk.listen()
    stop = threading.Event()

    def spew():
        try:
            conn, _ = junk.accept()
            payload = bytes(range(256)) * 4 + b"\xfd\x09\x00\x00"  # noise, then a truncated MAVLink 2 header
            while not stop.is_set():
                conn.sendall(payload)
                stop.wait(0.01)
        except OSError:
            return

    threading.Thread(target=spew, daemon=True).start()
    with sim_fleet(1) as sim:
        good = await sync_to_async(make_drone)("good", sim.fleet.connection_strings[0])
        noisy = await sync_to_async(make_drone)("noisy", f"tcp:127.0.0.1:{junk.getsockname()[1]}")
        listener = await FleetListener().start()
        bridge, task = await start_bridge()
        try:
            await wait_until_async(
                lambda: listener.latest(noisy.id).get("status") == "offline", 20, "noisy drone offline"
            )
            assert "no heartbeat" in listener.latest(noisy.id)["error"]
            await wait_until_async(lambda: listener.latest(good.id).get("link_ok"), 15, "the good drone still flies")
            assert not task.done()
        finally:
            stop.set()
            await stop_bridge(task)
            await listener.stop()
            junk.close()


async def test_commands_travel_over_the_channel_layer_and_failures_say_why():
    with sim_fleet(1) as sim:
        drone = await sync_to_async(make_drone)("D", sim.fleet.connection_strings[0])
        listener = await FleetListener().start()
        bridge, task = await start_bridge()
        try:
            await wait_until_async(lambda: listener.latest(drone.id).get("ekf_ok"), 20, "ready")
            reply = await call_bridge(drone.id, "takeoff", {"alt_m": 12}, timeout_s=15)
            assert reply["ok"], reply
            assert reply["telemetry"]["armed"] and reply["telemetry"]["mode"] == "GUIDED"
            await wait_until_async(lambda: (listener.latest(drone.id).get("alt_rel_m") or 0) > 10, 20, "climb to 12 m")
            unknown = await call_bridge(drone.id, "warp", {}, timeout_s=5)
            assert unknown == {**unknown, "ok": False} and unknown["error"]["code"] == "invalid"
            land = await call_bridge(drone.id, "land", {}, timeout_s=15)
            assert land["ok"] and land["telemetry"]["mode"] == "LAND"
        finally:
            await stop_bridge(task)
            await listener.stop()
    with pytest.raises(BridgeUnavailable, match="no telemetry bridge answered"):
        await call_bridge(drone.id, "land", {}, timeout_s=0.5)


async def test_arming_refused_before_the_vehicle_is_ready_reports_the_reasons():
    with sim_fleet(1, fast_boot=False) as sim:
        drone = await sync_to_async(make_drone)("D", sim.fleet.connection_strings[0])
        listener = await FleetListener().start()
        bridge, task = await start_bridge()
        try:
            await wait_until_async(lambda: listener.latest(drone.id).get("link_ok"), 15, "link up")
            reply = await call_bridge(drone.id, "arm", {}, timeout_s=15)
            assert not reply["ok"]
            assert reply["error"]["code"] == "command_rejected" and reply["error"]["result"] == "FAILED"
            assert any(r.startswith("Arm: ") for r in reply["error"]["reasons"]), reply
        finally:
            await stop_bridge(task)
            await listener.stop()


async def test_shards_split_the_fleet():
    drones = [await sync_to_async(make_drone)(f"S{i}", f"tcp:127.0.0.1:{40000 + i}") for i in range(4)]
    from drones.bridge import runner

    links = await sync_to_async(runner._load_links)(1, 2)
    assert sorted(link.drone_id for link in links) == sorted(d.id for d in drones if d.id % 2 == 1)
    with pytest.raises(ValueError, match="shard 2 is not in 0..1"):
        Bridge(shard=2, shards=2)
