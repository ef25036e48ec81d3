"""Geofence upload and validation, breach -> RTL, avoidance, rally points (README §2 05)."""

from __future__ import annotations

from collections.abc import Callable

from pymavlink.dialects.v20 import all as mavlink

from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import Gcs, meters_east, meters_north, takeoff_guided, wait_disarmed, wait_mode
from tests.simulators.mission_helpers import HOME_LAT, HOME_LON, download, item_int, upload

FENCE, RALLY = 1, 2
RTL = 6


def set_param(gcs: Gcs, name: str, value: float, param_type: int = 2) -> None:
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_param_set_message(1, 1, name.encode(), value, param_type))
    gcs.wait("PARAM_VALUE", lambda m: m.param_id == name, since=sent, timeout_s=2)


def square(command: int, half_m: float, start_seq: int = 0, north_m: float = 0.0, east_m: float = 0.0) -> list:
    corners = [(half_m, -half_m), (half_m, half_m), (-half_m, half_m), (-half_m, -half_m)]
    out = []
    for i, (n, e) in enumerate(corners):
        lat = meters_north(HOME_LAT, north_m + n)
        lon = meters_east(HOME_LAT, HOME_LON, east_m + e)
        out.append(item_int(start_seq + i, command, frame=0, params=(4,), lat=lat, lon=lon, mission_type=FENCE))
    return out


def good_fence() -> list:
    circle = item_int(8, 5004, frame=0, params=(20,), lat=meters_north(HOME_LAT, -70),
                      lon=meters_east(HOME_LAT, HOME_LON, -60), mission_type=FENCE)  # fmt: skip
    return square(5001, 150) + square(5002, 20, start_seq=4, north_m=-70, east_m=70) + [circle]


def test_fence_validation_upload_download_and_clear(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.wait("HOME_POSITION", timeout_s=40)
    assert download(gcs, mission_type=FENCE) == [] and download(gcs, mission_type=RALLY) == []

    bad = [item_int(i, 5001, frame=0, params=(2,), lat=HOME_LAT, lon=HOME_LON, mission_type=FENCE) for i in range(2)]
    sent = gcs.vt()
    result = upload(gcs, bad, mission_type=FENCE)
    assert (result.ack.type, result.ack.mission_type) == (1, FENCE)
    assert result.requests == [("MISSION_REQUEST", 0), ("MISSION_REQUEST", 1)]
    texts = gcs.texts(since=sent)
    assert "Invalid vertex count (2)" in texts and "Fence validation failed" in texts

    sent = gcs.vt()
    assert upload(gcs, good_fence(), mission_type=FENCE).ack.type == 0
    gcs.wait("STATUSTEXT", lambda m: m.text == "Fence Indexed OK" and m.severity == 7, since=sent, timeout_s=2)
    gcs.wait("PARAM_VALUE", lambda m: m.param_id == "FENCE_TOTAL" and m.param_value == 11, since=sent, timeout_s=2)
    items = download(gcs, mission_type=FENCE)
    assert [(i.command, i.frame, i.param1, i.autocontinue) for i in items] == (
        [(5001, 0, 4.0, 0)] * 4 + [(5002, 0, 4.0, 0)] * 4 + [(5004, 0, 20.0, 0)]
    )

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_clear_all_message(1, 1, FENCE))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 0
    gcs.wait_text("Fence Indexed OK", since=sent, timeout_s=2)
    assert download(gcs, mission_type=FENCE) == []


