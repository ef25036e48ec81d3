"""Live telemetry at fleet scale: simulated vehicles -> bridge -> channel layer -> websocket viewers.

    python -m benchmarks.telemetry                       # 200 vehicles, 100 viewers, 30 s, both layers + baseline
    python -m benchmarks.telemetry --quick               # 20 vehicles, 10 viewers, 10 s (under a minute)
    python -m benchmarks.telemetry --vehicles 200 --viewers 100 --duration 30 --layer inmemory|redis|both --baseline

Processes, all on this machine (every one's CPU is measured from /proc/<pid>/stat):

* simulator: ``benchmarks.telemetry_fleet`` (the project's ArduCopter simulator, fast boot,
  speed-up 1, boots spread over 1 s so the 4 Hz bursts have their own phases) in
  ``--sim-processes`` processes. The bridge asks each vehicle for the streams it reads at 4 Hz
  (``drones.mavlink.commands.STREAMS_READ``), ~85 messages/s per vehicle in 4 bursts;
* the system under test, fresh database each run (dropped at the end):
  ``inmemory``: one uvicorn process serving ``config.asgi:application`` with lifespan on
  and the bridge embedded (in-memory channel layer, SQLite file);
  ``redis``: ``--bridges`` ``manage.py run_drone_bridge`` shard processes and ``--web-processes``
  uvicorn processes, channels_redis, PostgreSQL (``schoolsafe_bench``) and a dedicated Redis
  database (``--redis-db``, must be empty; flushed at the end). The Redis server's CPU is
  counted as the system's;
* viewers: ``benchmarks.telemetry_viewers``, M websocket clients of ``/ws/drones/`` in one
  asyncio process, signed in with a session cookie, behaving like the live map;
* ``--baseline``: ``benchmarks.telemetry_relay``, a bare pymavlink-to-``websockets`` relay with
  the same coalescing, against a fresh fleet and the same viewers.

Latency is from the simulator sending the GLOBAL_POSITION_INT a state carries to a viewer
receiving it (see ``benchmarks.telemetry_viewers``); superseded = seqs a viewer did not get
because a newer full state of the same drone replaced them (a viewer or the server behind);
lost = any other gap in a drone's ``seq`` per viewer (neither delivered nor superseded); stale =
new positions delivered over 1 s after the vehicle sent them and shown as live: neither marked
``delayed`` by the server nor found late on arrival by the viewer, which judges each update's
``at`` as the pages do (``static/js/live_clock.js``); start-up = from the viewers' start until
every viewer has an update of every drone. CPU-ms per delivered update = the system's CPU (web,
bridge and Redis processes; not the simulator, the viewers nor ``--busy`` load) over the updates
all viewers received.

``--busy N`` runs N busy-loop processes for the whole run (competing load: one busy core is
``--busy 1``). A configuration that fails (does not start within the start-up limit, a process
exits) stays in the table, marked failed with the reason.

``--profile DIR`` runs the system's processes under cProfile and prints their costliest calls.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from benchmarks.telemetry_report import load_average, print_profiles, print_table

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BENCH_DATABASE = "schoolsafe_bench"
PR_SET_PDEATHSIG = 1
STARTED = time.monotonic()


def progress(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {text}", file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------------


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used so far (/proc/stat, every core)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the benchmark dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """A child process with a line-oriented stdout read by a thread (so reads can time out)."""

    def __init__(self, name: str, role: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.role = name, role
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,  # Ctrl+C reaches the benchmark only; it stops the children in order
            preexec_fn=_die_with_parent,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, name=f"{name}-stdout", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def readline(self, timeout_s: float) -> str:
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            raise RuntimeError(f"{self.name}: nothing on stdout within {timeout_s:g} s\n{self.log_tail()}") from None
        if line is None:
            raise RuntimeError(f"{self.name} exited (code {self.process.poll()})\n{self.log_tail()}")
        return line

    def read_json(self, timeout_s: float) -> dict[str, Any]:
        while True:
            line = self.readline(timeout_s)
            if line.startswith("{"):
                return json.loads(line)

    def write(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(f"  [{self.name}] {line}" for line in text[-lines:])

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        self._log.close()


class Children:
    """Every process a run started; ``stop_all`` ends them newest first (viewers, system, simulators)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[Child] = []

    def spawn(self, name: str, role: str, args: list[str], env: dict[str, str] | None = None) -> Child:
        child = Child(name, role, args, env or _base_env(), self.log_dir)
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            try:
                started = time.monotonic()
                child.stop()
                if time.monotonic() - started > 3:
                    progress(f"{child.name} took {time.monotonic() - started:.1f} s to stop")
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                print(f"could not stop {child.name} (pid {child.pid}): {exc}", file=sys.stderr)


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DRONE_BRIDGE_EMBEDDED")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, child: Child, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited (code {child.process.poll()})\n{child.log_tail()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not listen on port {port} within {timeout_s:g} s\n{child.log_tail()}")


