"""The sample fleet follows the simulator ports it was started with (issue 10, item 9)."""

from __future__ import annotations

import socket
import sys
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common.models import AuditLogEntry
from drones.models import Drone
from drones.sample import SAMPLE_DRONES, SamplePortsBusy, sample_fleet_point_at

pytestmark = pytest.mark.django_db


def _load(*args: str) -> None:
    call_command("load_sample_county", verbosity=0)
    call_command("load_sample_fleet", *args, verbosity=0)


def _connections() -> list[str]:
    return [Drone.objects.get(serial=serial).connection for _n, serial, *_ in SAMPLE_DRONES]


def _free_base_port() -> int:
    """A base port whose three simulator ports (base, +10, +20) are free right now."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base > 65000:
            continue
        try:
            for i in range(3):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", base + 10 * i))
        except OSError:
            continue
        return base
    raise AssertionError("no free base port")


def test_load_sample_fleet_uses_the_base_port_given():
    _load("--sim-base-port", "6760")
    assert _connections() == ["tcp:127.0.0.1:6760", "tcp:127.0.0.1:6770", "tcp:127.0.0.1:6780"]


def test_load_sample_fleet_defaults_to_sitl_ports():
    _load()
    assert _connections() == ["tcp:127.0.0.1:5760", "tcp:127.0.0.1:5770", "tcp:127.0.0.1:5780"]


def test_point_at_moves_the_sample_drones_one_slot_without_colliding():
    _load()
    # One slot up: drone 0 takes drone 1's old port, which must be vacated first.
    changed = sample_fleet_point_at(base_port=5770)
    assert _connections() == ["tcp:127.0.0.1:5770", "tcp:127.0.0.1:5780", "tcp:127.0.0.1:5790"]
    assert len(changed) == 3 and any("5760 -> tcp:127.0.0.1:5770" in line for line in changed)
    assert sample_fleet_point_at(base_port=5770) == []  # already there: nothing to do
    assert AuditLogEntry.objects.filter(action="drone.update").count() == 3


def test_point_at_leaves_a_sample_drone_on_a_real_link_alone():
    _load()
    Drone.objects.filter(serial=SAMPLE_DRONES[1][1]).update(connection="udpin:0.0.0.0:14550")
    sample_fleet_point_at(base_port=6760)
    assert _connections() == ["tcp:127.0.0.1:6760", "udpin:0.0.0.0:14550", "tcp:127.0.0.1:6780"]


def test_point_at_refuses_ports_another_drone_uses_and_changes_nothing():
    _load()
    first = Drone.objects.get(serial=SAMPLE_DRONES[0][1])
    Drone.objects.create(
        name="Real drone", serial="REAL-1", connection="tcp:127.0.0.1:6770", system_id=1, station=first.station
    )
    with pytest.raises(SamplePortsBusy) as caught:
        sample_fleet_point_at(base_port=6760)
    assert caught.value.code == "sample_ports_busy" and "Real drone (tcp:127.0.0.1:6770)" in caught.value.message
    assert _connections() == ["tcp:127.0.0.1:5760", "tcp:127.0.0.1:5770", "tcp:127.0.0.1:5780"]


def test_serve_points_the_sample_fleet_at_the_simulators_it_starts():
    _load()  # loaded with the default ports, then served on other ones
    base = _free_base_port()
    process = mock.Mock(pid=1234)
    with (
        mock.patch("subprocess.Popen", return_value=process) as popen,
        mock.patch("uvicorn.run") as run,
        mock.patch("drones.management.commands.serve._require_free"),
    ):
        call_command("serve", "--simulated-drones", "3", "--sim-base-port", str(base), stdout=mock.Mock())
    argv = popen.call_args.args[0]
    assert argv[:4] == [sys.executable, "-m", "simulators", "fleet"]
    assert argv[argv.index("--base-port") + 1] == str(base)
    assert run.called
    assert _connections() == [f"tcp:127.0.0.1:{base + 10 * i}" for i in range(3)]


def test_serve_names_the_way_out_when_the_simulator_ports_are_taken():
    _load()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with mock.patch("subprocess.Popen") as popen, pytest.raises(CommandError) as caught:
            call_command("serve", "--simulated-drones", "1", "--sim-base-port", str(port), stdout=mock.Mock())
    assert f"port {port} on 127.0.0.1 is in use" in str(caught.value)
    assert "SIM_BASE_PORT" in str(caught.value)
    assert not popen.called
    assert _connections()[0] == "tcp:127.0.0.1:5760"  # nothing moved


def test_a_simulator_fleet_on_busy_ports_says_to_choose_another_base_port():
    import subprocess

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "simulators", "fleet", "--count", "1", "--base-port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "address already in use" in result.stderr and "choose another --base-port" in result.stderr
