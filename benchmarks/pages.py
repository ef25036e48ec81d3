"""Server time of every page in each sample role's main menu, plus ``/api/dashboard/``.

Run from the repository root (fresh SQLite file in a temporary directory, whatever DATABASE_URL says):

    DJANGO_SETTINGS_MODULE=config.settings.test python -m benchmarks.pages [--scale 1|2] [--runs N]

Loads the sample county as ``make sample`` does (county, airspace, fleet, campaigns, patrol with its
generated roster, incidents, drills, plans), then signs in as each sample login (``common.sample_users``,
password ``sample-pass-2026``) and requests every page of that login's menu (``common.nav``, filtered as
the base layout's context processor filters it) ``--runs`` times.

Server time is measured in-process with Django's test client: URL routing, middleware, the view, its
queries and template rendering, no network, no ASGI server, no browser. The first request of each page
is a warm-up that also counts the queries (a ``connection.execute_wrapper``); the timed requests run without
capturing. p50/p99 are nearest-rank over the timed requests, so with 20 runs p99 is the slowest. "CPU p50"
is the process's CPU time per request (SQLite runs in the process, so its work is included): on a machine
loaded by other work the wall times grow, the CPU time much less.

``--scale 2`` builds a county twice as large, honestly fictitious: the sample county's generator output
a second time as a twin county east of the first (every coordinate shifted by the county's width, every
code, badge and login renamed, every name still marked （样例）), loaded by the same loader; the patrol,
incident and drill sample loaders then work over both counties' schools as they do over one (twice the
duty staff, posts, shifts and roster, drills; ``load_sample_incidents`` is asked for twice the reports).
Airspace, markets, the fleet and the campaign stay as they are (they are the bureau's, not per school).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.import_schools import setup_django

AIM_MS = 300.0
TWIN_SUFFIX = "-E"  # codes of the twin county's stations, zones, departments
TWIN_NAME_MARK = "东"  # inserted before （样例） in the twin's names


# --- the county twice as large --------------------------------------------------------------------


def _shift_coordinates(value, dlon: float):
    """A GeoJSON geometry (or any nesting of [lon, lat] pairs) moved ``dlon`` degrees east."""
    if isinstance(value, dict):
        return {k: (_shift_coordinates(v, dlon) if k == "coordinates" else v) for k, v in value.items()}
    if isinstance(value, list | tuple) and value and isinstance(value[0], int | float):
        return [value[0] + dlon, *value[1:]]
    if isinstance(value, list | tuple):
        return [_shift_coordinates(v, dlon) for v in value]
    return value


def _bbox_width(geometry: dict) -> float:
    lons = []

    def walk(value):
        if value and isinstance(value[0], int | float):
            lons.append(value[0])
        else:
            for v in value:
                walk(v)

    walk(geometry["coordinates"])
    return max(lons) - min(lons)


def county_twin(county):
    """The sample county again, east of the original: same shapes and story, new codes, logins, badges.

    The seven role logins are not repeated (they see the whole bureau); each twin school gets its own
    ``staff_<code>`` login as the original schools do.
    """
    from campus.sample.county import DeactivateStep, LiaisonStep, PairingStep, TransferStep
    from campus.sample.generator import SAMPLE_MARK
    from common.sample_users import SAMPLE_USERS

    dlon = _bbox_width(county.boundary) * 1.05

    def name(text: str) -> str:
        return text.replace(SAMPLE_MARK, TWIN_NAME_MARK + SAMPLE_MARK) if SAMPLE_MARK in text else text

    def code(c: str) -> str:
        return c + TWIN_SUFFIX if c else c

    def school_code(c: str) -> str:
        return f"{int(c) + 1000:0{len(c)}d}" if c else c  # keeps the 990000 prefix of sample schools

    def badge(b: str) -> str:
        if not b:
            return b
        return "FK" + b[2:] if b.startswith("FJ") else f"{int(b) + 500_000:06d}"  # 3xxxxx -> 8xxxxx

    def shifted(lat_lon_obj):
        return replace(lat_lon_obj, lon=lat_lon_obj.lon + dlon)

    stations = tuple(
        replace(
            shifted(s),
            code=code(s.code),
            name=name(s.name),
            address=name(s.address),
            jurisdiction=_shift_coordinates(s.jurisdiction, dlon),
            head_badge=badge(s.head_badge),
        )
        for s in county.stations
    )
    zones = tuple(
        replace(
            z,
            code=code(z.code),
            name=name(z.name),
            station_code=code(z.station_code),
            boundary=_shift_coordinates(z.boundary, dlon),
        )
        for z in county.zones
    )
    departments = tuple(replace(d, code=code(d.code), name=name(d.name)) for d in county.departments)
    officers = tuple(
        replace(
            o, badge_no=badge(o.badge_no), station_code=code(o.station_code), department_code=code(o.department_code)
        )
        for o in county.officers
    )
    schools = tuple(
        replace(
            shifted(s),
            code=school_code(s.code),
            name=name(s.name),
            address=name(s.address),
            campus=_shift_coordinates(s.campus, dlon),
            gates=tuple(shifted(g) for g in s.gates),
            station_code=code(s.station_code),
            zone_code=code(s.zone_code),
        )
        for s in county.schools
    )
    role_logins = set(SAMPLE_USERS.values())
    users = tuple(
        replace(
            u,
            username=u.username.replace(u.school_code, school_code(u.school_code)),
            school_code=school_code(u.school_code),
            officer_badge=badge(u.officer_badge),
        )
        for u in county.users
        if u.username not in role_logins
    )
    story = []
    for step in county.story:
        if isinstance(step, LiaisonStep):
            step = replace(step, school_code=school_code(step.school_code), badge_no=badge(step.badge_no))
        elif isinstance(step, PairingStep):
            step = replace(step, school_code=school_code(step.school_code), department_code=code(step.department_code))
        elif isinstance(step, DeactivateStep):
            step = replace(step, badge_no=badge(step.badge_no))
        elif isinstance(step, TransferStep):
            step = replace(step, badge_no=badge(step.badge_no), station_code=code(step.station_code))
        story.append(step)
    return replace(
        county,
        name=name(county.name),
        boundary=_shift_coordinates(county.boundary, dlon),
        town=_shift_coordinates(county.town, dlon),
        stations=stations,
        zones=zones,
        departments=departments,
        officers=officers,
        schools=schools,
        users=users,
        story=tuple(story),
        highlights={},
    )


def sample_load(scale: int, *, everything: bool = True) -> dict[str, float]:
    """Load the sample data as ``make sample`` does (``scale`` 2: with the twin county); seconds per step.

    ``everything`` False: only the county with its patrol roster, incidents and drills (what the
    exports read; ``benchmarks.exports``)."""
    from unittest import mock

    from django.core.management import call_command

    from campus.sample.generator import generate_county
    from campus.sample.loader import sample_county_load
    from incidents.sample import DEFAULT_COUNT, load_sample_incidents

    steps: dict[str, float] = {}

    def step(label: str, fn) -> None:
        started = time.perf_counter()
        fn()
        steps[label] = time.perf_counter() - started

    county = generate_county()
    step("county", lambda: sample_county_load(county=county))
    if scale == 2:
        # The loader keeps an existing sample county; the twin is a second one on purpose.
        with mock.patch("campus.sample.loader.sample_county_exists", return_value=False):
            step("twin county", lambda: sample_county_load(county=county_twin(county)))
    quiet = {"verbosity": 0, "stdout": open(os.devnull, "w")}  # noqa: SIM115 - closed with the process
    if everything:
        step("airspace", lambda: call_command("load_sample_airspace", **quiet))
        step("fleet", lambda: call_command("load_sample_fleet", **quiet))
        step("campaigns", lambda: call_command("load_sample_campaigns", **quiet))
    step("patrol + roster", lambda: call_command("load_sample_patrol", **quiet))
    step("incidents", lambda: load_sample_incidents(count=DEFAULT_COUNT * scale))
    step("drills", lambda: call_command("load_sample_drills", **quiet))
    if everything:
        step("plans", lambda: call_command("load_sample_plans", **quiet))
    return steps


# --- the crawl ------------------------------------------------------------------------------------


def menu_urls(user) -> list[tuple[str, str]]:
    """(label, url) of every link the user's menu shows, as ``common.context_processors.navigation`` builds it."""
    from django.urls import reverse

    from common.nav import is_visible, nav_menu
    from common.roles import capabilities_of

    caps = capabilities_of(user)
    return [
        (str(entry.label), reverse(entry.url_name))
        for _group, entries in nav_menu()
        for entry in entries
        if is_visible(entry, user=user, caps=caps)
    ]


