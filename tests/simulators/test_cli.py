"""``python -m simulators fleet`` and the real-SITL launcher's error handling."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulators.__main__ import build_parser, parse_home
from simulators.sitl import SitlError, launch_sitl
from tests.simulators.gcs import Gcs

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


def test_sitl_launcher_returns_once_listening(tmp_path: Path) -> None:
    fake = tmp_path / "arducopter"
    fake.write_text("#!/bin/sh\necho 'bind port 5770 for SERIAL0'\necho 'Waiting for connection ....'\nsleep 30\n")
    fake.chmod(0o755)
    with launch_sitl(binary=fake, instance=1, startup_timeout_s=5) as sitl:
        assert sitl.connection_string == "tcp:127.0.0.1:5770"
        assert sitl.process.poll() is None
    assert sitl.process.poll() is not None


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
        deadline = time.monotonic() + 15
        while not _ended(int(child_pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ended(int(child_pid)), "the fleet outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
