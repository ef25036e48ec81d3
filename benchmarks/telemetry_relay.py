"""The baseline of ``benchmarks.telemetry``: a bare pymavlink-to-``websockets`` relay in one process.

    python -m benchmarks.telemetry_relay --vehicles vehicles.json --port 8765

No Django, no channel layer, no database, no authentication: N TCP links to the simulated
fleet, each parsed by pymavlink (``MAVLink.parse_buffer``, robust parsing, as the bridge's
link does) and folded into ``drones.mavlink.telemetry.TelemetryState`` (the same normalization,
so the same JSON per drone); then the *same coalescing as the bridge*: every 50 ms, each
drone whose state changed (more than its ``time_s``) and whose last update is at least 200 ms
old (leading-edge 5 Hz) gets its next ``seq``, and all of them go out as one ``fleet`` message, encoded once and
written to every client with ``websockets.broadcast``. It asks the vehicles for exactly what
the bridge asks, when the bridge asks it (``REQUEST_DATA_STREAM``: the streams the bridge reads
at 4 Hz, the others stopped, plus three message intervals, on the first HEARTBEAT), sends a GCS
heartbeat a second, and answers ``resync`` with a snapshot. Unlike the bridge it decodes every
frame, as plain pymavlink does (the bridge passes over the ones nobody reads:
``drones.mavlink.parsing``).

Prints ``{"port": ..., "pid": ...}`` once every link is up; stops on SIGTERM/SIGINT and then
prints ``{"messages": ..., "published": ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymavlink.dialects.v20 import ardupilotmega as mavlink  # noqa: E402
from websockets.asyncio.server import ServerConnection, broadcast, serve  # noqa: E402

from drones.mavlink.commands import EXTRA_MESSAGE_INTERVALS, STREAMS_READ, STREAMS_STOPPED  # noqa: E402
from drones.mavlink.telemetry import TelemetryState  # noqa: E402

UI_PERIOD_S = 0.2
BATCH_PERIOD_S = 0.05


class Link(asyncio.Protocol):
    def __init__(self, relay: Relay, drone_id: int) -> None:
        self.relay = relay
        self.drone_id = drone_id
        self.mav = mavlink.MAVLink(None, srcSystem=255, srcComponent=190)
        self.mav.robust_parsing = True
        self.state = TelemetryState()
        self.transport: asyncio.Transport | None = None
        self.dirty = False
        self.streaming = False
        self.seq = 0
        self.published_at = float("-inf")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.heartbeat()

    def request_streams(self) -> None:
        """On the vehicle's first HEARTBEAT, as ``MavlinkVehicle.connect`` does (so the 4 Hz bursts
        take their phase from each vehicle's heartbeat, as they do with the bridge)."""
        self.streaming = True
        mav = self.mav
        for stream_id in STREAMS_STOPPED:
            self.send(mav.request_data_stream_encode(1, 1, stream_id, 0, 0))
        for stream_id in STREAMS_READ:
            self.send(mav.request_data_stream_encode(1, 1, stream_id, 4, 1))
        for message_id, interval_us in EXTRA_MESSAGE_INTERVALS.items():
            self.send(mav.command_long_encode(1, 1, mavlink.MAV_CMD_SET_MESSAGE_INTERVAL, 0, message_id,
                                              interval_us, 0, 0, 0, 0, 0))  # fmt: skip
        self.send(mav.command_long_encode(1, 1, mavlink.MAV_CMD_REQUEST_MESSAGE, 0,
                                          mavlink.MAVLINK_MSG_ID_HOME_POSITION, 0, 0, 0, 0, 0, 0))  # fmt: skip

    def send(self, msg: Any) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(msg.pack(self.mav))

    def heartbeat(self) -> None:
        self.send(self.mav.heartbeat_encode(mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 4))

    def data_received(self, data: bytes) -> None:
        messages = self.mav.parse_buffer(data)
        if not messages:
            return
        apply = self.state.apply
        changed = False
        for msg in messages:
            if msg.get_srcSystem() == 1 and msg.get_srcComponent() == 1 and apply(msg):
                changed = True
        if not self.streaming and self.state.link_ok:
            self.request_streams()
        self.relay.messages += len(messages)
        if changed:
            self.dirty = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.link_ok = False
        self.dirty = True

    def as_state(self) -> dict[str, Any]:
        data = self.state.snapshot().as_dict()
        data["status"] = "connected" if self.state.link_ok else "offline"
        data["error"] = ""
        return data


