"""The bridge asks only for the telemetry streams it reads, and does not decode the messages nobody reads."""

from __future__ import annotations

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from drones.links import open_vehicle
from drones.mavlink.parsing import UNREAD, UNREAD_MESSAGE_IDS, SelectiveMAVLink
from drones.mavlink.telemetry import TelemetryState
from tests.sim import sim_fleet
from tests.waiting import wait_until_async


def frames(*messages) -> bytes:
    sender = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    return b"".join(m.pack(sender) for m in messages)


def test_messages_nobody_reads_are_split_off_undecoded_and_the_rest_decode_as_pymavlink_does():
    position = mavlink.MAVLink_global_position_int_message(1234, 361800000, 1181700000, 100000, 15000, 1, 2, 3, 9000)
    attitude = mavlink.MAVLink_attitude_message(1234, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0)
    hud = mavlink.MAVLink_vfr_hud_message(1.0, 2.0, 90, 50, 15.0, 0.5)
    wind = mavlink.MAVLink_wind_message(10.0, 3.0, 0.0)
    parser = SelectiveMAVLink(None, srcSystem=255, srcComponent=190)
    parser.robust_parsing = True
    parsed = parser.parse_buffer(frames(position, attitude, hud, wind))
    assert [m.get_type() for m in parsed] == ["GLOBAL_POSITION_INT", "UNREAD", "VFR_HUD", "UNREAD"]
    assert parsed[1] is UNREAD and parser.unread == 2
    assert parsed[0].lat == 361800000 and parsed[0].relative_alt == 15000 and parsed[2].groundspeed == 2.0
    # A frame that is read still has its checksum checked.
    broken = bytearray(frames(position))
    broken[-3] ^= 0xFF
    assert [m.get_type() for m in parser.parse_buffer(bytes(broken))] == ["BAD_DATA"]


def test_no_unread_message_is_one_the_telemetry_state_handles():
    handled = {getattr(mavlink, f"MAVLINK_MSG_ID_{name}") for name in TelemetryState().handlers}
    assert handled and not handled & UNREAD_MESSAGE_IDS


@pytest.mark.asyncio
async def test_a_connected_vehicle_streams_what_is_read_and_stops_the_rest():
    with sim_fleet(1) as sim:
        copter = sim.fleet.vehicles[0]
        vehicle = open_vehicle(sim.fleet.connection_strings[0], backend="pymavlink")
        await vehicle.connect(timeout_s=30)
        try:
            ready = await vehicle.wait_ready(timeout_s=60)
            assert ready.lat is not None and ready.battery_pct is not None and ready.ekf_ok
            rates = {name: copter.params.get(f"MAV1_{name}") for name in ("RAW_SENS", "EXTRA1", "EXT_STAT", "POSITION")}
            assert rates == {"RAW_SENS": 0, "EXTRA1": 0, "EXT_STAT": 4, "POSITION": 4}
            # Unread messages still ride in the streams that are read (WIND, VIBRATION, ...): counted, not decoded.
            await wait_until_async(lambda: vehicle.link.mav.unread > 0, 10, "an unread message")
        finally:
            await vehicle.close()
