"""How fast a county-sized registry import is: 10,000 schools (GCJ-02 CSV) over 200 jurisdictions.

Run from the repository root (it sets up Django itself, on a fresh SQLite file
in a temporary directory, whatever DATABASE_URL says):

    DJANGO_SETTINGS_MODULE=config.settings.test python -m benchmarks.import_schools
    python -m benchmarks.import_schools --schools 20000 --stations 300 --profile

It generates 200 police stations around 36.18 N, 118.17 E whose jurisdictions
are a Voronoi partition of the county (GeoJSON in GCJ-02), and 10,000 schools
as a CSV in GCJ-02 with every column filled in, then times the import through
the same services the page, the API and the commands use: parse, convert,
validate, one spatial join, bulk writes, batch and audit records. Wall times
are measured without tracemalloc (which slows allocation down); the memory
peak comes from a separate run under tracemalloc, plus the process's maximum
resident set size.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

CENTER_LAT, CENTER_LON = 36.18, 118.17
# Half the county's extent in degrees: about 110 km north-south by 110 km east-west.
HALF_LAT, HALF_LON = 0.5, 0.6
LEVELS = ["小学", "初中", "幼儿园", "高中", "九年一贯制", "职业学校", "特殊教育学校"]


def setup_django(database: Path) -> None:
    """Point Django at a new SQLite file and create the tables (not timed)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def county_files(stations: int, schools: int, seed: int = 2023) -> tuple[bytes, bytes, bytes]:
    """Stations CSV (WGS-84), jurisdictions GeoJSON (GCJ-02) and schools CSV (GCJ-02, UTF-8)."""
    import shapely
    from shapely.geometry import MultiPoint, box

    from common.geo import from_wgs84, geometry_to_geojson

    rng = np.random.default_rng(seed)
    bounds = box(CENTER_LON - HALF_LON, CENTER_LAT - HALF_LAT, CENTER_LON + HALF_LON, CENTER_LAT + HALF_LAT)
    seeds_lon = rng.uniform(bounds.bounds[0], bounds.bounds[2], stations)
    seeds_lat = rng.uniform(bounds.bounds[1], bounds.bounds[3], stations)
    cells = shapely.voronoi_polygons(
        MultiPoint(np.column_stack([seeds_lon, seeds_lat])), extend_to=bounds, ordered=True
    )
    polygons = shapely.intersection(np.asarray(cells.geoms), bounds)

    station_csv = io.StringIO()
    writer = csv.writer(station_csv)
    writer.writerow(["code", "name", "duty_phone", "lat", "lon"])
    for n in range(stations):
        writer.writerow(
            [f"P{n:03d}", f"第{n}派出所（样例）", f"0000-{n:07d}", f"{seeds_lat[n]:.6f}", f"{seeds_lon[n]:.6f}"]
        )

    def to_gcj(xy: np.ndarray) -> np.ndarray:
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], "gcj02")
        return np.column_stack([lon, lat])

    features = [
        {"type": "Feature", "properties": {"station_code": f"P{n:03d}"}, "geometry": geometry_to_geojson(polygon)}
        for n, polygon in enumerate(shapely.transform(polygons, to_gcj))
    ]
    jurisdictions = json.dumps({"type": "FeatureCollection", "features": features}).encode()

    lat = rng.uniform(CENTER_LAT - HALF_LAT * 0.98, CENTER_LAT + HALF_LAT * 0.98, schools)
    lon = rng.uniform(CENTER_LON - HALF_LON * 0.98, CENTER_LON + HALF_LON * 0.98, schools)
    gcj_lon, gcj_lat = from_wgs84(lon, lat, "gcj02")
    school_csv = io.StringIO()
    writer = csv.writer(school_csv)
    writer.writerow(
        [
            "code",
            "name",
            "level",
            "area",
            "lat",
            "lon",
            "boarding",
            "school_bus",
            "pupils",
            "address",
            "phone",
            "contact_name",
            "contact_title",
            "contact_phone",
            "active",
        ]
    )
    for n in range(schools):
        writer.writerow(
            [
                f"99{n:08d}",
                f"示例第{n}学校（样例）",
                LEVELS[n % len(LEVELS)],
                "城区" if n % 3 == 0 else "农村",
                f"{gcj_lat[n]:.6f}",
                f"{gcj_lon[n]:.6f}",
                "是" if n % 5 == 0 else "否",
                "1" if n % 4 == 0 else "0",
                str(200 + n % 2800),
                f"示例县第{n % 97}街道{n % 300}号（样例）",
                f"0000-3{n:06d}",
                f"联系人{n}",
                "分管安全副校长",
                f"100{n:08d}",
                "是",
            ]
        )
    return station_csv.getvalue().encode(), jurisdictions, school_csv.getvalue().encode()