# --- databases ---------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    """A fresh PostgreSQL database ``name`` for the run, dropped afterwards (even after a failure)."""
    import psycopg

    def run(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis_database(base_url: str, db: int) -> Iterator[tuple[str, int | None]]:
    """``(url, redis-server pid)`` of an empty Redis database for the run, flushed afterwards."""
    import redis

    url = urlparse(base_url)._replace(path=f"/{db}").geturl()
    client = redis.Redis.from_url(url)
    if client.dbsize():
        # What an interrupted run leaves (channel layer and live cache keys) may go; anything else stays.
        foreign = [k for k in client.scan_iter(count=1000) if not k.startswith((b"asgi", b"schoolsafe:"))]
        if foreign:
            raise RuntimeError(f"Redis database {db} holds other data: choose an unused one with --redis-db")
        client.flushdb()
    pid = client.info("server").get("process_id")
    local = pid is not None and Path(f"/proc/{pid}/stat").exists()
    try:
        yield url, int(pid) if local else None
    finally:
        client.flushdb()
        client.close()


# --- one run -----------------------------------------------------------------------------------


@dataclass
class RunResult:
    label: str
    vehicles: int
    viewers: int
    seconds: float = 0.0
    ingest_msgs: int = 0
    sim_dropped: int = 0
    viewer: dict[str, Any] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)  # process name -> CPU seconds in the window
    roles: dict[str, str] = field(default_factory=dict)  # process name -> sut / sim / viewers
    notes: list[str] = field(default_factory=list)
    other_cpu_s: float = 0.0  # what the rest of the machine used meanwhile (other work competes for the cores)
    startup_s: float | None = None  # viewers' start until every viewer has every drone
    launch_s: float | None = None  # the system's (or relay's) launch until the viewers start

    @property
    def startup_from_launch_s(self) -> float | None:
        """The fair comparison: the relay starts its viewers once its links are up, the system once its
        port is open (its bridge may still be connecting)."""
        if self.startup_s is None or self.launch_s is None:
            return None
        return self.launch_s + self.startup_s

    failed: str = ""  # why this configuration did not run to the end

    @property
    def system_cpu_s(self) -> float:
        return sum(s for name, s in self.cpu_s.items() if self.roles[name] == "sut")

    @property
    def delivered(self) -> int:
        return int(self.viewer.get("delivered", 0))

    @property
    def cpu_ms_per_update(self) -> float | None:
        return self.system_cpu_s * 1000.0 / self.delivered if self.delivered else None


BUSY_LOOP = "import time\nwhile True:\n    time.monotonic()\n"


def start_busy(children: Children, args: argparse.Namespace) -> None:
    """``--busy N``: N processes each keeping a core busy, competing with the system for the CPUs."""
    for i in range(args.busy):
        children.spawn(f"busy{i}", "load", [PYTHON, "-c", BUSY_LOOP])


def start_fleets(children: Children, args: argparse.Namespace) -> tuple[list[Child], list[dict[str, Any]]]:
    counts = [args.vehicles // args.sim_processes + (i < args.vehicles % args.sim_processes)
              for i in range(args.sim_processes)]  # fmt: skip
    fleets = [
        children.spawn(
            f"simulator{i}",
            "sim",
            [PYTHON, "-m", "benchmarks.telemetry_fleet", "--count", str(n), "--boot-spread", str(args.boot_spread)],
        )
        for i, n in enumerate(counts)
        if n
    ]
    vehicles: list[dict[str, Any]] = []
    for fleet in fleets:
        vehicles += fleet.read_json(60)["vehicles"]
    return fleets, vehicles


def fleet_frames(fleets: list[Child]) -> tuple[int, int]:
    frames = dropped = 0
    for fleet in fleets:
        fleet.write("stats")
        stats = fleet.read_json(10)
        frames += stats["frames"]
        dropped += stats["dropped"]
    return frames, dropped