def test_fence_requires_position_to_arm(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    set_param(gcs, "FENCE_ENABLE", 1)
    gcs.sleep(8 - gcs.vt())
    sent = gcs.command_long(400, 1)
    assert gcs.ack(400, since=sent).result == 4
    gcs.wait_text("Arm: Fence requires position", since=sent, timeout_s=2)


def test_breach_switches_to_rtl(sim_factory: Callable[..., CopterUnderTest]) -> None:
    copter = sim_factory()
    gcs = copter.gcs()
    gcs.request_streams(4)
    gcs.wait("HOME_POSITION", timeout_s=40)
    assert upload(gcs, square(5001, 60), mission_type=FENCE).ack.type == 0
    set_param(gcs, "AVOID_ENABLE", 0)  # no avoidance: fly straight through the edge
    set_param(gcs, "FENCE_TYPE", 5)
    set_param(gcs, "FENCE_ENABLE", 1)
    status = gcs.wait("FENCE_STATUS", timeout_s=3)
    assert (status.breach_status, status.breach_count, status.breach_mitigation) == (0, 0, 1)
    takeoff_guided(gcs, 20)

    sent = gcs.vt()
    gcs.send(
        mavlink.MAVLink_set_position_target_global_int_message(
            0, 1, 1, 6, 0x0DF8, int(meters_north(HOME_LAT, 250) * 1e7), int(HOME_LON * 1e7), 20, 0, 0, 0, 0, 0, 0, 0, 0
        )
    )
    gcs.sleep(4)  # outside the fence: silently dropped
    assert abs(gcs.last("GLOBAL_POSITION_INT").lat - HOME_LAT * 1e7) < 20
    assert gcs.received("COMMAND_ACK", since=sent) == [] and gcs.texts(since=sent) == []

    for _ in range(40):
        gcs.send(mavlink.MAVLink_set_position_target_local_ned_message(
            0, 1, 1, 1, 0x0DC7, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0))  # fmt: skip
        gcs.sleep(0.5)
        if gcs.last("HEARTBEAT").custom_mode == RTL:
            break
    wait_mode(gcs, RTL, timeout_s=2)
    breach = gcs.wait("FENCE_STATUS", lambda m: m.breach_status == 1, since=sent, timeout_s=2)
    assert (breach.breach_type, breach.breach_count) == (3, 1)
    texts = gcs.texts(since=sent)
    assert "Polygon fence breached" in texts and "Manual recovery started" in texts
    gcs.wait_text("Fence breach cleared", since=sent, timeout_s=10)
    cleared = gcs.wait("FENCE_STATUS", lambda m: m.breach_status == 0, since=gcs.vt(), timeout_s=2)
    assert cleared.breach_count == 1
    wait_disarmed(gcs, timeout_s=90)


def test_avoidance_holds_inside_the_margin_and_do_fence_enable(copter: CopterUnderTest) -> None:
    gcs = copter.gcs()
    gcs.request_streams(4)
    gcs.wait("HOME_POSITION", timeout_s=40)
    assert upload(gcs, square(5001, 40), mission_type=FENCE).ack.type == 0
    set_param(gcs, "FENCE_TYPE", 5)
    set_param(gcs, "FENCE_ENABLE", 1)
    takeoff_guided(gcs, 10)
    for _ in range(24):
        gcs.send(mavlink.MAVLink_set_position_target_local_ned_message(
            0, 1, 1, 1, 0x0DC7, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0))  # fmt: skip
        gcs.sleep(0.5)
    north_m = (gcs.last("GLOBAL_POSITION_INT").lat - HOME_LAT * 1e7) * 0.0111319
    assert 36.0 <= north_m < 40.0
    assert any(m.breach_mitigation == 2 for _, m in gcs.received("FENCE_STATUS"))

    sent = gcs.command_long(207, 0)
    assert gcs.ack(207, since=sent).result == 0
    gcs.sleep(1.5)
    assert gcs.received("FENCE_STATUS", since=sent + 0.5) == []
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_param_request_read_message(1, 1, b"FENCE_ENABLE", -1))
    value = gcs.wait("PARAM_VALUE", lambda m: m.param_id == "FENCE_ENABLE", since=sent, timeout_s=2).param_value
    assert value == 1  # the parameter is untouched
    sent = gcs.command_long(207, 1)
    assert gcs.ack(207, since=sent).result == 0
    gcs.wait("FENCE_STATUS", since=sent, timeout_s=2)


def test_rally_points_and_rtl_to_the_nearest(sim_factory: Callable[..., CopterUnderTest]) -> None:
    copter = sim_factory()
    gcs = copter.gcs()
    gcs.request_streams(4)
    gcs.wait("HOME_POSITION", timeout_s=40)
    rally_north = meters_north(HOME_LAT, 60)
    rally = [
        item_int(0, 5100, frame=3, lat=rally_north, lon=HOME_LON, alt=30, mission_type=RALLY),
        item_int(1, 5100, frame=3, lat=meters_north(HOME_LAT, -200), lon=HOME_LON, alt=30, mission_type=RALLY),
    ]
    sent = gcs.vt()
    assert upload(gcs, rally, mission_type=RALLY).ack.type == 0
    totals = [m.param_value for _, m in gcs.received("PARAM_VALUE", since=sent) if m.param_id == "RALLY_TOTAL"]
    assert totals == [1, 2]
    items = download(gcs, mission_type=RALLY)
    assert [(i.command, i.frame, i.z) for i in items] == [(5100, 3, 30.0), (5100, 3, 30.0)]

    takeoff_guided(gcs, 10)
    gcs.send(
        mavlink.MAVLink_set_position_target_global_int_message(
            0, 1, 1, 6, 0x0DF8, int(meters_north(HOME_LAT, 45) * 1e7), int(HOME_LON * 1e7), 10, 0, 0, 0, 0, 0, 0, 0, 0
        )
    )
    gcs.sleep(12)
    assert gcs.command_ack(20).result == 0
    wait_disarmed(gcs, timeout_s=120)
    assert abs(gcs.last("GLOBAL_POSITION_INT").lat - rally_north * 1e7) * 0.0111 < 1.5  # landed at the rally point

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_clear_all_message(1, 1, RALLY))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 0
    gcs.wait("PARAM_VALUE", lambda m: m.param_id == "RALLY_TOTAL" and m.param_value == 0, since=sent, timeout_s=2)
