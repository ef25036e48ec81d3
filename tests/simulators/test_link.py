"""The TCP link: hostile input, reconnects, several vehicles, the speed-up clock."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from pymavlink.dialects.v20 import all as mavlink

from simulators.arducopter import link as sim_link
from tests.simulators.conftest import CopterUnderTest, start_sim
from tests.simulators.gcs import Gcs, parse_connection_string


def test_garbage_and_truncated_frames_are_ignored(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.wait("HEARTBEAT", timeout_s=3)
    heartbeat = mavlink.MAVLink_heartbeat_message(6, 8, 0, 0, 4, 3).pack(mavlink.MAVLink(None, 255, 190))
    gcs.send_raw(os.urandom(20_000))
    gcs.send_raw(b"\xfd\x20\x00\x00\x07")  # a header promising more than follows
    gcs.send_raw(heartbeat[:-3])  # a frame cut short
    gcs.send_raw(heartbeat * 5)
    # the vehicle still answers (a command may be lost while the parser resynchronises)
    for _ in range(5):
        sent = gcs.command_long(512, 148)
        try:
            assert gcs.ack(512, since=sent, timeout_s=1).result == 0
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("vehicle stopped answering after garbage")


def test_disconnect_and_reconnect_keeps_state_and_streams(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    gcs.wait("ATTITUDE", timeout_s=3)
    assert gcs.command_ack(176, 1, 5).result == 0
    gcs.close()
    time.sleep(0.3)
    again = copter.gcs()
    assert again.wait("HEARTBEAT", timeout_s=3).custom_mode == 5
    again.wait("ATTITUDE", timeout_s=2)  # stream rates belong to the vehicle's port, as on SITL
    assert not again.raw.startswith(b"\n\nInit")  # the console banner is printed once, at boot


def test_a_second_client_waits_unanswered_until_the_first_leaves(copter: CopterUnderTest) -> None:
    """As SITL (one connection per serial port): the second connect succeeds, but nothing is read or
    sent on it until the first ground station closes its connection; then it is served."""
    first = copter.gcs()
    first.wait("HEARTBEAT", timeout_s=3)
    second = copter.gcs()
    second.sleep(3)
    assert second.received() == [] and not first.closed_by_peer
    first.wait("HEARTBEAT", since=first.vt(), timeout_s=3)  # the first is still served
    first.close()
    second.wait("HEARTBEAT", timeout_s=3)


def test_a_silent_client_gives_way_to_a_new_one(sim_copter: CopterUnderTest, monkeypatch) -> None:
    """A simulator addition: SITL would keep a new client waiting behind a dead (half-open) socket."""
    monkeypatch.setattr(sim_link, "STALE_CLIENT_WALL_S", 0.3)
    first = sim_copter.gcs(heartbeat=False, hello=True)
    first.wait("HEARTBEAT", timeout_s=3)
    time.sleep(0.5)
    second = sim_copter.gcs()
    second.wait("HEARTBEAT", timeout_s=3)
    time.sleep(0.3)
    assert first.closed_by_peer


def test_several_vehicles_on_distinct_ports(sim_factory: Callable[..., CopterUnderTest]) -> None:
    thread = start_sim(count=3, distinct_sysids=True)
    try:
        ports = {parse_connection_string(c)[1] for c in thread.fleet.connection_strings}
        assert len(ports) == 3
        sysids = set()
        positions = set()
        for connection_string in thread.fleet.connection_strings:
            with Gcs(connection_string, speedup=10) as gcs:
                sysid = gcs.heartbeat(timeout_s=3).get_srcSystem()
                sysids.add(sysid)
                gcs.request_streams(4, stream_id=10, target_system=sysid)
                state = gcs.wait("SIMSTATE", timeout_s=3)
                positions.add((state.lat, state.lng))
        assert sysids == {1, 2, 3}
        assert len(positions) == 3  # a grid of homes spacing_m apart
    finally:
        thread.stop()


def test_default_ports_are_sitl_style() -> None:
    from simulators.fleet import fleet_options

    assert [o.tcp_port for o in fleet_options(3)] == [5760, 5770, 5780]


def test_vehicle_time_runs_at_the_speedup(sim_factory: Callable[..., CopterUnderTest]) -> None:
    copter = sim_factory(speedup=8)
    gcs = copter.gcs()
    gcs.request_streams(4, stream_id=10)
    first = gcs.wait("ATTITUDE", timeout_s=5)
    wall0 = time.monotonic()
    time.sleep(0.5)
    last = gcs.wait("ATTITUDE", since=gcs.vt(), timeout_s=2)
    elapsed_vehicle_s = (last.time_boot_ms - first.time_boot_ms) / 1000.0
    assert abs(elapsed_vehicle_s / (time.monotonic() - wall0) - 8) < 1.5


def test_port_in_use_is_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        from simulators.fleet import Fleet, FleetThread, fleet_options

        try:
            FleetThread(Fleet(fleet_options(1, base_port=port))).start()
        except OSError:
            return
        raise AssertionError("binding a used port should fail")
