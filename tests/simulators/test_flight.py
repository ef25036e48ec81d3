"""GUIDED takeoff/goto/brake/land, LOITER's SITL quirk, RTL, speed/yaw/reposition (README §2 03/03b/06/09, §6)."""

from __future__ import annotations

import math

from pymavlink.dialects.v20 import all as mavlink

from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import (
    GCS_SYSID,
    Gcs,
    arm,
    meters_east,
    meters_north,
    set_mode,
    takeoff_guided,
    wait_altitude,
    wait_disarmed,
    wait_mode,
    wait_ready_to_arm,
)

GUIDED, LOITER, RTL, LAND, BRAKE = 4, 5, 6, 9, 17
POSITION_ONLY = 0x0DF8
VELOCITY_ONLY = 0x0DC7


def goto(gcs: Gcs, lat: float, lon: float, alt_rel_m: float) -> float:
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_set_position_target_global_int_message(
        0, 1, 1, 6, POSITION_ONLY, int(lat * 1e7), int(lon * 1e7), alt_rel_m, 0, 0, 0, 0, 0, 0, 0, 0))  # fmt: skip
    return sent


def speed(msg: object) -> float:
    return math.hypot(msg.vx, msg.vy) / 100.0  # type: ignore[attr-defined]


def landed_states(gcs: Gcs) -> list[int]:
    states: list[int] = []
    for _, msg in gcs.received("EXTENDED_SYS_STATE"):
        if not states or states[-1] != msg.landed_state:
            states.append(msg.landed_state)
    return states


def test_guided_takeoff_goto_brake_land(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    assert gcs.command_ack(511, 245, 1_000_000).result == 0  # EXTENDED_SYS_STATE at 1 Hz
    assert set_mode(gcs, GUIDED).result == 0
    wait_ready_to_arm(gcs, timeout_s=20)
    arm(gcs)
    sent = gcs.command_long(22, 0, 0, 0, 0, 0, 0, 10)
    assert gcs.ack(22, since=sent).result == 0
    climbing = gcs.wait("GLOBAL_POSITION_INT", lambda m: m.relative_alt > 100, since=sent, timeout_s=10)
    t_climb = next(t for t, m in gcs.received("GLOBAL_POSITION_INT") if m is climbing)
    assert 2.5 <= t_climb - sent <= 4.5  # motors spin up ~3 s
    wait_altitude(gcs, 9.7, 11, timeout_s=15)
    assert 7.5 <= gcs.vt() - sent <= 11.5  # 9.7 m at 9.4 s in 03
    assert max(-m.vz for _, m in gcs.received("GLOBAL_POSITION_INT", since=sent)) <= 260  # WPNAV_SPEED_UP
    gcs.wait("HEARTBEAT", lambda m: m.system_status == 4 and m.get_srcSystem() != GCS_SYSID, timeout_s=2)

    home = gcs.last("GLOBAL_POSITION_INT")
    target_lat = meters_north(home.lat / 1e7, 50)
    sent = goto(gcs, target_lat, home.lon / 1e7, 10)
    gcs.wait("POSITION_TARGET_GLOBAL_INT", since=sent, timeout_s=2)
    gcs.wait("GLOBAL_POSITION_INT", lambda m: abs(m.lat - target_lat * 1e7) * 0.0111 < 1.0, since=sent, timeout_s=20)
    assert 8.5 <= gcs.vt() - sent <= 13.0  # 10.5 s in 03
    assert 7.0 <= max(speed(m) for _, m in gcs.received("GLOBAL_POSITION_INT", since=sent)) <= 10.0  # 8.45 in 03
    assert gcs.received("COMMAND_ACK", since=sent) == []

    assert set_mode(gcs, BRAKE).result == 0
    gcs.sleep(3)
    assert speed(gcs.last("GLOBAL_POSITION_INT")) < 0.3
    assert set_mode(gcs, GUIDED).result == 0

    sent = gcs.command_long(21)
    assert gcs.ack(21, since=sent).result == 0
    wait_mode(gcs, LAND)
    gcs.sleep(4)
    assert 40 <= gcs.last("GLOBAL_POSITION_INT").vz <= 60  # 0.5 m/s below LAND_ALT_LOW
    hit = gcs.wait("STATUSTEXT", lambda m: m.text.startswith("SIM Hit ground at "), timeout_s=30)
    t_hit = next(t for t, m in gcs.received("STATUSTEXT") if m is hit)
    disarming = gcs.wait_text("Disarming motors", since=t_hit, timeout_s=5)
    t_disarm = next(t for t, m in gcs.received("STATUSTEXT") if m is disarming)
    assert 1.7 <= t_disarm - t_hit <= 2.6  # 2.1 s in 03
    gcs.wait("HEARTBEAT", lambda m: (m.base_mode, m.custom_mode, m.system_status) == (89, 9, 3), timeout_s=2)
    gcs.sleep(1.2)
    assert landed_states(gcs)[:1] == [1] and landed_states(gcs)[-1] == 1
    assert {3, 2, 4} <= set(landed_states(gcs))  # ON_GROUND -> TAKEOFF -> IN_AIR -> LANDING -> ON_GROUND


def test_loiter_descends_with_the_sitl_throttle_at_minimum(copter: CopterUnderTest) -> None:
    """SITL's RC throttle rests at 1000: LOITER entered in flight descends at ~2.5 m/s (03b)."""
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 15)
    assert set_mode(gcs, LOITER).result == 0
    gcs.sleep(2.5)
    assert 220 <= gcs.last("GLOBAL_POSITION_INT").vz <= 260
    assert set_mode(gcs, BRAKE).result == 0
    gcs.sleep(4.5)
    assert abs(gcs.last("GLOBAL_POSITION_INT").vz) < 20


