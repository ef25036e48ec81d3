"""The simulator side of ``benchmarks.telemetry``: one process running a share of the simulated fleet.

    python -m benchmarks.telemetry_fleet --count 200 [--first 0] [--boot-spread 1.0]

Runs ``simulators.fleet.Fleet`` (the project's ArduCopter simulator, unchanged) in this
process, like ``python -m simulators fleet --fast-boot --no-banner --speedup 1``, with two
additions the benchmark needs and the command line does not give:

* each vehicle's boot time on the UNIX clock, for end-to-end latency. The simulator stamps
  ``time_boot_ms = (now_s + BOOT_CLOCK_OFFSET_S) * 1000`` with ``now_s`` the monotonic seconds
  since its clock started, and ``clock.unix_time_s(0)`` is ``time.time()`` taken at that same
  start, so a message stamped ``T`` left at ``unix_time_s(0) + T / 1000 - BOOT_CLOCK_OFFSET_S``
  (speed-up 1; the truncation of ``time_boot_ms`` makes that up to 1 ms early, so latencies
  read up to 1 ms long). Printed as ``send_epoch``: add ``T / 1000`` to get the send time;
* boots spread evenly over ``--boot-spread`` seconds (vehicle i at ``i / count * spread``), so
  each vehicle's 4 Hz burst grid has its own phase, as a real fleet that did not power up in
  the same millisecond. ``--boot-spread 0`` boots them all at once: every burst of every
  vehicle in the same tick, the worst case.

Protocol: one JSON line on stdout once every vehicle listens
(``{"pid", "vehicles": [{"connection", "send_epoch"}]}``); then each ``stats`` line on stdin
answers one JSON line (frames built and sent, frames the simulator dropped because a client
did not read); ``stop`` or end of input stops the fleet.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulators.arducopter.clock import BOOT_CLOCK_OFFSET_S  # noqa: E402
from simulators.arducopter.vehicle import Vehicle  # noqa: E402
from simulators.fleet import Fleet, fleet_options  # noqa: E402


class _Counter:
    frames = 0


def _count_frames(counter: type[_Counter]) -> None:
    """Count frames as they are flushed to the link: one integer addition per flush, in this process only."""
    original = Vehicle.flush

    def flush(self: Vehicle) -> None:
        counter.frames += len(self.outbox)
        original(self)

    Vehicle.flush = flush  # type: ignore[method-assign]


async def _boot_spread(fleet: Fleet, spread_s: float) -> None:
    count = len(fleet.vehicles)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i, vehicle in enumerate(fleet.vehicles):
        delay = started + spread_s * i / count - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        vehicle.start()


async def _serve(args: argparse.Namespace) -> None:
    _count_frames(_Counter)
    options = fleet_options(
        args.count,
        base_port=0,
        speedup=1.0,
        fast_boot=True,
        console_banner=False,
        boot_on_connect=True,  # nobody connects before we boot them below
        spacing_m=30.0,
    )
    fleet = Fleet(options)
    await fleet.start()
    await _boot_spread(fleet, args.boot_spread)
    vehicles = [
        {"connection": s.connection_string, "send_epoch": v.clock.unix_time_s(0.0) - BOOT_CLOCK_OFFSET_S}
        for s, v in zip(fleet.servers, fleet.vehicles, strict=True)
    ]
    print(json.dumps({"pid": os.getpid(), "vehicles": vehicles}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while True:
            line = (await reader.readline()).decode().strip()
            if line == "stats":
                dropped = sum(s.frames_dropped for s in fleet.servers)
                print(json.dumps({"frames": _Counter.frames, "dropped": dropped, "errors": fleet.errors}), flush=True)
            elif line in ("stop", ""):
                return
    finally:
        await fleet.stop()


def main() -> int:
    if len(sys.argv) == 1:  # ``python -m benchmarks`` runs every module: this one is a part of benchmarks.telemetry
        print("(a helper of benchmarks.telemetry: run python -m benchmarks.telemetry)")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--boot-spread", type=float, default=1.0, help="seconds over which the vehicles boot")
    args = parser.parse_args()
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
