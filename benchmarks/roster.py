"""Roster generation speed and quality: CP-SAT (decomposed) against the greedy baseline.

Run from the repository root (fresh SQLite file in a temporary directory, whatever DATABASE_URL says):

    DJANGO_SETTINGS_MODULE=config.settings.test python -m benchmarks.roster

Cases: (a) the sample county (``campus.sample`` as ``manage.py load_sample_county`` loads it, then
``patrol.sample.load_sample_patrol()``: bells, posts with default staffing, staff, the autumn term's
shifts; if that fails, a synthetic county of 60 schools like (b), and the table says so); (b) 150
schools, 300 gates, 400 staff over a 20-week term; (c) re-planning (b), published, after 20 leave
requests, re-planning only the pieces (pool-weeks) whose inputs changed and (for comparison) all of
them. In (b) each school has a main gate post (one police or auxiliary officer and one guard,
arrival and dismissal) and a side gate post (a volunteer) where the school has one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.import_schools import setup_django

CENTER_LAT, CENTER_LON = 36.18, 118.17


def county(schools: int, stations: int, staff: int, weeks: int, seed: int = 5):
    """Write the county and its term's shifts; return the term."""
    from django.utils import timezone

    from campus.models import Gate, School, Station, Term
    from patrol.models import DutyRole, DutyShift, DutyStaff, Post

    rng = np.random.default_rng(seed)
    tag = f"{schools}-{seed}"
    station_rows = Station.objects.bulk_create(
        [
            Station(
                code=f"B{tag}-{n}",
                name=f"Station {n}",
                lat=CENTER_LAT + rng.uniform(-0.4, 0.4),
                lon=CENTER_LON + rng.uniform(-0.5, 0.5),
                duty_phone="0",
            )  # fmt: skip
            for n in range(stations)
        ]
    )
    school_rows = School.objects.bulk_create(
        [
            School(
                code=f"B{tag}-{n}",
                name=f"School {n}",
                level="primary",
                area="rural",
                pupils=800,
                lat=station_rows[n % stations].lat + rng.uniform(-0.05, 0.05),
                lon=station_rows[n % stations].lon + rng.uniform(-0.05, 0.05),
                responsible_station=station_rows[n % stations],
            )  # fmt: skip
            for n in range(schools)
        ]
    )
    gates = Gate.objects.bulk_create(
        [
            Gate(school=s, name=name, is_main=name == "Main", lat=s.lat + off, lon=s.lon)
            for s in school_rows
            for name, off in (("Main", 0.0), ("Side", 0.002))
        ]
    )
    police_per_station = 12
    volunteers = staff - stations * police_per_station - schools
    people = []
    for n, st in enumerate(station_rows):
        for k in range(police_per_station):
            role = DutyRole.POLICE if k < 7 else DutyRole.AUXILIARY
            people.append(DutyStaff(role=role, name=f"P{n}-{k}", station=st, calendar_token=f"t{tag}-p{n}-{k}"))
    for n, s in enumerate(school_rows):
        people.append(DutyStaff(role=DutyRole.GUARD, name=f"G{n}", school=s, calendar_token=f"t{tag}-g{n}"))
    for n in range(volunteers):
        people.append(DutyStaff(role=DutyRole.VOLUNTEER, name=f"V{n}", school=school_rows[n],
                                calendar_token=f"t{tag}-v{n}"))  # fmt: skip
    DutyStaff.objects.bulk_create(people)
    posts = []
    for n, gate in enumerate(gates):
        school_n = n // 2
        if gate.is_main:
            role = "police" if (school_n // stations) % 2 == 0 else "auxiliary"
            posts.append(Post(gate=gate, name="Main", requirements={role: 1, "guard": 1}))
        elif school_n < volunteers:
            posts.append(Post(gate=gate, name="Side", requirements={"volunteer": 1}))
    posts = Post.objects.bulk_create(posts)
    start = dt.date(2026, 9, 7)
    term = Term.objects.create(school_year="2026-2027", name=f"Bench {tag}", start_date=start,
                               end_date=start + dt.timedelta(days=7 * weeks - 1))  # fmt: skip
    shifts = []
    for week in range(weeks):
        for day in range(5):
            date = start + dt.timedelta(days=7 * week + day)
            for post in posts:
                for kind, (h1, m1), (h2, m2) in (("arrival", (7, 20), (8, 0)), ("dismissal", (16, 10), (16, 45))):
                    shifts.append(
                        DutyShift(
                            term=term,
                            post=post,
                            date=date,
                            kind=kind,
                            requirements=post.requirements,
                            start=timezone.make_aware(dt.datetime.combine(date, dt.time(h1, m1))),
                            end=timezone.make_aware(dt.datetime.combine(date, dt.time(h2, m2))),
                        )  # fmt: skip
                    )
    DutyShift.objects.bulk_create(shifts, batch_size=5000)
    return term


def sample_term():
    """The sample county's autumn term, or (if loading it fails) a synthetic 60-school county; and a label."""
    from campus.models import School, Term
    from campus.sample.loader import sample_county_load
    from patrol.models import DutyShift
    from patrol.sample import AUTUMN, SCHOOL_YEAR, load_sample_patrol

    try:
        sample_county_load()
        load_sample_patrol()
        term = Term.objects.get(school_year=SCHOOL_YEAR, name=AUTUMN[0])
        schools = School.objects.filter(gates__posts__shifts__term=term).distinct().count()
        shifts = DutyShift.objects.filter(term=term).count()
        return term, f"(a) sample county 示例县, {schools} schools, {shifts} shifts"
    except Exception as exc:  # noqa: BLE001 - the benchmark goes on with the synthetic county
        print(f"sample county failed ({exc!r}); using a synthetic 60-school county", file=sys.stderr)
        term = county(schools=60, stations=6, staff=60 * 1 + 6 * 12 + 30, weeks=20, seed=1)
        return term, "(a) SYNTHETIC 60 schools (sample county failed to load)"


def run(label: str, engine: str, fn) -> dict:
    """One generation; the user's wait (total_s, measured here) and its phases (the report's timing)."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    roster = fn()
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    r = roster.report
    timing = r["timing"]
    loads = r["load"]
    spread = "; ".join(f"{role} {v['min']}–{v['max']} (σ {v['std']})" for role, v in loads.items())
    return {
        "case": label,
        "engine": engine,
        "load_s": timing["load_s"],
        "solve_s": timing["solve_s"],
        "validate_s": timing["validate_s"],
        "write_s": timing["write_s"],
        "total_s": round(total, 2),
        "cpu_s": round(cpu, 2),
        "coverage": f"{r['coverage']['filled']}/{r['coverage']['required']} ({100 * r['coverage']['share']:.2f}%)",
        "fairness (duties per person: min–max, σ)": spread,
        "changes": f"{r['changes']['removed']} ({100 * r['changes']['share']:.2f}%)" if r["replan"] else "–",
        "status": f"{r['status']} {r['pieces']['count']} pieces"
        + (
            f" ({r['incremental']['replanned']} of {r['incremental']['pieces']} pool-weeks re-planned)"
            if "incremental" in r
            else ""
        ),
    }


def _arguments():
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.roster",
        description="Roster generation: the user's wait (load, solve, validate, write) and the roster's "
        "coverage and fairness, CP-SAT against the greedy baseline, on a fresh SQLite file.",
    )
    parser.add_argument(
        "--cases",
        default="abc",
        help="which cases to run: a (sample county), b (150 schools), c (re-plan b after 20 leave "
        "requests; needs b); default abc",
    )
    parser.add_argument("--time-limit", type=float, default=None, help="CP-SAT budget in seconds (default: setting)")
    parser.add_argument("--engines", default="greedy,cp-sat", help="comma-separated: greedy, cp-sat")
    parser.add_argument(
        "--replans",
        default="incremental,full",
        help="case (c), comma-separated: incremental (only the pieces whose inputs changed, the default of a "
        "re-plan), full (every piece, as with full=True); default both",
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    cases = set(args.cases.lower())
    engines = {e.strip().lower() for e in args.engines.split(",")}
    limit = args.time_limit
    replans = [r.strip().lower() for r in args.replans.split(",") if r.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "benchmark.sqlite3")
        from django.utils import timezone

        from common.roles import SYSTEM
        from patrol.models import DutyAssignment, DutyStaff, Leave, Roster
        from patrol.roster.generate import roster_generate, roster_generate_greedy

        def both(label, term, **kwargs):
            if "greedy" in engines:
                rows.append(run(label, "greedy", lambda: roster_generate_greedy(term=term, actor=SYSTEM, **kwargs)))
            if "cp-sat" in engines:
                rows.append(
                    run(label, "CP-SAT", lambda: roster_generate(term=term, actor=SYSTEM, time_limit_s=limit, **kwargs))
                )

        rows: list[dict] = []
        if "a" in cases:
            sample, sample_label = sample_term()
            both(sample_label, sample)
        if "b" in cases or "c" in cases:
            big = county(schools=150, stations=15, staff=400, weeks=20, seed=2)
            if "b" in cases:
                both("(b) 150 schools, 400 staff", big)
            else:
                roster_generate(term=big, actor=SYSTEM, time_limit_s=limit)
        if "c" in cases:
            # Publish (b) as the CP-SAT made it (the last run), then 20 leave requests, then re-plan both
            # ways, each from the same published roster.
            DutyAssignment.objects.filter(shift__term=big).update(pinned=True, published=True)
            rng = np.random.default_rng(7)
            staff_ids = list(
                DutyStaff.objects.filter(assignments__shift__term=big).distinct().values_list("id", flat=True)
            )
            leaves = []
            for n, staff_id in enumerate(rng.choice(staff_ids, 20, replace=False)):
                day = big.start_date + dt.timedelta(days=7 * int(rng.integers(2, 18)) + int(rng.integers(0, 5)))
                leaves.append(
                    Leave(
                        staff_id=int(staff_id),
                        reason=f"bench {n}",
                        start=timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0))),
                        end=timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59))),
                    )  # fmt: skip
                )
            Leave.objects.bulk_create(leaves)
            snapshot = list(DutyAssignment.objects.filter(shift__term=big).values("shift_id", "staff_id", "role"))
            # The report stored with the published roster holds its pieces' fingerprints: each run starts
            # from it, as from the published assignments.
            stored = Roster.objects.get(term=big).report
            for how in replans:
                label = f"(c) re-plan (b) after 20 leave requests, {how}"
                for engine in ("greedy", "cp-sat"):
                    if engine not in engines:
                        continue
                    DutyAssignment.objects.filter(shift__term=big).delete()
                    DutyAssignment.objects.bulk_create(
                        [DutyAssignment(pinned=True, published=True, **row) for row in snapshot], batch_size=5000
                    )
                    Roster.objects.filter(term=big).update(report=stored)
                    generate = roster_generate_greedy if engine == "greedy" else roster_generate
                    extra = {} if engine == "greedy" else {"time_limit_s": limit}
                    rows.append(
                        run(
                            label,
                            "greedy" if engine == "greedy" else "CP-SAT",
                            lambda g=generate, e=extra, f=how == "full": g(
                                term=big, actor=SYSTEM, replan=True, from_date=big.start_date, full=f, **e
                            ),
                        )
                    )

    load = os.getloadavg()
    print(
        f"Roster benchmark: fresh SQLite, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    columns = list(rows[0]) if rows else []
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