def nearest_rank(sorted_values: list[float], p: float) -> float:
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


def crawl(*, runs: int, roles: list[str] | None = None, paths: list[str] | None = None) -> list[dict]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from common.sample_users import SAMPLE_PASSWORD, SAMPLE_USERS

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.disable(logging.INFO)  # a line per sign-in from django-axes otherwise
    from config.lifespan import settle_web_process

    settle_web_process()  # as the server does at start-up: URLs loaded, garbage collector settled
    rows = []
    for role, username in SAMPLE_USERS.items():
        if roles and username not in roles and role.value not in roles:
            continue
        user = get_user_model().objects.get(username=username)
        if not user.check_password(SAMPLE_PASSWORD):
            raise SystemExit(f"cannot sign in as {username}")
        client = Client()
        client.force_login(user)  # django-axes wants a real request for login(); the session is the same
        pages = [*menu_urls(user), ("API dashboard", "/api/dashboard/")]
        pages = [(label, url) for label, url in pages if not paths or url in paths]
        for label, url in pages:
            queries: list[str] = []

            def counted(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            # Counted by a wrapper: the test client's request_started resets connection.queries.
            with connection.execute_wrapper(counted):
                response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times, cpu = [], []
            for _ in range(runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                r = client.get(url)
                if r.streaming:
                    b"".join(r.streaming_content)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            times.sort()
            cpu.sort()
            rows.append(
                {
                    "role": username,
                    "page": f"{label} `{url}`",
                    "status": response.status_code,
                    "p50": nearest_rank(times, 0.50),
                    "p99": nearest_rank(times, 0.99),
                    "cpu": nearest_rank(cpu, 0.50),
                    "queries": len(queries),
                    "bytes": len(body),
                }
            )
    return rows


def print_table(rows: list[dict]) -> None:
    print("| role | page | p50 ms | p99 ms | queries | bytes | CPU p50 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        over = " **over**" if row["p99"] > AIM_MS else ""
        status = "" if row["status"] == 200 else f" (HTTP {row['status']})"
        print(
            f"| {row['role']} | {row['page']}{status} | {row['p50']:.0f} | {row['p99']:.0f}{over} | "
            f"{row['queries']} | {row['bytes']:,} | {row['cpu']:.0f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, choices=(1, 2), default=1, help="2: a county twice as large")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (after one warm-up)")
    parser.add_argument("--role", action="append", help="only this sample login or role (repeatable)")
    parser.add_argument("--page", action="append", help="only this path, e.g. / (repeatable)")
    parser.add_argument(
        "--keep", type=Path, help="keep the SQLite database at this path; an existing one is crawled without loading"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        database = args.keep or Path(tmp) / "benchmark.sqlite3"
        reuse = database.exists()
        setup_django(database)
        load_before = os.getloadavg()
        started = time.perf_counter()
        steps = {"reused": 0.0} if reuse else sample_load(args.scale)
        loaded_s = time.perf_counter() - started
        from django.utils import timezone

        from campus.models import School
        from patrol.models import DutyAssignment, DutyShift

        today = timezone.localdate()
        shifts_today = DutyShift.objects.filter(date=today).count()
        print(
            f"Pages benchmark: scale {args.scale}, fresh SQLite, Django test client in-process, "
            f"{args.runs} runs per page, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n"
        )
        print(
            f"Sample data loaded in {loaded_s:.1f} s ("
            + ", ".join(f"{k} {v:.1f}" for k, v in steps.items())
            + f"): {School.objects.count()} schools, {DutyShift.objects.count():,} shifts "
            f"({shifts_today} today, {today}), {DutyAssignment.objects.count():,} duties.\n"
        )
        rows = crawl(runs=args.runs, roles=args.role, paths=args.page)
        load_after = os.getloadavg()
    print_table(rows)
    over = [r for r in rows if r["p99"] > AIM_MS]
    print(
        f"\n{len(over)} of {len(rows)} pages over {AIM_MS:.0f} ms p99. Load average (1/5/15 min) "
        f"{'/'.join(f'{x:.2f}' for x in load_before)} before the crawl's set-up, "
        f"{'/'.join(f'{x:.2f}' for x in load_after)} after."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