def _unchanged(state: dict[str, Any], published: dict[str, Any] | None) -> bool:
    if published is None or len(published) != len(state) + 1:
        return False
    return all(key == "time_s" or (key in published and published[key] == v) for key, v in state.items())


class Relay:
    def __init__(self) -> None:
        self.links: list[Link] = []
        self.clients: set[ServerConnection] = set()
        self.latest: dict[int, dict[str, Any]] = {}
        self.messages = 0
        self.published = 0

    async def handler(self, ws: ServerConnection) -> None:
        await ws.send(self.snapshot())
        self.clients.add(ws)
        try:
            async for text in ws:
                if isinstance(text, str) and '"resync"' in text:
                    await ws.send(self.snapshot())
        finally:
            self.clients.discard(ws)

    def snapshot(self) -> str:
        return json.dumps(
            {"type": "snapshot", "drones": {str(i): s for i, s in self.latest.items()}, "ids": list(self.latest)}
        )

    async def publisher(self) -> None:
        while True:
            started = time.monotonic()
            now = started
            updates = []
            for link in self.links:
                if link.dirty and now - link.published_at >= UI_PERIOD_S:
                    link.dirty = False
                    state = link.as_state()
                    if _unchanged(state, self.latest.get(link.drone_id)):
                        continue  # only time_s moved (a heartbeat): the bridge skips these too
                    link.published_at = now
                    link.seq += 1
                    state["seq"] = link.seq
                    self.latest[link.drone_id] = state
                    updates.append({"drone": link.drone_id, "seq": link.seq, "state": state})
            if updates:
                broadcast(self.clients, json.dumps({"type": "fleet", "updates": updates}))
                self.published += len(updates)
            await asyncio.sleep(max(0.0, BATCH_PERIOD_S - (time.monotonic() - started)))

    async def heartbeats(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            for link in self.links:
                link.heartbeat()


async def _main(args: argparse.Namespace, vehicles: list[dict[str, Any]]) -> dict[str, Any]:
    relay = Relay()
    loop = asyncio.get_running_loop()
    for drone_id, vehicle in enumerate(vehicles):
        _, host, port = vehicle["connection"].split(":")
        link = Link(relay, drone_id)
        await loop.create_connection(lambda link=link: link, host, int(port))
        relay.links.append(link)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(relay.handler, "127.0.0.1", args.port, compression=None, max_size=None):
        tasks = [asyncio.create_task(relay.publisher()), asyncio.create_task(relay.heartbeats())]
        print(json.dumps({"port": args.port, "pid": os.getpid()}), flush=True)
        await stop.wait()
        for task in tasks:
            task.cancel()
        for client in list(relay.clients):
            await client.close()
    for link in relay.links:
        if link.transport is not None:
            link.transport.close()
    return {"messages": relay.messages, "published": relay.published}


def main() -> int:
    if len(sys.argv) == 1:  # ``python -m benchmarks`` runs every module: this one is a part of benchmarks.telemetry
        print("(a helper of benchmarks.telemetry: run python -m benchmarks.telemetry)")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", required=True, help="JSON list of {connection} from benchmarks.telemetry_fleet")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    vehicles = json.loads(Path(args.vehicles).read_text())
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(_main(args, vehicles))
    else:
        result = uvloop.run(_main(args, vehicles))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
