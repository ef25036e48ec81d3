"""How long the airspace and feasibility checks of one mission take: 200 waypoints against 1,000 no-fly zones.

Run from the repository root (no database needed; the checks are pure):

    python -m benchmarks.mission_checks
    python -m benchmarks.mission_checks --runs 200 --zones 2000 --profile

Zones are irregular polygons of realistic sizes (radius 30-600 m, 6-24
vertices) given as GeoJSON dicts, as ``Airspace`` rows hold them. Two layouts:

- ``county``: the zones spread over the whole sample county (about 110 km x
  110 km around 36.18 N, 118.17 E), so only a few lie near any one mission;
- ``dense``: all of them within 3 km of the launch point, many crossing the
  route, so every violation path and message is exercised.

The route is 200 waypoints within 480 m of the launch point (a random walk in
steps of up to 40 m, at 25-60 m), with holds and loudspeaker switches. "Full check" is one
``check_route`` call from the zones as GeoJSON (it parses and indexes them);
"with index" passes an ``AirspaceIndex`` built once, as a caller checking many
missions against the same airspace would. The aim is under 100 ms for the full check.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np

LAUNCH = (36.185, 118.17)
HALF_LAT, HALF_LON = 0.5, 0.6  # the county, degrees either way
M_PER_DEG_LAT = 111_000.0


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def _polygon(rng: np.random.Generator, lat: float, lon: float, radius_m: float) -> dict:
    vertices = int(rng.integers(6, 25))
    angles = np.sort(rng.uniform(0, 2 * math.pi, vertices))
    radii = radius_m * rng.uniform(0.6, 1.0, vertices)
    dlat = radii * np.sin(angles) / M_PER_DEG_LAT
    dlon = radii * np.cos(angles) / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    ring = [[float(lon + a), float(lat + b)] for a, b in zip(dlon, dlat, strict=True)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def make_zones(count: int, layout: str, seed: int = 2026) -> list:
    from drones.missions.checks.zones import Zone

    rng = np.random.default_rng(seed)
    zones = []
    for n in range(count):
        if layout == "county":
            lat = LAUNCH[0] + rng.uniform(-HALF_LAT, HALF_LAT)
            lon = LAUNCH[1] + rng.uniform(-HALF_LON, HALF_LON)
            radius = float(rng.uniform(30, 600))
        else:
            distance = float(rng.uniform(0, 3000))
            bearing = float(rng.uniform(0, 2 * math.pi))
            lat = LAUNCH[0] + distance * math.sin(bearing) / M_PER_DEG_LAT
            lon = LAUNCH[1] + distance * math.cos(bearing) / (M_PER_DEG_LAT * math.cos(math.radians(LAUNCH[0])))
            radius = float(rng.uniform(30, 120))
        zones.append(Zone(name=f"禁飞区 {n}（样例）", kind="no_fly", geometry=_polygon(rng, lat, lon, radius), id=n))
    return zones


def make_route(count: int, seed: int = 7) -> list:
    from drones.missions.route import Waypoint

    rng = np.random.default_rng(seed)
    route = []
    x = y = 0.0
    alt = 40.0
    cos_lat = math.cos(math.radians(LAUNCH[0]))
    for n in range(count):
        for _ in range(20):
            nx, ny = x + rng.uniform(-40, 40), y + rng.uniform(-40, 40)
            if math.hypot(nx, ny) < 480:
                x, y = nx, ny
                break
        alt = float(np.clip(alt + rng.uniform(-3, 3), 25, 60))
        route.append(
            Waypoint(
                lat=LAUNCH[0] + y / M_PER_DEG_LAT,
                lon=LAUNCH[1] + x / (M_PER_DEG_LAT * cos_lat),
                alt_m=alt,
                hold_s=10.0 if n % 25 == 0 else 0.0,
                speaker=True if n % 50 == 5 else (False if n % 50 == 30 else None),
            )
        )
    return route


def timed(function, runs: int) -> tuple[list[float], object]:
    function()  # warm up (transformer cache, imports)
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--zones", type=int, default=1000)
    parser.add_argument("--waypoints", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="Profile one full dense check and print the top 25.")
    args = parser.parse_args()
    setup_django()
    from django.utils import translation

    from drones.missions.checks.limits import Limits
    from drones.missions.checks.run import check_route
    from drones.missions.checks.zones import AirspaceIndex

    translation.activate("en")
    route = make_route(args.waypoints)
    limits = Limits()  # the defaults: 120 m, 500 m, 25 % reserve
    rows = []
    for layout in ("county", "dense"):
        zones = make_zones(args.zones, layout)

        def full(zones=zones):
            return check_route(
                route,
                launch=LAUNCH,
                takeoff_alt_m=20.0,
                speed_mps=8.0,
                drone_endurance_min=40,
                airspaces=zones,
                limits=limits,
            )

        index_times, index = timed(lambda zones=zones: AirspaceIndex(zones), args.runs)

        def prepared(index=index):
            return check_route(
                route,
                launch=LAUNCH,
                takeoff_alt_m=20.0,
                speed_mps=8.0,
                drone_endurance_min=40,
                airspaces=index,
                limits=limits,
            )

        full_times, result = timed(full, args.runs)
        prepared_times, _result = timed(prepared, args.runs)
        codes = {}
        for violation in result.violations:
            codes[violation.code] = codes.get(violation.code, 0) + 1
        rows.append((layout, full_times, index_times, prepared_times, result, codes))
        if args.profile and layout == "dense":
            profiler = cProfile.Profile()
            profiler.enable()
            full()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    print(
        f"{args.waypoints} waypoints, {args.zones} no-fly polygons, {args.runs} runs each; "
        f"times in ms (median / p95). Python {sys.version.split()[0]}.\n"
    )
    print("| layout | full check | index build | check with index | violations | fence items | aim < 100 ms |")
    print("|---|---|---|---|---|---|---|")
    ok = True
    for layout, full_times, index_times, prepared_times, result, codes in rows:
        median = statistics.median(full_times)
        ok &= median < 100
        found = ", ".join(f"{code} {n}" for code, n in sorted(codes.items())) or "none"
        fence = len(result.fence_items()) if result.operating_area else 0
        print(
            f"| {layout} | {median:.1f} / {p95(full_times):.1f} | {statistics.median(index_times):.1f} / "
            f"{p95(index_times):.1f} | {statistics.median(prepared_times):.1f} / {p95(prepared_times):.1f} | "
            f"{found} | {fence} | {'yes' if median < 100 else 'NO'} |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
