"""The scale path across processes: simulator process -> bridge process -> Redis -> websocket client.

Needs PostgreSQL (the bridge process reads the test database) and Redis (the
channel layer between processes); skipped, saying so, where they are absent.
.ci/run provides both.
"""

from __future__ import annotations

import os
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection

from common.roles import Role
from drones.bridge.protocol import call_bridge
from drones.consumers import FleetConsumer
from drones.models import Drone
from tests.asgi_server import free_port
from tests.drones.processes import services_missing, spawn, stop
from tests.factories import make_user

pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,  # a whole take-off across three processes
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(services_missing() is not None, reason=services_missing() or ""),
]


async def test_takeoff_in_a_bridge_process_reaches_a_websocket_client_over_redis():
    port = free_port()
    drone = await sync_to_async(Drone.objects.create)(name="X", serial="X", connection=f"tcp:127.0.0.1:{port}")
    viewer = await sync_to_async(make_user)(Role.DRONE_OPERATOR)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    sim = spawn(
        [
            "-m",
            "simulators",
            "fleet",
            "--count",
            "1",
            "--base-port",
            str(port),
            "--speedup",
            "5",
            "--fast-boot",
            "--boot-now",
        ],
        env,
    )
    bridge = spawn(["manage.py", "run_drone_bridge"], env)
    client = WebsocketCommunicator(FleetConsumer.as_asgi(), "/ws/drones/")
    client.scope["user"] = viewer
    try:
        assert (await client.connect())[0]
        assert (await client.receive_json_from())["type"] == "snapshot"

        known: dict = {}

        async def next_state(timeout_s: float = 10.0) -> dict:
            """The drone's state as a page rebuilds it: a full update replaces it, a delta changes it."""
            while True:
                message = await client.receive_json_from(timeout=timeout_s)
                if message["type"] == "fleet":
                    for update in message["updates"]:
                        if update["drone"] == drone.id:
                            if update.get("full"):
                                known.clear()
                            known.update(update["state"])
                            return dict(known)

        deadline = time.monotonic() + 40
        state = await next_state()
        while not (state.get("ekf_ok") and state.get("gps_fix", 0) >= 3):
            assert time.monotonic() < deadline, f"the bridge process never reported a ready vehicle: {state}"
            state = await next_state()
        reply = await call_bridge(drone.id, "takeoff", {"alt_m": 15}, timeout_s=20)
        assert reply["ok"], reply
        while (state.get("alt_rel_m") or 0) < 5:
            assert time.monotonic() < deadline + 30, f"no climb seen by the websocket client: {state}"
            state = await next_state()
        assert state["armed"] and state["mode"] == "GUIDED" and state["link_ok"]
    finally:
        try:
            await client.disconnect()  # raises when the consumer already failed: stop the processes anyway
        finally:
            bridge_out = stop(bridge)
            stop(sim)
    assert "drone bridge shard 0/1 running with 1 drone(s)" in bridge_out
