"""The mission protocol: uploads, downloads and every error ACK observed (README §2 04/10, §7)."""

from __future__ import annotations

from pymavlink.dialects.v20 import all as mavlink

from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import Gcs
from tests.simulators.mission_helpers import HOME_LAT, HOME_LON, download, item_int, square_mission, upload


def ready_gcs(copter: CopterUnderTest) -> Gcs:
    gcs = copter.gcs()
    gcs.wait("HOME_POSITION", timeout_s=40)  # fast boot: home at ~2 s; SITL: ~20 s
    return gcs


def test_upload_asks_with_mission_request_and_download_maps_frames(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    result = upload(gcs, square_mission())
    assert result.ack.type == 0
    assert result.requests == [("MISSION_REQUEST", i) for i in range(10)]
    assert "Flight plan received" in gcs.texts()
    gcs.wait("PARAM_VALUE", lambda m: m.param_id == "MIS_TOTAL" and m.param_value == 10, since=0, timeout_s=2)

    items = download(gcs)
    assert [i.seq for i in items] == list(range(10))
    home = items[0]
    assert (home.frame, home.command, home.x, home.y) == (0, 16, 361849999, 1181700000)
    assert abs(home.z - 300.1) < 0.02
    assert [i.frame for i in items[1:]] == [3, 3, 3, 3, 0, 3, 0, 0, 0]  # 6 -> 3; DO items and RTL in frame 0
    assert {i.current for i in items} == {0}
    assert items[6].param3 == 1.0  # NAV_LOITER_TIME comes back with param3 1


def test_legacy_messages_work_with_one_time_warnings(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    legacy = [
        mavlink.MAVLink_mission_item_message(1, 1, 0, 0, 16, 0, 1, 0, 0, 0, 0, HOME_LAT, HOME_LON, 0, 0),
        mavlink.MAVLink_mission_item_message(1, 1, 1, 3, 22, 0, 1, 0, 0, 0, 0, 0, 0, 15, 0),
        mavlink.MAVLink_mission_item_message(1, 1, 2, 3, 16, 0, 1, 0, 0, 0, 0, 36.18589831529052, 118.17, 15, 0),
    ]
    assert upload(gcs, legacy).ack.type == 0
    assert gcs.texts().count("got MISSION_ITEM; GCS should send MISSION_ITEM_INT") == 1
    items = download(gcs)
    assert (items[2].x, items[2].y) == (361858976, 1181699968)  # float32 arithmetic, as the firmware
    download(gcs, legacy=True)
    download(gcs, legacy=True)
    assert gcs.texts().count("got MISSION_REQUEST; use MISSION_REQUEST_INT!") == 1


def test_error_acks_and_the_truncated_mixture(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    assert upload(gcs, square_mission()).ack.type == 0
    home = item_int(0, 16, frame=0, lat=HOME_LAT, lon=HOME_LON)
    wp = item_int(2, 16, lat=36.1859, lon=HOME_LON, alt=20)

    bad_command = upload(gcs, [home, item_int(1, 60000, alt=20), wp])
    assert bad_command.ack.type == 3 and bad_command.requests == [("MISSION_REQUEST", 0), ("MISSION_REQUEST", 1)]
    mixture = download(gcs)
    assert [i.command for i in mixture] == [16, 22, 16]  # home, the old takeoff, the old first waypoint

    assert upload(gcs, [home, item_int(1, 16, frame=1, alt=20), wp]).ack.type == 2  # LOCAL_NED
    assert upload(gcs, [home, item_int(1, 16, frame=99, alt=20), wp]).ack.type == 2
    assert upload(gcs, [home, item_int(1, 16, lat=95.0, lon=HOME_LON, alt=20), wp]).ack.type == 10
    assert upload(gcs, [home, item_int(1, 16, lat=HOME_LAT, lon=190.0, alt=20), wp]).ack.type == 11
    assert upload(gcs, [home, item_int(1, 16, lat=0.0, lon=0.0, alt=20)]).ack.type == 0  # lat/lon 0 accepted

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 60000, 0))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 4
    gcs.wait_text("Only 650 items are supported", since=sent, timeout_s=2)

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 0, 0))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 0
    gcs.wait_text("Flight plan received", since=sent, timeout_s=2)
    assert download(gcs) == []