def test_rc_throttle_override_holds_loiter(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 10)
    for _ in range(8):
        gcs.send(mavlink.MAVLink_rc_channels_override_message(1, 1, 0, 0, 1500, 0, 0, 0, 0, 0))
        if _ == 0:
            assert set_mode(gcs, LOITER).result == 0
        gcs.sleep(0.5)
    assert abs(gcs.last("GLOBAL_POSITION_INT").vz) < 20
    assert gcs.last("RC_CHANNELS").chan3_raw == 1500


def test_rtl_climbs_returns_loiters_and_lands(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 8)
    here = gcs.last("GLOBAL_POSITION_INT")
    goto(gcs, here.lat / 1e7, meters_east(here.lat / 1e7, here.lon / 1e7, 30), 8)
    gcs.sleep(9)
    sent = gcs.command_long(20)
    assert gcs.ack(20, since=sent).result == 0
    wait_mode(gcs, RTL)
    wait_altitude(gcs, 14.5, 16, timeout_s=15)  # climbs to RTL_ALT (15 m) first
    gcs.wait("GLOBAL_POSITION_INT", lambda m: abs(m.lon - here.lon) < 10 and m.vz > 100, timeout_s=40)  # 1.5 m/s
    wait_disarmed(gcs, timeout_s=60)
    hb = gcs.wait("HEARTBEAT", lambda m: m.get_srcSystem() != GCS_SYSID, timeout_s=2)
    assert (hb.base_mode, hb.custom_mode) == (81, RTL)  # RTL after landing and disarm: no GUIDED bit
    assert abs(gcs.last("GLOBAL_POSITION_INT").lon - here.lon) < 30


def test_change_speed_reposition_and_condition_yaw(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 10)
    here = gcs.last("GLOBAL_POSITION_INT")
    lat, lon = here.lat / 1e7, here.lon / 1e7
    target = meters_north(lat, 40)
    goto(gcs, target, lon, 10)
    gcs.sleep(0.2)
    assert gcs.command_ack(178, 1, 3, -1).result == 0  # applies to the goto being flown
    gcs.sleep(8)
    # The last 5 s by the vehicle's clock: at 20x a starved reader thread may have read nothing in the
    # last 5 s of wall-derived vehicle time (CI), though the vehicle sent every position.
    positions = gcs.received_at_vehicle_time("GLOBAL_POSITION_INT")
    recent = [m for t, m in positions if t >= positions[-1][0] - 5]
    assert len(recent) >= 10 and max(speed(m) for m in recent) <= 3.3

    sent = gcs.command_int(192, frame=6, params=(-1, 1, 0, math.nan), x=int(lat * 1e7),
                           y=int(meters_east(lat, lon, 20) * 1e7), z=15)  # fmt: skip
    assert gcs.ack(192, since=sent).result == 0
    gcs.wait("GLOBAL_POSITION_INT", lambda m: abs(m.lat - here.lat) < 15 and m.relative_alt > 14_500, timeout_s=30)

    sent = gcs.command_long(115, 90, 30, 1, 0)
    assert gcs.ack(115, since=sent).result == 0
    gcs.wait("VFR_HUD", lambda m: 88 <= m.heading <= 92, since=sent, timeout_s=15)


