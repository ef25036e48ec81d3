"""Arming refusals with their texts, SET_MODE vs DO_SET_MODE, mode refusals, commands' ACKs."""

from __future__ import annotations

from pymavlink.dialects.v20 import all as mavlink

from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import GCS_SYSID, arm, set_mode, wait_disarmed, wait_ready_to_arm


def arm_texts(gcs, since):  # noqa: ANN001, ANN201
    gcs.sleep(0.3)
    return [t for t in gcs.texts(since=since) if t.startswith("Arm: ")]


def test_arming_refused_until_ready_with_the_firmware_texts(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    sent = gcs.command_long(400, 1)
    assert gcs.ack(400, since=sent).result == 4
    assert arm_texts(gcs, sent) == ["Arm: System not initialised"]

    gcs.wait_text("ArduPilot Ready", timeout_s=5)
    gcs.sleep(3.3 - gcs.vt())
    sent = gcs.command_long(400, 1, 21196)  # force-arm does not bypass the checks
    ack = gcs.ack(400, since=sent)
    assert (ack.result, ack.target_system, ack.target_component) == (4, 255, 190)
    texts = arm_texts(gcs, sent)
    assert "Arm: Accels inconsistent" in texts and "Arm: AHRS: not using configured AHRS type" in texts

    gcs.sleep(15 - gcs.vt())
    sent = gcs.command_long(400, 1)
    assert gcs.ack(400, since=sent).result == 4
    assert arm_texts(gcs, sent) == ["Arm: Gyros inconsistent"]

    assert set_mode(gcs, 4).result == 0  # GUIDED accepted while disarmed without a position
    gcs.sleep(21 - gcs.vt())
    sent = gcs.command_long(400, 1)
    assert gcs.ack(400, since=sent).result == 4
    assert "Arm: Need Position Estimate" in arm_texts(gcs, sent)
    assert gcs.command_ack(22, 0, 0, 0, 0, 0, 0, 10).result == 4  # takeoff while disarmed

    wait_ready_to_arm(gcs)
    sent = gcs.command_long(400, 1)
    assert gcs.ack(400, since=sent).result == 0
    gcs.wait_text("Arming motors", since=sent, timeout_s=2)
    home = gcs.wait("HOME_POSITION", since=sent, timeout_s=2)
    assert home.altitude == 300090
    gcs.wait("HEARTBEAT", lambda m: m.base_mode == 217 and m.get_srcSystem() != GCS_SYSID, timeout_s=3)
    # armed in GUIDED on the ground without a takeoff: disarms itself after DISARM_DELAY (10 s)
    gcs.wait_text("Disarming motors", since=sent + 9, timeout_s=3)
    param = gcs.wait("PARAM_VALUE", lambda m: m.param_id == "MOT_THST_HOVER", since=sent + 9, timeout_s=2)
    assert param.param_index == 65535


def test_set_mode_is_never_acked_but_do_set_mode_is(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.wait("HEARTBEAT", timeout_s=3)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_set_mode_message(1, 1, 99))
    gcs.wait_text("No such mode 99", since=sent, timeout_s=2)
    gcs.send(mavlink.MAVLink_set_mode_message(1, 1, 4))
    hb = gcs.wait("HEARTBEAT", lambda m: m.custom_mode == 4, since=sent, timeout_s=2)
    assert hb.base_mode & 8
    gcs.sleep(0.5)
    assert gcs.received("COMMAND_ACK", since=sent) == []

    sent = gcs.command_long(176, 1, 99)
    assert gcs.ack(176, since=sent).result == 4
    gcs.wait_text("No such mode 99", since=sent, timeout_s=2)
    sent = gcs.command_long(176, 1, 5)
    assert gcs.ack(176, since=sent).result == 0
    hb = gcs.wait("HEARTBEAT", lambda m: m.custom_mode == 5, since=sent, timeout_s=0.5)  # sent at once
    sent = gcs.command_int(176, frame=0, params=(1, 4))
    assert gcs.ack(176, since=sent).result == 0


def test_unsimulated_modes_are_refused(sim_copter: CopterUnderTest) -> None:
    gcs = sim_copter.gcs()
    sent = gcs.command_long(176, 1, 16)  # POSHOLD: listed by AVAILABLE_MODES, not simulated
    assert gcs.ack(176, since=sent).result == 4
    gcs.wait_text("Mode change to POSHOLD failed: not simulated", since=sent, timeout_s=2)


def test_guided_needs_a_position_when_armed(sim_copter: CopterUnderTest) -> None:
    """Armed in STABILIZE before the EKF uses GPS (fast boot: between 2.4 s and 4.1 s)."""
    gcs = sim_copter.gcs()
    gcs.sleep(2.8)
    assert gcs.command_ack(400, 1).result == 0
    assert not sim_copter.call(lambda v: v.ekf_has_position())
    sent = gcs.command_long(176, 1, 4)
    assert gcs.ack(176, since=sent).result == 4
    gcs.wait_text("Mode change to GUIDED failed: requires position", since=sent, timeout_s=2)


def test_commands_for_another_system_get_no_reply_and_component_zero_works(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    sent = gcs.command_long(400, 1, target_system=2)
    gcs.sleep(2)
    assert gcs.received("COMMAND_ACK", since=sent) == []
    ack = gcs.command_ack(512, 148, target_component=0)
    assert ack.result == 0
    version = gcs.wait("AUTOPILOT_VERSION", since=sent, timeout_s=2)
    assert (version.capabilities, version.flight_sw_version) == (64495, 67567616)
    assert bytes(version.flight_custom_version) == b"90700977"


def test_unknown_and_unsupported_commands(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    assert gcs.command_ack(31999, 1).result == 3
    assert gcs.command_ack(519, 1).result == 3  # REQUEST_PROTOCOL_VERSION
    assert gcs.command_ack(192, -1, 1).result == 3  # DO_REPOSITION as COMMAND_LONG


def test_disarm_when_already_disarmed_is_accepted(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    assert gcs.command_ack(400, 0).result == 0


def test_auto_disarm_after_disarm_delay(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.send(mavlink.MAVLink_param_set_message(1, 1, b"DISARM_DELAY", 3, 2))
    assert set_mode(gcs, 4).result == 0
    wait_ready_to_arm(gcs)
    arm(gcs)
    armed_at = gcs.vt()
    wait_disarmed(gcs, timeout_s=8)
    assert 2.5 <= gcs.vt() - armed_at <= 5.0