def test_out_of_order_item_is_refused_but_the_upload_continues(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    items = [item_int(0, 16, frame=0), item_int(1, 22, alt=10), item_int(2, 16, lat=36.1855, lon=HOME_LON, alt=10)]
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 3, 0))
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 0, since=sent, timeout_s=2)
    gcs.send(items[0])
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 1, since=sent, timeout_s=2)
    gcs.send(items[2])  # seq 2 while 1 was asked for
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 13
    rerequest = gcs.wait("MISSION_REQUEST", lambda m: m.seq == 1, since=gcs.vt() + 0.1, timeout_s=3)
    assert rerequest
    gcs.send(items[1])
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 2, since=sent, timeout_s=2)
    gcs.send(items[2])
    assert gcs.wait("MISSION_ACK", lambda m: m.type != 13, since=sent, timeout_s=2).type == 0


def test_upload_times_out_after_eight_requests(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 3, 0))
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 0, since=sent, timeout_s=2)
    gcs.send(item_int(0, 16, frame=0))
    ack = gcs.wait("MISSION_ACK", since=sent, timeout_s=12)
    assert ack.type == 15
    gcs.wait_text("Mission upload timeout", since=sent, timeout_s=1)
    stamps = [t for t, m in gcs.received("MISSION_REQUEST", since=sent) if m.seq == 1]
    assert len(stamps) == 8
    assert all(0.8 <= b - a <= 1.3 for a, b in zip(stamps, stamps[1:], strict=False))


def test_restarted_upload_unsolicited_items_and_bad_types(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    sent = gcs.vt()
    gcs.send(item_int(1, 16, lat=36.1855, lon=HOME_LON, alt=20))  # no upload running
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 1
    gcs.send(mavlink.MAVLink_mission_ack_message(1, 1, 0, 0))  # unsolicited ACK: nothing

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 3, 0))
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 0, since=sent, timeout_s=2)
    gcs.send(item_int(0, 16, frame=0))
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 1, since=sent, timeout_s=2)
    result = upload(gcs, [item_int(0, 16, frame=0), item_int(1, 22, alt=10)])  # restarts at seq 0
    assert result.ack.type == 0 and result.requests[0] == ("MISSION_REQUEST", 0)

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_list_message(1, 1, 255))
    ack = gcs.wait("MISSION_ACK", since=sent, timeout_s=2)
    assert (ack.type, ack.mission_type) == (3, 255)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_clear_all_message(1, 1, 255))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 3

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_int_message(1, 1, 5, 0))  # beyond the count, no list
    assert gcs.wait("MISSION_COUNT", since=sent, timeout_s=2).count == 2
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 13

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_clear_all_message(1, 1, 0))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == 0
    gcs.wait("PARAM_VALUE", lambda m: m.param_id == "MIS_TOTAL" and m.param_value == 0, since=sent, timeout_s=2)
    assert download(gcs) == []


def test_download_before_home_is_empty_and_item_zero_is_zeros(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    gcs.wait("HEARTBEAT", timeout_s=3)
    assert download(gcs) == []  # count 0 before home
    assert upload(gcs, square_mission()).ack.type == 0
    home_item = download(gcs)[0]
    assert (home_item.x, home_item.y, home_item.z) == (0, 0, 0.0)


def test_mission_set_current_and_do_set_mission_current(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    assert upload(gcs, square_mission()).ack.type == 0
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_set_current_message(1, 1, 3))
    current = gcs.wait("MISSION_CURRENT", lambda m: m.seq == 3, since=sent, timeout_s=2)
    assert (current.total, current.mission_state, current.mission_mode) == (9, 2, 0)
    gcs.sleep(0.3)
    assert gcs.received("COMMAND_ACK", since=sent) == []
    sent = gcs.command_long(224, 2)
    assert gcs.ack(224, since=sent).result == 0
    gcs.wait("MISSION_CURRENT", lambda m: m.seq == 2, since=sent, timeout_s=2)