def measure(
    result: RunResult, children: Children, fleets: list[Child], viewers: Child, args: argparse.Namespace, extra: dict
) -> None:
    """Warm up, then one measured window: CPU of every process, frames sent, what viewers saw."""
    limit_s = args.startup_limit
    try:
        ready = viewers.readline(timeout_s=limit_s)  # "ready <start-up s>"
    except RuntimeError as exc:
        raise RuntimeError(f"not every viewer had every drone within {limit_s:g} s") from exc
    result.startup_s = float(ready.split()[1])
    progress(f"every viewer sees every drone after {result.startup_s:.1f} s; warming up {args.warmup:g} s, "
             f"then measuring {args.duration:g} s")  # fmt: skip
    time.sleep(args.warmup)
    pids = {c.name: c.pid for c in children.children}
    pids.update({name: pid for name, (pid, _role) in extra.items()})
    roles = {c.name: c.role for c in children.children}
    roles.update({name: role for name, (_pid, role) in extra.items()})
    frames0, dropped0 = fleet_frames(fleets)
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    busy0 = machine_busy_seconds()
    profiled = [c for c in children.children if c.role == "sut"] if args.profile else []
    for child in profiled:  # benchmarks.telemetry_profile: the first SIGUSR1 starts profiling
        child.process.send_signal(signal.SIGUSR1)
    t0 = time.monotonic()
    viewers.write("start")
    time.sleep(args.duration)
    viewers.write("stop")
    t1 = time.monotonic()
    for child in profiled:  # ... and the second writes the profile
        child.process.send_signal(signal.SIGUSR1)
    cpu1 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    busy1 = machine_busy_seconds()
    frames1, dropped1 = fleet_frames(fleets)
    result.viewer = viewers.read_json(60)
    result.seconds = t1 - t0
    result.ingest_msgs = frames1 - frames0
    result.sim_dropped = dropped1 - dropped0
    result.roles = roles
    result.cpu_s = {name: cpu1[name] - cpu0[name] for name in pids}
    ours = sum(cpu1[name] - cpu0[name] for name in pids)  # the viewers' process included (from /proc)
    result.other_cpu_s = max(0.0, busy1 - busy0 - ours)
    result.cpu_s[viewers.name] = result.viewer["cpu_s"]  # the load generator's own window, from inside


def _viewer_args(urls: list[str], epochs_path: Path, args: argparse.Namespace, cookie: str = "", origin: str = ""):
    if args.viewer_client == "node":
        program = ["node", str(ROOT / "benchmarks" / "telemetry_viewers.mjs")]
    else:
        program = [PYTHON, "-m", "benchmarks.telemetry_viewers"]
    cmd = [*program, "--viewers", str(args.viewers), "--epochs", str(epochs_path)]
    cmd += ["--page-limit-ms", str(_page_limit_ms(args))]
    for url in urls:
        cmd += ["--url", url]
    if cookie:
        cmd += ["--cookie", cookie]
    if origin:
        cmd += ["--origin", origin]
    if args.deflate:
        cmd.append("--deflate")
    return cmd


def _page_limit_ms(args: argparse.Namespace) -> int:
    """The pages' limit for calling an update delayed (``drones.bridge.freshness.delayed_after_s``)."""
    delayed_s = float(args.env.get("DRONE_LIVE_DELAYED_S", 1.0))
    unseen_s = float(args.env.get("DRONE_LIVE_UNSEEN_DELAY_S", 0.1))
    return round(max(0.0, delayed_s - unseen_s) * 1000)


def _profiled(cmd: list[str], name: str, args: argparse.Namespace) -> list[str]:
    if not args.profile:
        return cmd
    out = Path(args.profile).resolve() / f"{name}.prof"
    return [PYTHON, "-m", "benchmarks.telemetry_profile", str(out), *cmd[1:]]