def timed(step: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="Print the 25 costliest calls of the schools import.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "benchmark.sqlite3")
        from campus.models import School
        from imports import services
        from imports.models import ImportBatch

        stations_csv, jurisdictions_json, schools_csv = county_files(args.stations, args.schools)

        def run(kind: str, content: bytes, filename: str, crs: str, dry_run: bool = False) -> ImportBatch:
            batch = services.import_batch_run(
                kind=kind, crs=crs, filename=filename, content=content, system=True, dry_run=dry_run
            )
            assert batch.error_count == 0, batch.report["problems"][:5]
            return batch

        rows = []
        seconds, _batch = timed(lambda: run("stations", stations_csv, "stations.csv", "wgs84"))
        rows.append(("stations, CSV, apply in one pass", args.stations, seconds))
        seconds, _batch = timed(lambda: run("jurisdictions", jurisdictions_json, "jurisdictions.geojson", "gcj02"))
        rows.append(("jurisdictions, GeoJSON in GCJ-02, apply in one pass", args.stations, seconds))

        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        preview_s, batch = timed(lambda: run("schools", schools_csv, "schools.csv", "gcj02", dry_run=True))
        apply_s, batch = timed(lambda: services.import_batch_apply(batch=batch, system=True))
        if profiler:
            profiler.disable()
        assert batch.status == ImportBatch.Status.APPLIED and School.objects.count() == args.schools
        without_station = batch.report["notes"]["schools_without_station"]
        rows.append(("schools, CSV in GCJ-02: dry run (preview)", args.schools, preview_s))
        rows.append(("schools: apply the previewed batch (validates again, writes)", args.schools, apply_s))
        rows.append(("**schools: preview + apply (the Imports page)**", args.schools, preview_s + apply_s))

        seconds, again = timed(lambda: run("schools", schools_csv, "schools.csv", "gcj02"))
        assert again.unchanged_count == args.schools
        rows.append(("schools: same file again, one pass (all unchanged)", args.schools, seconds))

        School.objects.all().delete()
        seconds, _batch = timed(lambda: run("schools", schools_csv, "schools.csv", "gcj02"))
        rows.append(("schools: one pass into an empty table (API dry_run=false, commands)", args.schools, seconds))

        School.objects.all().delete()
        tracemalloc.start()
        run("schools", schools_csv, "schools.csv", "gcj02")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(
        f"Import benchmark: {args.schools:,} schools, {args.stations} jurisdictions, fresh SQLite, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print()
    print("| step | records | wall time (s) |")
    print("|---|---:|---:|")
    for label, count, seconds in rows:
        print(f"| {label} | {count:,} | {seconds:.2f} |")
    print()
    print("| memory | MiB |")
    print("|---|---:|")
    print(f"| peak Python allocations during a one-pass schools import (tracemalloc) | {peak / 2**20:.0f} |")
    print(f"| maximum resident set size of the whole run (getrusage) | {max_rss_kib / 1024:.0f} |")
    print()
    print(f"Schools CSV: {len(schools_csv) / 2**20:.1f} MiB; schools outside every jurisdiction: {without_station}.")
    if profiler:
        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
