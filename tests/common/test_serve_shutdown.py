"""``make run``'s server: one Ctrl+C (SIGINT) ends it and its simulators; ``SIM_DRONES=0`` leaves the sample
drones' simulator ports alone (issue 15)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.env import EnvError
from common.jobs import Job
from config.lifespan import Lifespan
from drones.bridge.embedded import embedded_bridge_job, idle_simulator_links, skipping_links
from drones.links import LinkRefused

ROOT = Path(__file__).resolve().parents[2]
EXIT_BOUND_S = 20  # generous for two shared cores; a server that needs a second Ctrl+C never gets there


# --- units: which links are idle, and the bounded lifespan shut-down ------------------------------------


def test_no_link_is_idle_when_sim_drones_is_not_given():
    assert idle_simulator_links(sim_drones=None, base_port=5760) == frozenset()


def test_every_sample_simulator_link_is_idle_with_sim_drones_0():
    assert idle_simulator_links(sim_drones=0, base_port=5860) == {
        "tcp:127.0.0.1:5860",
        "tcp:127.0.0.1:5870",
        "tcp:127.0.0.1:5880",
    }


def test_only_the_links_beyond_the_simulators_started_are_idle():
    assert idle_simulator_links(sim_drones=2, base_port=5760) == {"tcp:127.0.0.1:5780"}
    assert idle_simulator_links(sim_drones=3, base_port=5760) == frozenset()


def test_an_idle_link_is_refused_without_the_network_and_says_why(monkeypatch):
    monkeypatch.setenv("SIM_DRONES", "0")
    opened = []
    factory = skipping_links(lambda connection, **options: opened.append(connection) or "vehicle",
                             frozenset({"tcp:127.0.0.1:5760"}))  # fmt: skip
    with pytest.raises(LinkRefused, match="no simulator runs on tcp:127.0.0.1:5760 .*SIM_DRONES=0"):
        factory("tcp:127.0.0.1:5760", system_id=1)
    assert factory("tcp:192.0.2.7:5760", system_id=1) == "vehicle"
    assert opened == ["tcp:192.0.2.7:5760"]


@pytest.mark.parametrize(("name", "value"), [("SIM_DRONES", "three"), ("SIM_DRONES", "-2"), ("SIM_BASE_PORT", "0")])
def test_a_bad_sim_variable_fails_the_start_up(settings, monkeypatch, name, value):
    settings.DRONE_BRIDGE_EMBEDDED = True
    monkeypatch.setenv(name, value)
    with pytest.raises(EnvError, match=name):
        embedded_bridge_job()


@pytest.mark.asyncio
async def test_shut_down_gives_up_on_a_job_that_ignores_cancelling(caplog):
    release = asyncio.Event()

    async def stubborn():
        while not release.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue  # the bug this guards against: a job that swallows its cancellation

    app = Lifespan(None, jobs=[Job(name="stubborn job", start=stubborn)], shutdown_timeout_s=0.2)
    inbox: asyncio.Queue = asyncio.Queue()
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    for message in ("lifespan.startup", "lifespan.shutdown"):
        inbox.put_nowait({"type": message})
    try:
        await asyncio.wait_for(app({"type": "lifespan"}, inbox.get, send), timeout=5)
        assert sent[-1] == {"type": "lifespan.shutdown.complete"}
        assert "stubborn job" in caplog.text
    finally:
        release.set()
        await asyncio.sleep(0)


# --- the server as make run starts it, in a subprocess ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_sim_base() -> int:
    """A base port with it and +10, +20 free (three simulator slots)."""
    for _ in range(50):
        base = _free_port()
        if base + 20 > 65535:
            continue
        try:
            for port in (base, base + 10, base + 20):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no three free simulator ports")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DRONE_BRIDGE_EMBEDDED="1",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def _read_until(process: subprocess.Popen, pattern: str, lines: list[str], timeout_s: float = 60) -> re.Match:
    """Read the server's output until a line matches ``pattern``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(lines)}")


def _serve(env: dict[str, str], *, port: int, sim_drones: int, base: int) -> subprocess.Popen:
    # A session of its own, as a terminal's foreground job: SIGINT to the group is what Ctrl+C sends.
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "serve",
            "--port",
            str(port),
            "--simulated-drones",
            str(sim_drones),
            "--sim-base-port",
            str(base),
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _exits_after_one_sigint(process: subprocess.Popen, lines: list[str]) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=EXIT_BOUND_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
        raise AssertionError("one SIGINT did not stop the server:\n" + "".join(lines) + out) from None
    lines.append(out)
    assert "Finished server process" in out, "".join(lines)


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory) -> Path:
    """A migrated SQLite database, made once for the module (migrating takes seconds); tests copy it."""
    directory = tmp_path_factory.mktemp("migrated")
    _manage(_env(directory), "migrate", "--noinput")
    return directory / "serve.sqlite3"


@pytest.fixture
def sample_db(tmp_path, migrated_db):
    """A migrated database with the sample fleet pointed at three free simulator ports."""
    base = _free_sim_base()
    env = _env(tmp_path)
    shutil.copyfile(migrated_db, tmp_path / "serve.sqlite3")
    _manage(env, "load_sample_fleet", "--sim-base-port", str(base))
    return env, base


@pytest.mark.slow
def test_sim_drones_0_one_sigint_stops_the_server_and_no_simulator_port_is_tried(sample_db):
    env, base = sample_db
    listeners = []
    for port in (base, base + 10, base + 20):  # stand where the simulators would: count who knocks
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
        sock.setblocking(False)
        listeners.append(sock)
    env.update(SIM_DRONES="0", SIM_BASE_PORT=str(base))
    lines: list[str] = []
    process = _serve(env, port=_free_port(), sim_drones=0, base=base)
    try:
        _read_until(process, r"no simulator behind .*SIM_DRONES=0", lines)
        _read_until(process, r"drone bridge shard 0/1 running with 3 drone", lines)
        time.sleep(3)  # the bridge would have opened its links by now
        knocked = 0
        for sock in listeners:
            try:
                sock.accept()[0].close()
                knocked += 1
            except BlockingIOError:
                pass
        assert knocked == 0, "the bridge tried a simulator port although SIM_DRONES=0"
        assert "Simulated drones:" not in "".join(lines)
        _exits_after_one_sigint(process, lines)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        for sock in listeners:
            sock.close()


@pytest.mark.slow
def test_one_sigint_stops_the_server_and_its_simulators(sample_db):
    env, base = sample_db
    env.update(SIM_DRONES="1", SIM_BASE_PORT=str(base))
    lines: list[str] = []
    process = _serve(env, port=_free_port(), sim_drones=1, base=base)
    try:
        fleet_pid = int(_read_until(process, r"Simulated drones: 1 on .*\(process (\d+)\)", lines)[1])
        _read_until(process, r"Application startup complete", lines)
        _exits_after_one_sigint(process, lines)
        deadline = time.monotonic() + EXIT_BOUND_S
        while time.monotonic() < deadline and _alive(fleet_pid):
            time.sleep(0.2)
        assert not _alive(fleet_pid), "the simulator outlived the server"
        with socket.socket() as sock:  # its port is free again
            sock.bind(("127.0.0.1", base))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by its parent) counts as ended.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
