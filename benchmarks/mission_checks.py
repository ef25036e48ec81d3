"""How long the airspace and feasibility checks of one mission take: 200 waypoints against 1,000 no-fly zones.

Run from the repository root:

    python -m benchmarks.mission_checks
    python -m benchmarks.mission_checks --runs 200 --zones 2000 --profile
    python -m benchmarks.mission_checks --case api --database-url postgres://.../fresh_db   # REDIS_URL=... too

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

"Through the API" (``--case api``) puts the county zones in a fresh database (a new SQLite file,
or ``--database-url``) and times ``POST /api/drones/missions/<id>/check/``, what every save runs,
with Django's test client: cold (this process's airspace index dropped before every call, as the
first check of a new process), warm, and right after a zone edit (``airspace_save``, which moves the
airspace version, so the index is rebuilt); and ``GET .../map/``, which the planner page asks for
after every edit (right after a check, in its language, so drawn from the stored check). The aim
is a p95 under 50 ms warm. Beside the wall-clock times, the CPU time of
this process (the database server's is not in it), which a loaded machine disturbs less.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LAUNCH = (36.185, 118.17)
HALF_LAT, HALF_LON = 0.5, 0.6  # the county, degrees either way
M_PER_DEG_LAT = 111_000.0


def setup_django(database_url: str = "") -> None:
    """Django with the test settings on ``database_url`` (a fresh, benchmark-only database), migrated.

    Empty: a new SQLite file in a temporary directory, whatever ``DATABASE_URL`` says. ``REDIS_URL``
    makes the cache, and so the shared airspace version, Redis, as in production.
    """
    if not database_url:
        database_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-mission-checks-')) / 'db.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


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


def pure_rows(args, route) -> list:
    """The checks alone, from GeoJSON zones and with a prebuilt index (no database)."""
    from drones.missions.checks.limits import Limits
    from drones.missions.checks.run import check_route
    from drones.missions.checks.zones import AirspaceIndex

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
        rows.append((layout, full_times, index_times, prepared_times, result, _codes(result)))
        if args.profile and layout == "dense":
            _profile(full)
    return rows


def _codes(result) -> dict[str, int]:
    codes: dict[str, int] = {}
    for violation in result.violations:
        codes[violation.code] = codes.get(violation.code, 0) + 1
    return codes


def _profile(function) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    function()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def _api_mission(zones: list, route: list):
    """The zones as ``Airspace`` rows, a bureau administrator and a drone with a mission of ``route``."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from common.roles import Role
    from drones.models import Airspace, Drone, Mission

    Airspace.objects.bulk_create(Airspace(name=z.name, kind=z.kind, geometry=z.geometry) for z in zones)
    user = get_user_model().objects.create_user("bench-planner", password="bench-planner-pw")
    user.groups.add(Group.objects.get_or_create(name=Role.BUREAU_ADMIN.value)[0])
    drone = Drone.objects.create(
        name="B1", serial="BENCH1", connection="tcp:127.0.0.1:5760", home_lat=LAUNCH[0], home_lon=LAUNCH[1]
    )
    mission = Mission.objects.create(
        name="bench", drone=drone, waypoints=[w.as_dict() for w in route], takeoff_alt_m=20.0, speed_mps=8.0
    )
    return user, mission


def api_rows(args, route) -> list:
    """``POST /api/drones/missions/<id>/check/`` (what a save runs) and ``GET .../map/`` (what the
    planner page asks for after every edit) through Django's test client, on the database."""
    from django.test import Client
    from django.test.utils import setup_test_environment

    from drones.airspace.index import airspace_index_forget
    from drones.airspace.services import airspace_save
    from drones.models import Airspace

    setup_test_environment()  # the test client's host name
    zones = make_zones(args.zones, "county")
    user, mission = _api_mission(zones, route)
    client = Client()
    client.force_login(user)
    check_url = f"/api/drones/missions/{mission.pk}/check/"
    map_url = f"/api/drones/missions/{mission.pk}/map/"

    def check():
        response = client.post(check_url, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, response.content[:500]
        return response

    edited = Airspace.objects.order_by("pk").first()

    def zone_edit():
        edited.notes = f"edit {time.perf_counter_ns()}"
        airspace_save(zone=edited, actor=user, reason="benchmark")

    cases = [
        ("check, cold (first in a process)", check, airspace_index_forget),
        ("check, warm", check, None),
        ("check, after a zone edit", check, zone_edit),
        ("map, warm (after a check)", lambda: client.get(map_url, HTTP_ACCEPT_LANGUAGE="en"), None),
    ]
    if edited is None:  # --zones 0: the floor, what a check costs without any airspace
        del cases[2]
    times: dict[str, list[float]] = {label: [] for label, _f, _b in cases}
    cpu: dict[str, list[float]] = {label: [] for label, _f, _b in cases}
    check()
    # Round-robin, so that the cases share whatever else the machine is doing.
    for _ in range(args.runs):
        for label, function, before in cases:
            if before:
                before()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = function()
            times[label].append((time.perf_counter() - started) * 1000)
            cpu[label].append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.content[:500]
    rows = [(label, times[label], cpu[label]) for label, _f, _b in cases]
    if args.profile:
        _profile(check)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--zones", type=int, default=1000)
    parser.add_argument("--waypoints", type=int, default=200)
    parser.add_argument("--case", choices=("pure", "api", "all"), default="all")
    parser.add_argument(
        "--database-url", default="", help="A fresh, benchmark-only database for the API case (default: new SQLite)"
    )
    parser.add_argument("--profile", action="store_true", help="Profile one dense check / one API check (top 25).")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.utils import translation

    translation.activate("en")
    route = make_route(args.waypoints)
    ok = True
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"{args.waypoints} waypoints, {args.zones} no-fly polygons, {args.runs} runs each; times in ms "
        f"(median / p95). Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}.\n"
    )
    if args.case in ("pure", "all"):
        print("| layout | full check | index build | check with index | violations | fence items | aim < 100 ms |")
        print("|---|---|---|---|---|---|---|")
        for layout, full_times, index_times, prepared_times, result, codes in pure_rows(args, route):
            median = statistics.median(full_times)
            ok &= median < 100
            found = ", ".join(f"{code} {n}" for code, n in sorted(codes.items())) or "none"
            fence = len(result.fence_items()) if result.operating_area else 0
            print(
                f"| {layout} | {median:.1f} / {p95(full_times):.1f} | {statistics.median(index_times):.1f} / "
                f"{p95(index_times):.1f} | {statistics.median(prepared_times):.1f} / {p95(prepared_times):.1f} | "
                f"{found} | {fence} | {'yes' if median < 100 else 'NO'} |"
            )
    if args.case in ("api", "all"):
        from django.conf import settings

        cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(f"\nThrough the API ({connection.vendor}, cache {cache}), county layout:\n")
        print("| request | median | p95 | CPU of this process, median / p95 | aim p95 < 50 ms |")
        print("|---|---|---|---|---|")
        for label, times, cpu in api_rows(args, route):
            aimed = label.startswith("check, warm") or label.startswith("check, after")
            ok &= not aimed or p95(times) < 50
            verdict = ("yes" if p95(times) < 50 else "NO") if aimed else "-"
            print(
                f"| {label} | {statistics.median(times):.1f} | {p95(times):.1f} | "
                f"{statistics.median(cpu):.1f} / {p95(cpu):.1f} | {verdict} |"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
