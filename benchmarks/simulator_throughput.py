"""Throughput of the simulated ArduCopter fleet.

Two measurements:

1. ``encode``: one vehicle's telemetry bursts built and framed in-process, no sockets -
   messages per second per core on the hot path.
2. ``fleet``: ``python -m simulators fleet --count N`` in a subprocess, N TCP clients here
   asking for all streams at 4 Hz (what a GCS or the telemetry bridge does) and counting the
   frames; reports the fleet process's CPU (% of one core) and the delivered message rate.
   ``--airborne`` also arms every vehicle and takes it off to 20 m (physics running).

    .venv/bin/python benchmarks/simulator_throughput.py encode
    .venv/bin/python benchmarks/simulator_throughput.py fleet --count 200 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pymavlink.dialects.v20 import all as mavlink  # noqa: E402

from simulators.arducopter.vehicle import Vehicle, VehicleOptions  # noqa: E402


class _FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.speedup = 1.0
        self.started = True

    def now_s(self) -> float:
        return self.t

    def unix_time_s(self, now_s: float) -> float:
        return 1.7e9 + now_s

    def start(self) -> None:
        pass


class _Sink:
    def __init__(self) -> None:
        self.bytes = 0
        self.frames = 0

    def write(self, data: bytes) -> None:
        self.bytes += len(data)
        self.frames += _count_frames(data)


def _count_frames(data: bytes) -> int:
    count = 0
    i = 0
    n = len(data)
    while i + 12 <= n:
        if data[i] != 0xFD:
            i += 1
            continue
        i += data[i + 1] + 12
        count += 1
    return count


def bench_encode(seconds: float) -> None:
    vehicle = Vehicle(VehicleOptions(fast_boot=True, boot_on_connect=False))
    clock = _FakeClock()
    vehicle.clock = clock  # type: ignore[assignment]
    vehicle.link_active = True
    vehicle.streams.request_data_stream(0, 4, True)
    for _ in range(400):  # past the fast boot: every stream message available
        clock.t += 0.02
        vehicle.tick()
    sink = _Sink()
    vehicle.link = sink
    ticks = int(seconds / 0.02)
    start = time.process_time()
    for _ in range(ticks):
        clock.t += 0.02
        vehicle.tick()
    cpu = time.process_time() - start
    rate = sink.frames / cpu
    print(f"encode: {sink.frames} frames for {seconds:.0f} vehicle s in {cpu * 1000:.1f} ms CPU")
    print(f"  {rate:,.0f} messages/s per core ({cpu / sink.frames * 1e6:.2f} us per message incl. ticks)")
    print(f"  one vehicle at 4 Hz: {sink.frames / seconds:.0f} messages/s, {cpu / seconds * 100:.3f} % of a core")


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


async def _client(host: str, port: int, counter: list[int], airborne: bool, stop: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    mav = mavlink.MAVLink(None, srcSystem=255, srcComponent=190)

    def send(msg: object) -> None:
        writer.write(msg.pack(mav))  # type: ignore[attr-defined]

    send(mavlink.MAVLink_heartbeat_message(6, 8, 0, 0, 4, 3))
    send(mavlink.MAVLink_request_data_stream_message(1, 1, 0, 4, 1))
    buffer = b""

    async def heartbeat() -> None:
        step = 0
        while not stop.is_set():
            send(mavlink.MAVLink_heartbeat_message(6, 8, 0, 0, 4, 3))
            if airborne:
                step += 1
                if step == 6:
                    send(mavlink.MAVLink_command_long_message(1, 1, 176, 0, 1, 4, 0, 0, 0, 0, 0))
                if step in (7, 9, 11):
                    send(mavlink.MAVLink_command_long_message(1, 1, 400, 0, 1, 0, 0, 0, 0, 0, 0))
                if step in (8, 10, 12):
                    send(mavlink.MAVLink_command_long_message(1, 1, 22, 0, 0, 0, 0, 0, 0, 0, 20))
            await asyncio.sleep(1.0)

    task = asyncio.create_task(heartbeat())
    try:
        while not stop.is_set():
            data = await reader.read(65536)
            if not data:
                break
            buffer += data
            i, n, count = 0, len(buffer), 0
            while i < n:
                if buffer[i] != 0xFD:
                    i += 1
                    continue
                if i + 12 > n or i + buffer[i + 1] + 12 > n:
                    break
                i += buffer[i + 1] + 12
                count += 1
            buffer = buffer[i:]
            counter[0] += count
    finally:
        task.cancel()
        writer.close()


async def _drive(addresses: list[tuple[str, int]], pid: int, warmup_s: float, seconds: float, airborne: bool) -> None:
    counter = [0]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_client(h, p, counter, airborne, stop)) for h, p in addresses]
    await asyncio.sleep(warmup_s)
    cpu0, frames0, t0 = _proc_cpu_s(pid), counter[0], time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, frames1, t1 = _proc_cpu_s(pid), counter[0], time.monotonic()
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    wall = t1 - t0
    rate = (frames1 - frames0) / wall
    cpu = (cpu1 - cpu0) / wall
    n = len(addresses)
    print(f"fleet: {n} vehicles{' airborne' if airborne else ''}, all streams at 4 Hz, {wall:.1f} s measured")
    print(f"  delivered {rate:,.0f} messages/s ({rate / n:.0f} per vehicle)")
    print(f"  fleet process CPU: {cpu * 100:.1f} % of one core ({cpu / max(rate, 1) * 1e6:.1f} us per message)")


def bench_fleet(count: int, seconds: float, warmup_s: float, airborne: bool) -> None:
    args = [sys.executable, "-m", "simulators", "fleet", "--count", str(count), "--base-port", "0", "--fast-boot",
            "--no-banner", "--boot-now"]  # fmt: skip
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        addresses = []
        assert process.stdout is not None
        for _ in range(count):
            _, host, port = process.stdout.readline().strip().split(":")
            addresses.append((host, int(port)))
        asyncio.run(_drive(addresses, process.pid, warmup_s, seconds, airborne))
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    enc = sub.add_parser("encode")
    enc.add_argument("--seconds", type=float, default=600.0, help="vehicle seconds to simulate")
    fleet = sub.add_parser("fleet")
    fleet.add_argument("--count", type=int, default=200)
    fleet.add_argument("--seconds", type=float, default=20.0)
    fleet.add_argument("--warmup", type=float, default=20.0)
    fleet.add_argument("--airborne", action="store_true")
    args = parser.parse_args()
    if args.what == "encode":
        bench_encode(args.seconds)
    else:
        bench_fleet(args.count, args.seconds, args.warmup, args.airborne)
    return 0


if __name__ == "__main__":
    sys.exit(main())