def _log_dir(args: argparse.Namespace, tmp_path: Path, run: str) -> Path:
    if not args.logs:
        return tmp_path
    path = Path(args.logs).resolve() / run
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_system(layer: str, args: argparse.Namespace) -> RunResult:
    result = RunResult(_label(layer, args), args.vehicles, args.viewers)
    with tempfile.TemporaryDirectory(prefix="bench-telemetry-") as tmp, contextlib.ExitStack() as stack:
        tmp_path = Path(tmp)
        (tmp_path / "staticfiles").mkdir()  # STATIC_ROOT under SCHOOLSAFE_VAR_DIR: spares WhiteNoise's warning
        env = _base_env()
        env.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "0", "LOG_LEVEL": "WARNING",
                    "SCHOOLSAFE_VAR_DIR": str(tmp_path)})  # fmt: skip
        extra: dict[str, tuple[int, str]] = {}
        if layer == "redis":
            db_url = stack.enter_context(postgres_database(args.postgres, BENCH_DATABASE))
            redis_url, redis_pid = stack.enter_context(redis_database(args.redis, args.redis_db))
            env.update({"DATABASE_URL": db_url, "REDIS_URL": redis_url, "DRONE_BRIDGE_EMBEDDED": "0"})
            if redis_pid is not None:
                extra["redis-server"] = (redis_pid, "sut")
            else:
                result.notes.append("Redis server not on this machine: its CPU is not counted")
        else:
            env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}", "DRONE_BRIDGE_EMBEDDED": "1"})
        children = Children(_log_dir(args, tmp_path, layer))
        stack.callback(children.stop_all)  # registered after the databases: runs before they are dropped
        start_busy(children, args)
        fleets, vehicles = start_fleets(children, args)
        (tmp_path / "vehicles.json").write_text(json.dumps(vehicles))
        progress(f"{layer}: {len(vehicles)} simulated vehicles up; creating the database")
        env.update(args.env)
        setup = subprocess.run(
            [PYTHON, "-m", "benchmarks.telemetry_db", "--vehicles", str(tmp_path / "vehicles.json")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if setup.returncode:
            raise RuntimeError(f"database set-up failed:\n{setup.stderr[-3000:]}")
        db = json.loads(setup.stdout.strip().splitlines()[-1])
        epochs = {drone_id: v["send_epoch"] for drone_id, v in zip(db["drone_ids"], vehicles, strict=True)}
        (tmp_path / "epochs.json").write_text(json.dumps(epochs))
        progress(f"{layer}: database ready; starting the system")

        web_processes = 1 if layer == "inmemory" else args.web_processes
        ports = [free_port() for _ in range(web_processes)]
        launched = time.monotonic()
        if layer == "redis":
            for shard in range(args.bridges):
                cmd = [PYTHON, "manage.py", "run_drone_bridge", "--shard", str(shard), "--shards", str(args.bridges)]
                children.spawn(f"bridge{shard}", "sut", _profiled(cmd, f"bridge{shard}", args), env)
        webs = []
        for i, port in enumerate(ports):
            cmd = [PYTHON, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                   "--lifespan", "on", "--log-level", "warning", "--no-access-log"]  # fmt: skip
            name = "web+bridge" if layer == "inmemory" else f"web{i}"
            webs.append(children.spawn(name, "sut", _profiled(cmd, name.replace("+", "_"), args), env))
        for port, web in zip(ports, webs, strict=True):
            wait_port(port, web)
        result.launch_s = time.monotonic() - launched
        progress(f"{layer}: system up; connecting {args.viewers} viewers")
        urls = [f"ws://127.0.0.1:{port}/ws/drones/" for port in ports]
        viewers = children.spawn(
            "viewers", "viewers",
            _viewer_args(urls, tmp_path / "epochs.json", args, db["cookie"], "same"),
        )  # fmt: skip
        try:
            measure(result, children, fleets, viewers, args, extra)
        except Exception:
            for child in children.children:
                print(child.log_tail(), file=sys.stderr)
            raise
    return result


LABELS = {
    "inmemory": "in-memory layer (embedded bridge)",
    "redis": "Redis layer (bridge processes)",
    "baseline": "baseline: bare pymavlink -> websockets relay",
}


def _label(layer: str, args: argparse.Namespace) -> str:
    if layer == "redis" and (args.bridges > 1 or args.web_processes > 1):
        return f"Redis, {args.bridges} bridge(s), {args.web_processes} web process(es)"
    return LABELS[layer]


def _run_or_fail(layer: str, args: argparse.Namespace) -> RunResult:
    """The run's result; a configuration that failed is kept, marked with why."""
    try:
        result = run_baseline(args) if layer == "baseline" else run_system(layer, args)
    except RuntimeError as exc:
        progress(f"{layer}: FAILED: {exc}")
        result = RunResult(_label(layer, args), args.vehicles, args.viewers)
        result.failed = str(exc).splitlines()[0]
    result.label = _label(layer, args)
    return result


def run_baseline(args: argparse.Namespace) -> RunResult:
    result = RunResult(LABELS["baseline"], args.vehicles, args.viewers)
    with tempfile.TemporaryDirectory(prefix="bench-telemetry-") as tmp, contextlib.ExitStack() as stack:
        tmp_path = Path(tmp)
        children = Children(_log_dir(args, tmp_path, "baseline"))
        stack.callback(children.stop_all)
        start_busy(children, args)
        fleets, vehicles = start_fleets(children, args)
        (tmp_path / "vehicles.json").write_text(json.dumps(vehicles))
        (tmp_path / "epochs.json").write_text(json.dumps({i: v["send_epoch"] for i, v in enumerate(vehicles)}))
        port = free_port()
        launched = time.monotonic()
        relay = children.spawn(
            "relay", "sut",
            [PYTHON, "-m", "benchmarks.telemetry_relay", "--vehicles", str(tmp_path / "vehicles.json"),
             "--port", str(port)],
        )  # fmt: skip
        relay.read_json(120)
        result.launch_s = time.monotonic() - launched
        viewers = children.spawn(
            "viewers", "viewers", _viewer_args([f"ws://127.0.0.1:{port}/"], tmp_path / "epochs.json", args)
        )
        try:
            measure(result, children, fleets, viewers, args, {})
        except Exception:
            for child in children.children:
                print(child.log_tail(), file=sys.stderr)
            raise
    return result


# --- report: benchmarks.telemetry_report -------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds after every viewer saw every drone")
    parser.add_argument("--layer", choices=["inmemory", "redis", "both", "none"], default="both")
    parser.add_argument("--baseline", action="store_true", help="also run the bare relay (always on without --layer)")
    parser.add_argument("--quick", action="store_true", help="20 vehicles, 10 viewers, 10 s")
    parser.add_argument("--sim-processes", type=int, default=1, help="simulator processes sharing the vehicles")
    parser.add_argument("--boot-spread", type=float, default=1.0, help="0 = every vehicle's bursts in the same tick")
    parser.add_argument("--bridges", type=int, default=1, help="redis: run_drone_bridge shard processes")
    parser.add_argument("--web-processes", type=int, default=1, help="redis: uvicorn processes")
    parser.add_argument("--deflate", action="store_true", help="viewers offer permessage-deflate, as browsers do")
    parser.add_argument(
        "--viewer-client",
        choices=["python", "node"],
        default="python",
        help="the viewers' implementation: node (benchmarks/telemetry_viewers.mjs) takes a "
        "fraction of the CPU, for runs the Python clients cannot load on this machine",
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres", help="admin URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="the Redis server")
    parser.add_argument("--redis-db", type=int, default=14, help="an empty Redis database for the run")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra system settings")
    parser.add_argument("--busy", type=int, default=0, help="busy-loop processes competing for the cores")
    parser.add_argument("--startup-limit", type=float, help="seconds for every viewer to have every drone")
    parser.add_argument("--verbose", action="store_true", help="also print the worst latency of every second")
    parser.add_argument("--logs", metavar="DIR", help="keep every process's standard error in DIR")
    parser.add_argument("--profile", metavar="DIR", help="cProfile the system's processes into DIR")
    args = parser.parse_args()
    if args.quick:
        args.vehicles, args.viewers, args.duration, args.warmup = 20, 10, 10.0, 2.0
    args.env = dict(item.split("=", 1) for item in args.env)
    if args.deflate and args.viewer_client == "node":
        parser.error("--deflate needs the Python viewers (--viewer-client python): the Node clients do not compress")
    if args.startup_limit is None:
        args.startup_limit = 90 + args.vehicles * 0.2
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    if "--layer" not in sys.argv:
        args.baseline = True
    layers = {"both": ["inmemory", "redis"], "none": []}.get(args.layer, [args.layer])

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    results: list[RunResult] = []
    baseline = None
    load_before = load_average()
    try:
        for layer in layers:
            results.append(_run_or_fail(layer, args))
        if args.baseline:
            progress("baseline: starting")
            baseline = _run_or_fail("baseline", args)
            results.append(baseline)
    except KeyboardInterrupt:
        print("interrupted; child processes stopped, databases dropped", file=sys.stderr)
        return 130
    if results:
        print_table(results, baseline, args, load_before)
    if args.profile:
        print_profiles(Path(args.profile), 40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