def test_velocity_targets_and_guided_timeout(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 10)
    for _ in range(6):
        gcs.send(mavlink.MAVLink_set_position_target_local_ned_message(
            0, 1, 1, 1, VELOCITY_ONLY, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0))  # fmt: skip
        gcs.sleep(0.5)
    assert 3.5 <= gcs.last("GLOBAL_POSITION_INT").vy / 100 <= 4.5  # east
    gcs.sleep(5)  # no update for GUID_TIMEOUT (3 s): stops
    assert speed(gcs.last("GLOBAL_POSITION_INT")) < 0.3


def test_mission_item_current_2_is_a_guided_goto(copter: CopterUnderTest) -> None:
    """dronekit's simple_goto: MISSION_ITEM with current=2, answered by MISSION_ACK 0 (08)."""
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 10)
    here = gcs.last("GLOBAL_POSITION_INT")
    target = meters_north(here.lat / 1e7, 22)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_item_message(1, 0, 0, 3, 16, 2, 0, 0, 0, 0, 0, target, here.lon / 1e7, 10))
    ack = gcs.wait("MISSION_ACK", since=sent, timeout_s=2)
    assert (ack.type, ack.target_system, ack.target_component) == (0, 255, 190)  # the sender
    gcs.wait("GLOBAL_POSITION_INT", lambda m: abs(m.lat - target * 1e7) * 0.0111 < 1.0, timeout_s=20)


def test_do_set_home_moves_home_and_rtl_lands_there(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    assert gcs.command_ack(511, 242, 1_000_000).result == 0
    takeoff_guided(gcs, 8)
    here = gcs.last("GLOBAL_POSITION_INT")
    new_lat = meters_north(here.lat / 1e7, -10)
    sent = gcs.command_int(179, frame=0, params=(0,), x=int(new_lat * 1e7), y=here.lon, z=300.0)
    assert gcs.ack(179, since=sent).result == 0
    home = gcs.wait("HOME_POSITION", lambda m: abs(m.latitude - new_lat * 1e7) < 5, since=sent, timeout_s=3)
    assert home.altitude == 300000
    assert set_mode(gcs, RTL).result == 0
    wait_disarmed(gcs, timeout_s=60)
    assert abs(gcs.last("GLOBAL_POSITION_INT").lat - new_lat * 1e7) * 0.0111 < 1.0


def test_pause_and_continue_in_guided(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 10)
    here = gcs.last("GLOBAL_POSITION_INT")
    goto(gcs, meters_north(here.lat / 1e7, 80), here.lon / 1e7, 10)
    gcs.sleep(4)
    assert gcs.command_ack(193, 0).result == 0
    gcs.sleep(5)
    assert speed(gcs.last("GLOBAL_POSITION_INT")) < 0.3
    resumed = gcs.vt()
    assert gcs.command_ack(193, 1).result == 0
    # moving again within a few vehicle seconds (a busy machine makes a sped-up vehicle's seconds coarse)
    gcs.wait("GLOBAL_POSITION_INT", lambda m: speed(m) > 2.0, since=resumed, timeout_s=10)


def test_arm_in_stabilize_then_guided_takeoff_is_refused(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    wait_ready_to_arm(gcs, timeout_s=20)
    arm(gcs)
    assert gcs.command_ack(22, 0, 0, 0, 0, 0, 0, 10).result == 4  # NAV_TAKEOFF only in GUIDED
