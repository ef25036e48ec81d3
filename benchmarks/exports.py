"""The largest downloads end to end: request to last byte, with the export's peak memory.

Run from the repository root (fresh SQLite file in a temporary directory, whatever DATABASE_URL says):

    DJANGO_SETTINGS_MODULE=config.settings.test python -m benchmarks.exports [--scale 1|2] [--runs N]

Loads the sample county as ``benchmarks.pages`` does (``--scale 2``: with its twin county east of it,
twice the schools, posts, shifts and roster), then signs in as the sample bureau administrator, who
sees everything, and downloads each large export ``--runs`` times through the Django test client:
URL routing, middleware, ``common.exports.export_view`` (the worker thread, the audit entry), the
build and every byte of the response, streamed or not. No network, no ASGI server.

Columns: the export, its rows (as audited) and bytes, how it was sent (``stream``: a temporary file
streamed with ``FileResponse``; ``memory``: one response), p50 and max wall time of the timed
downloads, the peak Python memory allocated during one download (``tracemalloc``, which counts
openpyxl's and Django's objects but not SQLite's C buffers) and the process's maximum resident set.
Every row ends with the 1-minute load average when it was measured: the machine is shared, so a
slow row under load is not a slow export.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.import_schools import setup_django


def county_load(scale: int) -> dict[str, float]:
    """The sample county with its patrol roster, incidents and drills (``scale`` 2: with the twin)."""
    from benchmarks.pages import sample_load

    return sample_load(scale, everything=False)


def export_urls() -> list[tuple[str, str]]:
    """(label, url) of the largest downloads: the whole autumn term, or the widest range each allows."""
    from django.urls import reverse

    from campus.models import Term
    from patrol.sample import AUTUMN, SCHOOL_YEAR

    term = Term.objects.get(school_year=SCHOOL_YEAR, name=AUTUMN[0])
    span = f"start={term.start_date}&end={term.end_date}&term={term.pk}"
    return [
        ("roster, whole term", reverse("patrol:roster-export", kwargs={"term_id": term.pk}) + "?type=xlsx"),
        ("duty statistics, whole term", reverse("patrol:duty-stats") + f"?{span}&type=xlsx"),
        ("一校一警 coverage", reverse("campus:coverage_export")),
    ]


def download(client, url: str) -> tuple[int, int, str]:
    """(status, bytes, how it was sent) of one download, reading every byte as a browser would."""
    response = client.get(url)
    if response.streaming:
        size = sum(len(chunk) for chunk in response.streaming_content)  # the client closes it after the last
        return response.status_code, size, "stream"
    return response.status_code, len(response.content), "memory"


def measure(client, label: str, url: str, runs: int) -> dict:
    from common.models import AuditLogEntry

    download(client, url)  # warm-up: imports, translations, template caches
    tracemalloc.start()
    tracemalloc.reset_peak()
    status, size, how = download(client, url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        download(client, url)
        times.append(time.perf_counter() - started)
    times.sort()
    entry = AuditLogEntry.objects.filter(action__startswith="export.").order_by("-pk").first()
    after = entry.after if entry else {}
    return {
        "export": label,
        "status": status,
        "rows": after.get("rows", "–"),
        "bytes": size,
        "sent": how,
        "p50_s": times[len(times) // 2] if times else float("nan"),
        "max_s": times[-1] if times else float("nan"),
        "peak_mib": peak / 2**20,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load": os.getloadavg()[0],
    }


def print_table(rows: list[dict]) -> None:
    print("| export | status | rows | bytes | sent | p50 s | max s | peak Python MiB | max RSS MiB | load 1 min |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['export']} | {r['status']} | {r['rows']} | {r['bytes']:,} | {r['sent']} | {r['p50_s']:.2f} | "
            f"{r['max_s']:.2f} | {r['peak_mib']:.1f} | {r['rss_mib']:.0f} | {r['load']:.2f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, choices=(1, 2), default=1, help="2: a county twice as large")
    parser.add_argument("--runs", type=int, default=3, help="timed downloads per export (after one warm-up)")
    parser.add_argument(
        "--keep", type=Path, help="keep the SQLite database at this path; an existing one is reused without loading"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.keep or Path(tmp) / "benchmark.sqlite3"
        reuse = database.exists()
        setup_django(database)
        started = time.perf_counter()
        steps = {"reused": 0.0} if reuse else county_load(args.scale)
        loaded_s = time.perf_counter() - started

        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.test import Client

        from campus.models import School
        from common.roles import Role
        from common.sample_users import SAMPLE_USERS
        from patrol.models import DutyAssignment, DutyShift

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        logging.disable(logging.INFO)
        client = Client()
        client.force_login(get_user_model().objects.get(username=SAMPLE_USERS[Role.BUREAU_ADMIN]))
        print(
            f"Exports benchmark: scale {args.scale}, fresh SQLite, Django test client in-process, "
            f"{args.runs} timed downloads per export, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
        )
        print(
            f"Sample data loaded in {loaded_s:.1f} s ("
            + ", ".join(f"{k} {v:.1f}" for k, v in steps.items())
            + f"): {School.objects.count()} schools, {DutyShift.objects.count():,} shifts, "
            f"{DutyAssignment.objects.count():,} duties.\n"
        )
        rows = [measure(client, label, url, args.runs) for label, url in export_urls()]
    print_table(rows)
    load = os.getloadavg()
    print(f"\nLoad average (1/5/15 min) at the end: {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
