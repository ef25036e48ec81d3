"""Live telemetry across processes: simulator -> bridge process -> Redis pub/sub -> two web processes -> browsers.

Each web process holds one Redis subscription whatever its number of viewers, and every viewer of
either process follows the drone. Needs PostgreSQL and Redis, as tests/drones/test_cross_process.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.asyncio.client import connect

from common.roles import Role
from drones.models import Drone
from tests.asgi_server import free_port
from tests.drones.processes import services_missing, spawn, stop
from tests.factories import make_user

VIEWERS_PER_PROCESS = 3


pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(services_missing() is not None, reason=services_missing() or ""),
]


async def _listening(port: int, process: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"web process exited: {stop(process)}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"web process not listening on {port} within {timeout_s:g} s")


async def test_two_web_processes_each_subscribe_once_and_all_their_viewers_follow_the_drone():
    import redis.asyncio as aioredis

    sim_port = free_port()
    drone = await sync_to_async(Drone.objects.create)(name="X", serial="X", connection=f"tcp:127.0.0.1:{sim_port}")
    user = await sync_to_async(make_user)(Role.DRONE_OPERATOR)
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DRONE_BRIDGE_EMBEDDED": "0",
    }
    sim_args = ["-m", "simulators", "fleet", "--count", "1", "--base-port", str(sim_port), "--speedup", "5"]
    processes = [spawn([*sim_args, "--fast-boot", "--boot-now"], env), spawn(["manage.py", "run_drone_bridge"], env)]
    ports = [free_port(), free_port()]
    for port in ports:
        processes.append(
            spawn(["-m", "uvicorn", "config.asgi:application", "--port", str(port), "--lifespan", "on"], env)
        )
    redis = aioredis.Redis.from_url(settings.REDIS_URL)
    sockets = []
    try:
        for port, web in zip(ports, processes[2:], strict=True):
            await _listening(port, web)
            for _ in range(VIEWERS_PER_PROCESS):
                ws = await connect(
                    f"ws://127.0.0.1:{port}/ws/drones/",
                    additional_headers={"Cookie": cookie},
                    origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
                    open_timeout=30,
                )
                snapshot = json.loads(await asyncio.wait_for(ws.recv(), 30))
                assert snapshot["type"] == "snapshot"
                sockets.append((ws, snapshot["drones"].get(str(drone.id), {})))

        async def follows(ws, state: dict) -> dict:
            """Rebuild the drone's state from the snapshot and frames, as the page does, until it has a position."""
            seq = state.get("seq", 0)
            while state.get("lat") is None or not state.get("link_ok"):
                frame = json.loads(await ws.recv())
                for update in frame.get("updates", []):
                    if update["drone"] != drone.id:
                        continue
                    if update.get("full"):
                        state = dict(update["state"])  # replaces whatever it had
                    else:
                        assert update["seq"] == seq + 1, f"a change on top of a state this viewer never had: {update}"
                        state.update(update["state"])
                    seq = update["seq"]
            return state

        states = await asyncio.wait_for(asyncio.gather(*(follows(ws, state) for ws, state in sockets)), 60)
        assert all(abs(s["lat"] - 36.185) < 0.01 for s in states)
        counts = dict(await redis.pubsub_numsub(settings.DRONE_TELEMETRY_CHANNEL))
        assert counts[settings.DRONE_TELEMETRY_CHANNEL.encode()] == len(ports)  # one per process, not per viewer
    finally:
        for ws, _ in sockets:
            await ws.close()
        await redis.aclose()
        outputs = [stop(p) for p in reversed(processes)]
    assert "drone bridge shard 0/1 running with 1 drone(s)" in outputs[-2], outputs[-2][-2000:]
