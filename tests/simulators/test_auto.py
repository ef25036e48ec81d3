"""AUTO missions: start rules, texts, reached items, relay/servo effects (README §2 04/09)."""

from __future__ import annotations

from collections.abc import Callable

from pymavlink.dialects.v20 import all as mavlink

from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import GCS_SYSID, arm, set_mode, takeoff_guided, wait_disarmed, wait_ready_to_arm
from tests.simulators.mission_helpers import HOME_LAT, HOME_LON, item_int, square_mission, upload

AUTO, GUIDED = 3, 4


def test_auto_mission_with_relay_servo_and_reached_items(sim_factory: Callable[..., CopterUnderTest]) -> None:
    copter = sim_factory()
    gcs = copter.gcs()
    gcs.request_streams(4)
    assert gcs.command_ack(511, 376, 1_000_000).result == 0  # RELAY_STATUS 1 Hz
    gcs.wait("HOME_POSITION", timeout_s=40)
    assert upload(gcs, square_mission(leg_m=40)).ack.type == 0
    assert set_mode(gcs, GUIDED).result == 0
    wait_ready_to_arm(gcs, timeout_s=20)
    arm(gcs)
    sent = gcs.command_long(176, 1, AUTO)
    assert gcs.ack(176, since=sent).result == 0
    gcs.wait_text("Mission: 1 Takeoff", since=sent, timeout_s=2)
    current = gcs.wait("MISSION_CURRENT", lambda m: m.seq == 1, since=sent, timeout_s=2)
    assert (current.total, current.mission_state, current.mission_mode) == (9, 3, 1)
    gcs.sleep(2)
    assert gcs.last("GLOBAL_POSITION_INT").relative_alt < 200  # waits on the ground for MISSION_START

    start = gcs.command_long(300, 0, 0)
    assert gcs.ack(300, since=start).result == 0
    gcs.wait("GLOBAL_POSITION_INT", lambda m: m.relative_alt > 500, since=start, timeout_s=8)
    gcs.wait("RELAY_STATUS", lambda m: m.on == 1, since=start, timeout_s=90)
    gcs.wait("SERVO_OUTPUT_RAW", lambda m: m.servo9_raw == 1900, since=start, timeout_s=40)
    gcs.wait("RELAY_STATUS", lambda m: m.on == 0, since=start + 10, timeout_s=10)
    wait_disarmed(gcs, timeout_s=120)
    gcs.sleep(1.5)

    reached = [m.seq for _, m in gcs.received("MISSION_ITEM_REACHED", since=start)]
    assert reached == [1, 2, 3, 4, 6, 9]
    texts = [t for t in gcs.texts(since=start) if t.startswith(("Mission: ", "Reached command #"))]
    assert texts == [
        "Mission: 2 WP", "Reached command #2", "Mission: 3 WP", "Reached command #3", "Mission: 4 WP",
        "Reached command #4", "Mission: 5 SetRelay", "Mission: 6 LoitTime", "Reached command #6", "Mission: 7 SetServo",
        "Mission: 9 RTL", "Mission: 8 SetRelay",
    ]  # fmt: skip
    loiter = [t for t, m in gcs.received_at_vehicle_time("MISSION_ITEM_REACHED") if m.seq in (4, 6)]
    assert 9.5 <= loiter[1] - loiter[0] <= 11.0  # NAV_LOITER_TIME 10 s
    current = gcs.last("MISSION_CURRENT")
    assert (current.seq, current.mission_state) == (0, 5)
    hb = gcs.wait("HEARTBEAT", lambda m: m.get_srcSystem() != GCS_SYSID, timeout_s=2)
    assert (hb.base_mode, hb.custom_mode, hb.system_status) == (81, AUTO, 3)


def test_auto_entered_in_the_air_starts_at_once(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 15)
    assert upload(gcs, square_mission(leg_m=30, alt_m=15)[:5] + [item_int(5, 20)]).ack.type == 0
    sent = gcs.command_long(176, 1, AUTO)
    assert gcs.ack(176, since=sent).result == 0
    reached = gcs.wait("MISSION_ITEM_REACHED", since=sent, timeout_s=2)
    assert reached.seq == 1  # takeoff "reached" immediately
    gcs.wait_text("Mission: 2 WP", since=sent, timeout_s=2)

    gcs.sleep(3)
    assert gcs.command_ack(193, 0).result == 0  # pause
    gcs.sleep(5)
    assert gcs.last("MISSION_CURRENT").mission_state == 4
    assert (gcs.last("GLOBAL_POSITION_INT").vx ** 2 + gcs.last("GLOBAL_POSITION_INT").vy ** 2) ** 0.5 < 30
    assert gcs.command_ack(193, 1).result == 0
    # since entering AUTO: on a busy machine the vehicle may have reached it before the pause took hold
    gcs.wait("MISSION_ITEM_REACHED", lambda m: m.seq == 2, since=sent, timeout_s=60)


def test_auto_without_mission_fails_the_prearm_check(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.wait("HOME_POSITION", timeout_s=40)
    assert upload(gcs, square_mission()).ack.type == 0
    assert set_mode(gcs, AUTO).result == 0  # disarmed: allowed
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_clear_all_message(1, 1, 0))
    gcs.wait_text("PreArm: Mode requires mission", since=sent, timeout_s=40)
    sent = gcs.command_long(400, 1)
    assert gcs.ack(400, since=sent).result == 4
    gcs.wait_text("Arm: Mode requires mission", since=sent, timeout_s=2)


def test_do_jump_repeats(sim_factory: Callable[..., CopterUnderTest]) -> None:
    copter = sim_factory()
    gcs = copter.gcs()
    gcs.request_streams(4)
    takeoff_guided(gcs, 10)
    north = HOME_LAT + 15 / 111319.5
    mission = [
        item_int(0, 16, frame=0),
        item_int(1, 16, lat=north, lon=HOME_LON, alt=10),
        item_int(2, 16, lat=HOME_LAT, lon=HOME_LON, alt=10),
        item_int(3, 177, frame=2, params=(1, 1)),  # jump to 1, once
        item_int(4, 21, lat=HOME_LAT, lon=HOME_LON),
    ]
    assert upload(gcs, mission).ack.type == 0
    sent = gcs.command_long(176, 1, AUTO)
    gcs.ack(176, since=sent)
    wait_disarmed(gcs, timeout_s=120)
    gcs.sleep(0.5)
    assert [m.seq for _, m in gcs.received("MISSION_ITEM_REACHED", since=sent)] == [1, 2, 1, 2, 4]
