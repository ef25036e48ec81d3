"""Incident report submission over HTTP: throughput, latency, and nothing lost or duplicated.

    python -m benchmarks.incidents                            # 2,000 reports from 50 clients, 1 uvicorn process
    python -m benchmarks.incidents --reports 2000 --clients 50 --workers 1 2
    python -m benchmarks.incidents --quick                    # 200 reports, 10 clients

The system under test is uvicorn serving ``config.asgi:application`` (``config.settings.test``: DEBUG
off, no persistent database connections) on a fresh PostgreSQL database
(``schoolsafe_bench_incidents``, created, migrated and dropped by this script; ``--postgres`` is the
admin URL). It holds ``--schools`` schools, each with a liaison officer and a school safety staff user
with an API token.

Clients are threads, each with its own keep-alive ``http.client`` connection, posting JSON reports
to ``/api/incidents/reports/`` with an ``Idempotency-Key``. Like phones on a bad network:

* ``--lost-share`` of the reports lose their acknowledgement: the request is sent, the connection is
  dropped before the answer is read, and the report is sent again on a new connection until it is
  acknowledged (200 or 201);
* ``--again-share`` are sent once more after being acknowledged (must be 200, same reference);
* ``--twin-share`` are sent by two clients at the same moment (one 201, one 200, same reference).

Afterwards the database is checked: every acknowledged report is stored with the reference the client
was given (zero lost), and there is exactly one row per key (zero duplicated).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import queue
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.telemetry import Children, free_port, postgres_database, progress, wait_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DATABASE = "schoolsafe_bench_incidents"
CATEGORIES = ["intruder", "fight", "suspicious", "traffic", "injury", "fire", "theft", "fraud", "other"]
SEVERITIES = ["low", "medium", "high", "urgent"]


def setup_database(database_url: str, schools: int) -> list[str]:
    """Migrate the fresh database and create the sample county; returns the staff users' API tokens."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.utils import timezone

    from campus.models import LiaisonAssignment, Officer, School, SchoolStaff, Station
    from campus.spatial import schools_resolve_stations
    from common.tokens import api_token_create

    call_command("migrate", verbosity=0)
    ring = [[118.0, 36.0], [118.4, 36.0], [118.4, 36.4], [118.0, 36.4], [118.0, 36.0]]
    station = Station.objects.create(
        code="BENCH", name="样例派出所 (benchmark)", lat=36.18, lon=118.17, duty_phone="0000-0000000",
        jurisdiction={"type": "Polygon", "coordinates": [ring]}, is_sample=True,
    )  # fmt: skip
    staff_group = Group.objects.get_or_create(name="school_staff")[0]
    tokens = []
    created = []
    for n in range(schools):
        school = School.objects.create(
            code=f"BS{n:04d}", name=f"样例学校 {n}", level="primary", area="rural",
            lat=36.1 + (n % 20) * 0.01, lon=118.1 + (n // 20) * 0.01, is_sample=True,
        )  # fmt: skip
        created.append(school)
        officer = Officer.objects.create(
            badge_no=f"BO{n:04d}", name=f"民警 {n}", station=station, phone=f"1390000{n:04d}", is_sample=True
        )
        LiaisonAssignment.objects.create(
            school=school, officer=officer, station_at_start=station, started_at=timezone.now()
        )
        user = get_user_model().objects.create_user(username=f"bench_staff_{n}", password=None)
        user.groups.add(staff_group)
        SchoolStaff.objects.create(user=user, school=school, phone=f"1380000{n:04d}")
        tokens.append(api_token_create(user=user, name="benchmark", actor=user)[1])
    schools_resolve_stations(created)
    for school in created:
        school.save(update_fields=["zone", "responsible_station"])
    return tokens


@dataclass
class Job:
    key: str
    token: str
    body: bytes
    kind: str  # normal, lost, again, twin


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    acknowledged: dict[tuple[str, str], str] = field(default_factory=dict)  # (token, key) -> reference
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, job: Job, status: int, reference: str, latency_ms: float) -> None:
        with self.lock:
            self.latencies_ms.append(latency_ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            previous = self.acknowledged.setdefault((job.token, job.key), reference)
            if previous != reference:
                self.mismatched.append(f"{job.key}: {previous} then {reference}")


class Client:
    """One phone: a keep-alive connection, reopened after a drop."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _send(self, job: Job) -> None:
        headers = {
            "Authorization": f"Token {job.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": job.key,
            "Accept-Language": "en",
        }
        self._connection().request("POST", "/api/incidents/reports/", body=job.body, headers=headers)

    def post(self, job: Job) -> tuple[int, dict, float]:
        """Send and read the answer; one reconnect if the kept-alive connection was closed by the server."""
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self._send(job)
                response = self._connection().getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
                continue
            latency_ms = (time.perf_counter() - started) * 1000
            return response.status, json.loads(data or b"{}"), latency_ms
        raise AssertionError("unreachable")

    def post_and_drop(self, job: Job) -> None:
        """Send the report, then lose the connection before the acknowledgement arrives."""
        with contextlib.suppress(ConnectionError, http.client.HTTPException, OSError):
            self._send(job)
        self.close()


def worker(port: int, jobs: queue.Queue, outcome: Outcome) -> None:
    client = Client(port)
    while True:
        job = jobs.get()
        if job is None:
            break
        try:
            if job.kind == "lost":
                client.post_and_drop(job)
            for _attempt in range(10):
                status, body, latency_ms = client.post(job)
                if status in (200, 201):
                    outcome.record(job, status, body["reference"], latency_ms)
                    break
                with outcome.lock:
                    outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                    outcome.errors.append(f"{job.key}: HTTP {status} {str(body)[:200]}")
                if status < 500:
                    break
                time.sleep(0.05)
            if job.kind == "again":
                status, body, latency_ms = client.post(job)
                if status != 200:
                    outcome.errors.append(f"{job.key}: repeat answered {status}, expected 200")
                outcome.record(job, status, body.get("reference", ""), latency_ms)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            with outcome.lock:
                outcome.errors.append(f"{job.key}: {type(exc).__name__}: {exc}")
            client.close()
    client.close()


def make_jobs(args: argparse.Namespace, tokens: list[str]) -> tuple[list[Job], int]:
    rng = random.Random(2023)
    jobs: list[Job] = []
    occurred_at = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.localtime(time.time() - 600))
    for n in range(args.reports):
        token = tokens[n % len(tokens)]
        key = f"bench-{n:06d}-{rng.getrandbits(32):08x}"
        body = json.dumps({
            "category": rng.choice(CATEGORIES),
            "severity": rng.choice(SEVERITIES),
            "occurred_at": occurred_at,
            "description": f"样例 benchmark report {n}: a stranger at the gate.",
            "location_note": "north gate",
        }).encode()  # fmt: skip
        roll = rng.random()
        if roll < args.lost_share:
            kind = "lost"
        elif roll < args.lost_share + args.again_share:
            kind = "again"
        elif roll < args.lost_share + args.again_share + args.twin_share:
            kind = "twin"
        else:
            kind = "normal"
        jobs.append(Job(key, token, body, kind))
        if kind == "twin":
            jobs.append(Job(key, token, body, kind))  # queued next to it: another client sends it at once
    return jobs, args.reports


@dataclass
class RunResult:
    workers: int
    reports: int
    requests: int
    seconds: float
    outcome: Outcome
    stored: int
    lost: int
    duplicated: int
    wrong_reference: int


def run(args: argparse.Namespace, workers: int) -> RunResult:
    with tempfile.TemporaryDirectory(prefix="bench-incidents-") as tmp, contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_database(args.postgres, BENCH_DATABASE))
        progress(f"workers={workers}: migrating {BENCH_DATABASE} and creating {args.schools} schools")
        setup = [PYTHON, "-m", "benchmarks.incidents", "--setup-only", database_url, "--schools", str(args.schools)]
        done = subprocess.run(setup, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"set-up failed:\n{done.stderr[-3000:]}")
        tokens = json.loads(done.stdout.strip().splitlines()[-1])
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DRONE_BRIDGE_EMBEDDED")}
        # Test settings: DEBUG off and CONN_MAX_AGE 0. Under ASGI every request runs its sync code in a
        # thread of its own, so persistent connections (base settings: 60 s) pile up past max_connections.
        env.update(
            {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONUNBUFFERED": "1"}
        )
        children = Children(Path(tmp))
        stack.callback(children.stop_all)
        port = free_port()
        cmd = [PYTHON, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
               "--lifespan", "off", "--log-level", "warning", "--no-access-log", "--workers", str(workers)]  # fmt: skip
        web = children.spawn("web", "sut", cmd, env)
        wait_port(port, web)
        jobs, reports = make_jobs(args, tokens)
        # Warm every worker process up (imports, first connections) before the clock starts.
        warm = Client(port)
        for i in range(4 * workers):
            warm_job = Job(f"warmup-{i:04d}", tokens[i % len(tokens)], jobs[0].body, "normal")
            warm.post(warm_job)
        warm.close()
        progress(f"workers={workers}: {reports} reports ({len(jobs)} jobs) from {args.clients} clients")
        work: queue.Queue = queue.Queue()
        for job in jobs:
            work.put(job)
        for _ in range(args.clients):
            work.put(None)
        outcome = Outcome()
        threads = [threading.Thread(target=worker, args=(port, work, outcome)) for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        children.stop_all()
        children.children.clear()
        stored, lost, duplicated, wrong = verify(database_url, outcome, tokens)
        return RunResult(workers, reports, len(outcome.latencies_ms), seconds, outcome, stored, lost, duplicated, wrong)


def verify(database_url: str, outcome: Outcome, tokens: list[str]) -> tuple[int, int, int, int]:
    """Every acknowledged report stored with the reference given (lost), one row per key (duplicated)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT t.key_hash, i.idempotency_key, i.reference FROM campus_incident i "
            "JOIN common_apitoken t ON t.user_id = i.reporter_id WHERE i.idempotency_key LIKE 'bench-%%'"
        ).fetchall()
    # Only the keys' SHA-256 is stored (common.tokens); each benchmark user has one token.
    token_of = {hashlib.sha256(token.encode()).hexdigest(): token for token in tokens}
    stored: dict[tuple[str, str], list[str]] = {}
    for token_hash, key, reference in rows:
        stored.setdefault((token_of.get(token_hash, token_hash), key), []).append(reference)
    lost = sum(1 for k in outcome.acknowledged if k not in stored)
    wrong = sum(1 for k, ref in outcome.acknowledged.items() if k in stored and ref not in stored[k])
    duplicated = sum(len(refs) - 1 for refs in stored.values())
    return len(rows), lost, duplicated, wrong


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def print_table(results: list[RunResult], args: argparse.Namespace) -> None:
    print(
        f"Incident report benchmark: {args.reports:,} reports from {args.clients} concurrent clients, "
        f"{args.schools} schools, PostgreSQL, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
        f"lost acknowledgements {args.lost_share:.0%}, repeated after success {args.again_share:.0%}, "
        f"sent twice at once {args.twin_share:.0%}"
    )
    print()
    print("| | " + " | ".join(f"uvicorn --workers {r.workers}" for r in results) + " |")
    print("|---|" + "---:|" * len(results))

    def row(name: str, values: list[str]) -> None:
        print(f"| {name} | " + " | ".join(values) + " |")

    row("reports (unique keys)", [f"{r.reports:,}" for r in results])
    row("acknowledged requests (incl. retries)", [f"{r.requests:,}" for r in results])
    row("wall time (s)", [f"{r.seconds:.1f}" for r in results])
    row("**throughput (reports/s)**", [f"**{len(r.outcome.acknowledged) / r.seconds:,.0f}**" for r in results])
    row("requests/s", [f"{r.requests / r.seconds:,.0f}" for r in results])
    row("latency p50 (ms)", [f"{statistics.median(r.outcome.latencies_ms):,.0f}" for r in results])
    row("latency p90 (ms)", [f"{_pct(r.outcome.latencies_ms, 0.90):,.0f}" for r in results])
    row("**latency p99 (ms)**", [f"**{_pct(r.outcome.latencies_ms, 0.99):,.0f}**" for r in results])
    row("latency max (ms)", [f"{max(r.outcome.latencies_ms):,.0f}" for r in results])
    row("HTTP 201 / 200", [f"{r.outcome.statuses.get(201, 0):,} / {r.outcome.statuses.get(200, 0):,}" for r in results])
    row("acknowledged reports", [f"{len(r.outcome.acknowledged):,}" for r in results])
    row("rows stored", [f"{r.stored:,}" for r in results])
    row("**lost** (acknowledged, not stored)", [f"**{r.lost}**" for r in results])
    row("**duplicated** (rows beyond one per key)", [f"**{r.duplicated}**" for r in results])
    row("other reference than acknowledged", [str(r.wrong_reference + len(r.outcome.mismatched)) for r in results])
    row("errors", [str(len(r.outcome.errors)) for r in results])
    for r in results:
        for error in r.outcome.errors[:10]:
            print(f"- workers={r.workers}: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="uvicorn processes, one run each")
    parser.add_argument("--lost-share", type=float, default=0.10)
    parser.add_argument("--again-share", type=float, default=0.05)
    parser.add_argument("--twin-share", type=float, default=0.05)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres", help="admin URL")
    parser.add_argument("--quick", action="store_true", help="200 reports, 10 clients")
    parser.add_argument("--setup-only", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_only:
        print(json.dumps(setup_database(args.setup_only, args.schools)))
        return 0
    if args.quick:
        args.reports, args.clients = 200, 10
    results = [run(args, workers) for workers in args.workers]
    print_table(results, args)
    bad = any(r.lost or r.duplicated or r.wrong_reference or r.outcome.mismatched for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
