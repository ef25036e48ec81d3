"""``python -m simulators fleet`` and the real-SITL launcher's error handling."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.__main__ import build_parser, parse_home
from simulators.sitl import SitlError, launch_sitl, sitl_instance
from tests.simulators.gcs import Gcs
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_cli_parses_the_documented_options() -> None:
    args = build_parser().parse_args(
        ["fleet", "--count", "3", "--base-port", "6000", "--speedup", "4", "--home", "36.1,118.2,250,90",
         "--spacing-m", "50", "--fast-boot", "--no-banner"]
    )  # fmt: skip
    assert (args.count, args.base_port, args.speedup, args.spacing_m) == (3, 6000, 4.0, 50.0)
    assert (args.home.lat_deg, args.home.lon_deg, args.home.alt_amsl_m, args.home.heading_deg) == (36.1, 118.2, 250, 90)
    assert args.fast_boot and args.no_banner
    defaults = build_parser().parse_args(["fleet", "--count", "1"])
    assert (defaults.base_port, defaults.home.lat_deg, defaults.home.lon_deg, defaults.home.alt_amsl_m) == (
        5760,
        36.185,
        118.17,
        300.0,
    )
    with pytest.raises(Exception):  # noqa: B017, PT011 - argparse raises ArgumentTypeError
        parse_home("36.1,118.2")


def test_cli_prints_connection_strings_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators", "fleet", "--count", "2", "--base-port", "0", "--speedup", "10",
         "--fast-boot"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = [process.stdout.readline().strip() for _ in range(2)]  # type: ignore[union-attr]
        assert all(line.startswith("tcp:127.0.0.1:") for line in lines)
        with Gcs(lines[1], speedup=10) as gcs:
            assert gcs.heartbeat(timeout_s=5).type == 2
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_sitl_launcher_reports_a_missing_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARDUPILOT_SITL_BIN", raising=False)
    with pytest.raises(SitlError, match="ARDUPILOT_SITL_BIN"):
        launch_sitl()
    with pytest.raises(SitlError, match="does not exist"):
        launch_sitl(binary=tmp_path / "arducopter")


def test_sitl_launcher_reports_an_early_exit_with_its_output(tmp_path: Path) -> None:
    fake = tmp_path / "arducopter"
    fake.write_text("#!/bin/sh\necho 'Unknown model quad'\necho \"args: $*\"\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(SitlError) as excinfo:
        launch_sitl(binary=fake, speedup=5, instance=2, startup_timeout_s=5)
    message = str(excinfo.value)
    assert "exited early with code 3" in message and "Unknown model quad" in message
    assert "-I 2" in message and "--speedup 5" in message and "-w" in message


# Like SITL: the "bind port" line comes before the socket listens; prints "connected" on accept.
FAKE_SITL = """#!{python}
import socket, sys, time
port = 5760 + 10 * int(sys.argv[sys.argv.index("-I") + 1])
print(f"bind port {{port}} for SERIAL0", flush=True)
time.sleep(0.5)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(1)
print("Waiting for connection ....", flush=True)
while True:
    conn, _ = server.accept()
    print("connected", flush=True)
"""


def _free_instance() -> int:
    for instance in range(300, 376):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", 5760 + 10 * instance))
            except OSError:
                continue
            return instance
    pytest.skip("no free SITL instance port")


def test_sitl_launcher_waits_until_the_port_listens_without_connecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "arducopter"
    fake.write_text(FAKE_SITL.format(python=sys.executable))
    fake.chmod(0o755)
    instance = _free_instance()
    monkeypatch.setenv("ARDUPILOT_SITL_INSTANCE", str(instance))
    with launch_sitl(binary=fake, startup_timeout_s=10) as sitl:
        assert sitl.connection_string == f"tcp:127.0.0.1:{5760 + 10 * instance}"
        assert "connected" not in sitl.last_output()  # no probe connect: SITL's boot is left to the GCS
        with socket.create_connection(("127.0.0.1", 5760 + 10 * instance), timeout=2):
            pass  # the first connect succeeds
    assert sitl.process.poll() is not None


def test_sitl_launcher_reports_a_port_that_never_listens(tmp_path: Path) -> None:
    fake = tmp_path / "arducopter"
    fake.write_text("#!/bin/sh\necho 'bind port 8770 for SERIAL0'\nsleep 30\n")
    fake.chmod(0o755)
    with pytest.raises(SitlError, match="printed its bind line but did not listen on port 8770"):
        launch_sitl(binary=fake, instance=301, startup_timeout_s=1)


def test_sitl_instance_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARDUPILOT_SITL_INSTANCE", raising=False)
    assert sitl_instance() == 0
    monkeypatch.setenv("ARDUPILOT_SITL_INSTANCE", "3")
    assert sitl_instance() == 3
    monkeypatch.setenv("ARDUPILOT_SITL_INSTANCE", "three")
    with pytest.raises(SitlError, match="ARDUPILOT_SITL_INSTANCE"):
        sitl_instance()


PARENT = """
import subprocess, sys, time
child = subprocess.Popen(
    [sys.executable, "-m", "simulators", "fleet", "--count", "1", "--base-port", "0", "--exit-with-parent"],
    stdout=subprocess.PIPE, text=True,
)
print(child.pid, child.stdout.readline().strip(), flush=True)
time.sleep(120)
"""


def _ended(pid: int) -> bool:
    """Gone, or a zombie waiting for a parent that may never reap it (this container's init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


def test_fleet_started_with_exit_with_parent_ends_when_its_parent_is_killed() -> None:
    # What `manage.py serve` relies on: uvicorn dies of a re-raised SIGTERM without running clean-up code.
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        child_pid, connection_string = parent.stdout.readline().split()  # type: ignore[union-attr]
        assert connection_string.startswith("tcp:127.0.0.1:")
        parent.kill()
        parent.wait(timeout=10)
        wait_until(lambda: _ended(int(child_pid)), 15, "the fleet to end with its parent", period_s=0.2)
    finally:
        if parent.poll() is None:
            parent.kill()
