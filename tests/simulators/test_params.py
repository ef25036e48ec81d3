"""The parameter protocol and its edge cases (README §2 01, §4)."""

from __future__ import annotations

import json

from pymavlink.dialects.v20 import all as mavlink

from simulators.arducopter.params import DATA_FILE
from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import Gcs

TABLE = json.loads(DATA_FILE.read_text())["params"]


def param_set(gcs: Gcs, name: str, value: float, param_type: int = 9) -> float:
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_param_set_message(1, 1, name.encode(), value, param_type))
    return sent


def param_read(gcs: Gcs, name: str = "", index: int = -1) -> float:
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_param_request_read_message(1, 1, name.encode(), index))
    return sent


def test_param_list_banner_then_every_parameter_in_order(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    gcs.wait("HEARTBEAT", timeout_s=5)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_param_request_list_message(1, 1))
    gcs.wait("PARAM_VALUE", lambda m: m.param_index == 1348, since=sent, timeout_s=10)
    banner = gcs.texts(since=sent)[:3]
    assert (banner[0], banner[2]) == ("ArduCopter V4.7.0-dev (90700977)", "Frame: QUAD/PLUS")
    # the board id in between comes from the machine id and instance on SITL: only its form is fixed
    assert len(banner[1]) == 32 and all(c in "0123456789abcdef" for c in banner[1])
    assert banner[1] == "3d1219c7c4c5404aaa1f6d2a48adfda4" or not copter_faithful.is_sim
    values = [m for _, m in gcs.received("PARAM_VALUE", since=sent) if m.param_index != 65535]
    assert [m.param_index for m in values] == list(range(1349))
    assert {m.param_count for m in values} == {1349}
    assert [(m.param_id, m.param_type) for m in values] == [(row[1], row[3]) for row in TABLE]
    first_t = next(t for t, m in gcs.received("PARAM_VALUE", since=sent) if m.param_index == 0)
    last_t = next(t for t, m in gcs.received("PARAM_VALUE", since=sent) if m.param_index == 1348)
    assert last_t - first_t < 1.5  # 0.64 s on SITL


def test_param_set_echoes_with_the_vehicles_type(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    sent = param_set(gcs, "RTL_ALT", 2000, param_type=9)
    reply = gcs.wait("PARAM_VALUE", lambda m: m.param_id == "RTL_ALT", since=sent, timeout_s=2)
    assert (reply.param_value, reply.param_type, reply.param_index, reply.param_count) == (2000, 6, 65535, 1349)

    sent = param_set(gcs, "FS_GCS_ENABLE", 0, param_type=2)  # unchanged value: still echoed
    reply = gcs.wait("PARAM_VALUE", lambda m: m.param_id == "FS_GCS_ENABLE", since=sent, timeout_s=2)
    assert (reply.param_value, reply.param_type) == (0, 2)


def test_param_read_by_name_has_index_65535_and_by_index_the_real_one(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    sent = param_read(gcs, "WPNAV_SPEED")
    reply = gcs.wait("PARAM_VALUE", lambda m: m.param_id == "WPNAV_SPEED", since=sent, timeout_s=2)
    assert (reply.param_value, reply.param_type, reply.param_index) == (1000.0, 9, 65535)
    sent = param_read(gcs, index=0)
    reply = gcs.wait("PARAM_VALUE", lambda m: m.param_index == 0, since=sent, timeout_s=2)
    assert (reply.param_id, reply.param_value, reply.param_type) == ("FORMAT_VERSION", 120, 4)


def test_unknown_names_and_indices_get_no_reply(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    sent = gcs.vt()
    param_set(gcs, "NO_SUCH_PARAM", 1)
    for name in ("NO_SUCH_PARAM", "SYSID_THISMAV", "SYSID_MYGCS", "SR0_POSITION", "FS_GCS_TIMEOUT_MS"):
        param_read(gcs, name)
    param_read(gcs, index=9999)
    gcs.sleep(3)
    assert [m for _, m in gcs.received("PARAM_VALUE", since=sent) if m.param_index != 65535 or
            m.param_id in ("NO_SUCH_PARAM", "SYSID_THISMAV")] == []  # fmt: skip


def test_internal_mis_total_is_read_only(copter_faithful: CopterUnderTest) -> None:
    gcs = copter_faithful.gcs()
    before = None
    sent = param_read(gcs, "MIS_TOTAL")
    before = gcs.wait("PARAM_VALUE", lambda m: m.param_id == "MIS_TOTAL", since=sent, timeout_s=2).param_value
    sent = param_set(gcs, "MIS_TOTAL", 5)
    reply = gcs.wait("PARAM_VALUE", lambda m: m.param_id == "MIS_TOTAL", since=sent, timeout_s=2)
    assert (reply.param_value, reply.param_type) == (before, 4)
    gcs.wait_text("Param write denied (MIS_TOTAL)", since=sent, timeout_s=2)


def test_params_drive_behaviour(sim_copter: CopterUnderTest) -> None:
    """A PARAM_SET takes effect at once: battery voltage, the GUIDED speed limit, the system id.

    (The simulator applies MAV_SYSID at once; ArduPilot may need a reboot for it.)"""
    gcs = sim_copter.gcs()
    gcs.request_streams(4)
    sent = param_set(gcs, "SIM_BATT_VOLTAGE", 11.1)
    gcs.wait("SYS_STATUS", lambda m: m.voltage_battery == 11100, since=sent, timeout_s=3)
    assert sim_copter.call(lambda v: v.params.get("WPNAV_SPEED")) == 1000.0
    # From the moment it was sent: the answer may arrive before the wait starts.
    sent = param_set(gcs, "WPNAV_SPEED", 300)
    gcs.wait("PARAM_VALUE", lambda m: m.param_id == "WPNAV_SPEED" and m.param_value == 300, since=sent, timeout_s=2)
    assert sim_copter.call(lambda v: v.params.get("WPNAV_SPEED")) == 300.0
    sent = param_set(gcs, "MAV_SYSID", 7, param_type=4)
    gcs.wait("HEARTBEAT", lambda m: m.get_srcSystem() == 7, since=sent, timeout_s=3)
