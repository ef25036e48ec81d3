"""Framing, parsing and telemetry payloads, without sockets."""

from __future__ import annotations

import os
import random

import pytest
from pymavlink.dialects.v20 import all as mavlink

from simulators.arducopter.telemetry import BUILDERS
from simulators.arducopter.vehicle import Vehicle, VehicleOptions
from simulators.arducopter.wire import Framer, Parser, pack_fields, spec


def test_frame_is_byte_identical_to_pymavlink() -> None:
    framer = Framer(1, 1)
    ref = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    for seq in range(300):
        msg = mavlink.MAVLink_attitude_message(seq * 10, 0.1, -0.2, 3.0, 0.0, 0.0, 0.0)
        ref.seq = seq % 256
        expected = msg.pack(ref)
        assert (
            framer.frame(spec("ATTITUDE"), spec("ATTITUDE").struct.pack(seq * 10, 0.1, -0.2, 3.0, 0, 0, 0)) == expected
        )


def test_frames_are_mavlink2_unsigned_from_sys_and_comp() -> None:
    framer = Framer(7, 1)
    frame = framer.frame(spec("HEARTBEAT"), pack_fields(spec("HEARTBEAT"), {"type": 2, "autopilot": 3}))
    assert frame[0] == 0xFD and frame[2] == 0  # STX, incompat_flags: no signature
    assert (frame[5], frame[6]) == (7, 1)


def test_pymavlink_and_fast_paths_share_one_sequence() -> None:
    framer = Framer(1, 1)
    framer.frame(spec("HEARTBEAT"), b"\x00" * 9)
    packed = framer.frame_message(mavlink.MAVLink_statustext_message(6, b"hi", 0, 0))
    third = framer.frame(spec("HEARTBEAT"), b"\x00" * 9)
    assert (packed[4], third[4]) == (1, 2)


def test_parser_survives_garbage_and_truncated_frames() -> None:
    framer = Framer(1, 1)
    parser = Parser()
    rng = random.Random(1)
    for _ in range(50):
        assert isinstance(parser.feed(bytes(rng.getrandbits(8) for _ in range(500))), list)
    parser.feed(b"\xfd\x09\x00")  # a truncated header swallows what follows, as on ArduPilot
    good = framer.frame(spec("HEARTBEAT"), pack_fields(spec("HEARTBEAT"), {"type": 6, "autopilot": 8}))
    got = []
    for _ in range(5):
        got += [m.get_type() for m in parser.feed(good)]
    assert "HEARTBEAT" in got
    recovered = [m.get_type() for m in parser.feed(os.urandom(4096) + good * 40)]
    assert "HEARTBEAT" in recovered  # resynchronises after garbage (a partial frame may eat a few)


@pytest.fixture
def booted_vehicle() -> Vehicle:
    vehicle = Vehicle(VehicleOptions(fast_boot=True, boot_on_connect=False))

    class Clock:
        t = 0.0
        speedup = 1.0
        started = True

        def now_s(self) -> float:
            return self.t

        def unix_time_s(self, now_s: float) -> float:
            return 1.7e9 + now_s

        def start(self) -> None:
            pass

    clock = Clock()
    vehicle.clock = clock  # type: ignore[assignment]
    for _ in range(300):
        clock.t += 0.02
        vehicle.tick()
    return vehicle


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_telemetry_payload_decodes(booted_vehicle: Vehicle, name: str) -> None:
    payload = BUILDERS[name](booted_vehicle)
    if payload is None:
        assert name in ("POSITION_TARGET_GLOBAL_INT", "FENCE_STATUS")  # only with a target / fence
        return
    frame = Framer(1, 1).frame(spec(name), payload)
    (msg,) = Parser().feed(frame)
    assert msg.get_type() == name


def test_telemetry_values_on_the_ground_after_boot(booted_vehicle: Vehicle) -> None:
    parser, framer = Parser(), Framer(1, 1)

    def decode(name: str):  # noqa: ANN202
        return parser.feed(framer.frame(spec(name), BUILDERS[name](booted_vehicle)))[0]

    gps = decode("GPS_RAW_INT")
    assert (gps.fix_type, gps.satellites_visible, gps.lat, gps.lon, gps.alt) == (6, 10, 361849999, 1181700000, 300100)
    position = decode("GLOBAL_POSITION_INT")
    assert (position.lat, position.lon, position.alt) == (361849999, 1181700000, 300090)
    assert decode("EKF_STATUS_REPORT").flags == 831
    status = decode("SYS_STATUS")
    assert (status.voltage_battery, status.battery_remaining) == (12600, 100)
    assert decode("MEMINFO").freemem32 == 524288
    rc = decode("RC_CHANNELS")
    assert (rc.chan3_raw, rc.chancount, rc.rssi) == (1000, 8, 255)
    battery = decode("BATTERY_STATUS")
    assert (battery.voltages[0], battery.charge_state, battery.temperature) == (12600, 1, 32767)
