"""Mission upload plus verification (download and compare) against the project's ArduCopter simulator.

    python -m benchmarks.mission_upload [--sizes 50 200 650 700] [--runs 5] [--backend pymavlink|dronekit]

For each size: a mission of that many items (home, take-off, waypoints, return)
is uploaded with the MAVLink mission protocol, read back and compared, as a
flight does before it arms. ArduCopter stores at most 650 items: a larger
mission is refused by the vehicle (MAV_MISSION_NO_SPACE) and reported as such,
with the time the refusal took. The simulator answers at real speed-up 1 on
loopback TCP, so times are protocol round trips plus encode/decode cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def build_items(count: int, lat: float, lon: float):
    from drones.vehicle import MissionItem

    items = [MissionItem(command=16, frame=0, x=lat, y=lon, z=0), MissionItem(command=22, frame=3, z=20)]
    for i in range(count - 3):
        items.append(
            MissionItem(command=16, frame=3, x=lat + 0.00001 * (i % 50), y=lon + 0.00001 * (i // 50), z=20 + (i % 10))
        )
    items.append(MissionItem(command=20, frame=0))
    return items


async def measure(connection: str, sizes: list[int], runs: int, backend: str) -> list[dict]:
    from drones.links import open_vehicle
    from drones.missions.execution import items_match
    from drones.vehicle import MissionTransferFailed

    vehicle = open_vehicle(connection, backend=backend)
    await vehicle.connect(30)
    await vehicle.wait_ready(60)
    state = vehicle.telemetry()
    rows = []
    try:
        for size in sizes:
            items = build_items(size, state.lat, state.lon)
            times, outcome = [], "verified"
            for _ in range(runs):
                started = time.perf_counter()
                try:
                    await vehicle.upload_mission(items)
                    got = await vehicle.download_mission()
                    problem = items_match(items, got, mission=True)
                    if problem:
                        outcome = f"MISMATCH: {problem}"
                except MissionTransferFailed as exc:
                    outcome = f"refused by the vehicle: {exc.details.get('result')}"
                times.append(time.perf_counter() - started)
            rows.append(
                {
                    "items": size,
                    "median_s": statistics.median(times),
                    "max_s": max(times),
                    "runs": runs,
                    "outcome": outcome,
                }
            )
    finally:
        await vehicle.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 650, 700])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["pymavlink", "dronekit"], default="pymavlink")
    args = parser.parse_args()
    import django

    django.setup()
    from simulators.fleet import Fleet, FleetThread, fleet_options

    thread = FleetThread(Fleet(fleet_options(1, base_port=0, speedup=1.0, fast_boot=True))).start()
    try:
        rows = asyncio.run(measure(thread.fleet.connection_strings[0], args.sizes, args.runs, args.backend))
    finally:
        thread.stop()
    print(
        f"Mission upload + verification by download, simulator at speed-up 1, {args.backend}, {args.runs} runs each\n"
    )
    print("| items | median (s) | max (s) | items/s | outcome |")
    print("|---:|---:|---:|---:|---|")
    for row in rows:
        rate = row["items"] / row["median_s"] if row["outcome"] == "verified" else 0
        print(f"| {row['items']} | {row['median_s']:.2f} | {row['max_s']:.2f} | {rate:.0f} | {row['outcome']} |")


if __name__ == "__main__":
    main()
