"""Protocol corners the recordings did not reach, answered as ArduCopter 4.7 answers them.

Each test runs on the simulator and, with ARDUPILOT_SITL_BIN, on real SITL (``-m sitl``). The
expected answers come from ArduPilot's GCS_MAVLink sources (MissionItemProtocol, GCS_Common,
GCS_Param, GCS_FTP, AC_PolyFence_loader, AP_Filesystem_Param), cited per test. A second
"ground station" is a second MAVLink source (sys 254 / comp 191) on the same link, since SITL's
SERIAL0 takes one TCP client.
"""

from __future__ import annotations

import struct
from typing import Any

from pymavlink.dialects.v20 import all as mavlink

from simulators.arducopter.ftp import DATA_SIZE, Op, pack_params
from simulators.arducopter.vehicle import Vehicle, VehicleOptions
from tests.simulators.conftest import CopterUnderTest
from tests.simulators.gcs import GCS_COMPID, GCS_SYSID, Gcs
from tests.simulators.mission_helpers import HOME_LAT, HOME_LON, download, item_int, upload

OTHER_SYSID, OTHER_COMPID = 254, 191
MAV_MISSION_ACCEPTED, MAV_MISSION_ERROR, MAV_MISSION_INVALID_SEQUENCE, MAV_MISSION_DENIED = 0, 1, 13, 14
FTP_NAK_FILE_NOT_FOUND, FTP_NAK_EOF = 10, 6


def ready_gcs(copter: CopterUnderTest) -> Gcs:
    gcs = copter.gcs()
    gcs.wait("HOME_POSITION", timeout_s=40)  # fast boot: ~2 s; SITL: ~20 s, well after "ArduPilot Ready"
    return gcs


def other_sender(gcs: Gcs) -> Any:
    """A second MAVLink source on the same link."""
    return mavlink.MAVLink(gcs.mav.file, srcSystem=OTHER_SYSID, srcComponent=OTHER_COMPID)


def to(sysid: int, compid: int) -> Any:
    return lambda m: (m.target_system, m.target_component) == (sysid, compid)


def three_items(alt_m: float = 20.0) -> list[Any]:
    return [
        item_int(0, 16, frame=0, lat=HOME_LAT, lon=HOME_LON),
        item_int(1, 22, alt=alt_m),
        item_int(2, 16, lat=HOME_LAT + 0.0005, lon=HOME_LON, alt=alt_m),
    ]


def answer_requests(gcs: Gcs, items: list[Any], *, since: float, timeout_s: float = 10.0) -> Any:
    """Serve the vehicle's MISSION_REQUESTs to us until it acks us (re-requests included)."""
    served: set[tuple[int, float]] = set()
    started = gcs.vt()
    deadline = started + timeout_s
    while gcs.vt() < deadline:
        for t, msg in gcs.received(since=since):
            kind = msg.get_type()
            if (kind == "MISSION_ACK" and t >= started and to(GCS_SYSID, GCS_COMPID)(msg)
                    and msg.type != MAV_MISSION_INVALID_SEQUENCE):  # fmt: skip
                return msg
            if kind == "MISSION_REQUEST" and to(GCS_SYSID, GCS_COMPID)(msg) and (msg.seq, t) not in served:
                served.add((msg.seq, t))
                gcs.send(items[msg.seq])
        gcs.sleep(0.02)
    raise AssertionError("the upload did not end")


# --- 1. mission transfer state and sender check (MissionItemProtocol.cpp) -------------------


def test_download_requests_are_denied_while_an_upload_runs(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    items = three_items()
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 3, 0))
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 0, since=sent, timeout_s=2)

    asked = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_list_message(1, 1, 0))
    assert gcs.wait("MISSION_ACK", since=asked, timeout_s=2).type == MAV_MISSION_DENIED
    asked = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_int_message(1, 1, 0, 0))
    assert gcs.wait("MISSION_ACK", since=asked, timeout_s=2).type == MAV_MISSION_DENIED
    assert not gcs.received("MISSION_COUNT", since=sent)
    assert not gcs.received("MISSION_ITEM_INT", since=sent)

    assert answer_requests(gcs, items, since=sent).type == MAV_MISSION_ACCEPTED
    assert [i.command for i in download(gcs)] == [16, 22, 16]  # served again once it is over


def test_another_sender_can_neither_hijack_nor_wipe_an_upload(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    assert upload(gcs, [*three_items(), item_int(3, 20)]).ack.type == MAV_MISSION_ACCEPTED  # 4 stored
    other = other_sender(gcs)
    items = three_items(alt_m=30.0)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 3, 0))
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 0, since=sent, timeout_s=2)

    theirs = to(OTHER_SYSID, OTHER_COMPID)
    asked = gcs.vt()
    other.send(mavlink.MAVLink_mission_count_message(1, 1, 1, 0))
    ack = gcs.wait("MISSION_ACK", theirs, since=asked, timeout_s=2)
    assert ack.type == MAV_MISSION_DENIED
    asked = gcs.vt()
    other.send(item_int(1, 16, lat=HOME_LAT, lon=HOME_LON, alt=5))  # not the item asked for
    assert gcs.wait("MISSION_ACK", theirs, since=asked, timeout_s=2).type == MAV_MISSION_INVALID_SEQUENCE
    asked = gcs.vt()
    other.send(item_int(0, 16, frame=0, lat=HOME_LAT, lon=HOME_LON))  # the item asked for, wrong sender
    assert gcs.wait("MISSION_ACK", theirs, since=asked, timeout_s=2).type == MAV_MISSION_DENIED
    asked = gcs.vt()
    other.send(mavlink.MAVLink_mission_clear_all_message(1, 1, 0))
    # refused: ERROR (while receiving) or DENIED (other sender), depending on the firmware's age
    assert gcs.wait("MISSION_ACK", theirs, since=asked, timeout_s=2).type in (MAV_MISSION_ERROR, MAV_MISSION_DENIED)
    assert not [m for _, m in gcs.received("MISSION_REQUEST", since=sent) if theirs(m)]

    assert answer_requests(gcs, items, since=sent).type == MAV_MISSION_ACCEPTED
    stored = download(gcs)
    assert [i.command for i in stored] == [16, 22, 16]  # ours: 3 items, not wiped, not theirs
    assert abs(stored[1].z - 30.0) < 0.01


def test_fence_upload_times_out_with_its_own_text(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, 4, 1))
    gcs.wait("MISSION_REQUEST", lambda m: m.seq == 0 and m.mission_type == 1, since=sent, timeout_s=2)
    ack = gcs.wait("MISSION_ACK", since=sent, timeout_s=12)
    assert (ack.type, ack.mission_type) == (15, 1)  # OPERATION_CANCELLED
    gcs.wait_text("Fence upload timeout", since=sent, timeout_s=1)
    asked = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_list_message(1, 1, 1))
    assert gcs.wait("MISSION_COUNT", since=asked, timeout_s=2).count == 0  # no longer receiving


# --- 2. REQUEST_DATA_STREAM writes the link's MAVn_* rates (08) --------------------------


def read_param(gcs: Gcs, name: str, *, timeout_s: float = 3.0) -> float:
    asked = gcs.vt()
    gcs.send(mavlink.MAVLink_param_request_read_message(1, 1, name.encode(), -1))
    return gcs.wait("PARAM_VALUE", lambda m: m.param_id == name, since=asked, timeout_s=timeout_s).param_value


def test_request_data_stream_sets_the_stream_rate_parameters(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    gcs.request_streams(4, stream_id=0)
    gcs.sleep(0.5)
    names = ("RAW_SENS", "EXT_STAT", "RC_CHAN", "RAW_CTRL", "POSITION", "EXTRA1", "EXTRA2", "EXTRA3", "ADSB")
    assert {n: read_param(gcs, f"MAV1_{n}") for n in names} == dict.fromkeys(names, 4.0)
    assert read_param(gcs, "MAV1_PARAMS") == 0.0  # ALL leaves the parameter stream alone

    gcs.request_streams(2, stream_id=6)  # POSITION only
    gcs.sleep(0.5)
    assert (read_param(gcs, "MAV1_POSITION"), read_param(gcs, "MAV1_EXTRA1")) == (2.0, 4.0)
    gcs.send(mavlink.MAVLink_request_data_stream_message(1, 1, 0, 4, 0))  # stop all
    gcs.sleep(0.5)
    assert (read_param(gcs, "MAV1_EXT_STAT"), read_param(gcs, "MAV1_ADSB")) == (0.0, 0.0)


# --- 3. MISSION_CURRENT after MISSION_CLEAR_ALL -----------------------------------------------


def test_mission_current_is_zero_after_clear_all(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    assert upload(gcs, [*three_items(), item_int(3, 16, lat=HOME_LAT, lon=HOME_LON + 0.0005, alt=20)]).ack.type == 0
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_set_current_message(1, 1, 3))
    assert gcs.wait("MISSION_CURRENT", since=sent, timeout_s=2).seq == 3

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_clear_all_message(1, 1, 0))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == MAV_MISSION_ACCEPTED
    gcs.sleep(0.2)
    asked = gcs.vt()
    assert gcs.command_ack(512, 42).result == 0  # REQUEST_MESSAGE MISSION_CURRENT
    current = gcs.wait("MISSION_CURRENT", since=asked, timeout_s=2)
    assert (current.seq, current.total) == (0, 0)


# --- 4. SET_MODE to target system 0 ----------------------------------------------------------


def test_set_mode_to_target_system_zero_is_a_broadcast(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    gcs.send(mavlink.MAVLink_set_mode_message(0, 1, 4))  # target 0, custom-mode flag, GUIDED
    gcs.heartbeat()
    assert gcs.wait("HEARTBEAT", lambda m: m.custom_mode == 4, timeout_s=3)
    gcs.send(mavlink.MAVLink_set_mode_message(2, 1, 5))  # another system: ignored
    gcs.sleep(2.0)
    assert gcs.heartbeat().custom_mode == 4


# --- 5. out-of-range MISSION_REQUEST_INT during a download ------------------------------------


def test_out_of_range_request_during_a_download_gets_the_count_then_invalid_sequence(
    copter: CopterUnderTest,
) -> None:
    gcs = ready_gcs(copter)
    assert upload(gcs, three_items()).ack.type == 0
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_list_message(1, 1, 0))
    assert gcs.wait("MISSION_COUNT", since=sent, timeout_s=2).count == 3
    asked = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_int_message(1, 1, 7, 0))
    assert gcs.wait("MISSION_COUNT", since=asked, timeout_s=2).count == 3
    assert gcs.wait("MISSION_ACK", since=asked, timeout_s=2).type == MAV_MISSION_INVALID_SEQUENCE
    kinds = [m.get_type() for _, m in gcs.received(since=asked) if m.get_type() in ("MISSION_COUNT", "MISSION_ACK")]
    assert kinds[:2] == ["MISSION_COUNT", "MISSION_ACK"]


# --- 6. result codes ---------------------------------------------------------------------------


def test_do_set_mode_without_custom_flag_and_arm_param_two_are_refused_as_arducopter_does(
    copter: CopterUnderTest,
) -> None:
    gcs = ready_gcs(copter)
    assert gcs.command_ack(176, 0, 4).result == 2  # DENIED: only custom modes are accepted
    assert gcs.command_ack(400, 2).result == 3  # UNSUPPORTED: param1 is neither 0 nor 1
    assert gcs.heartbeat().custom_mode == 0


def test_param_request_read_with_index_minus_two_is_not_answered(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    asked = gcs.vt()
    gcs.send(mavlink.MAVLink_param_request_read_message(1, 1, b"RTL_ALT", -2))  # only -1 means "by name"
    gcs.sleep(2.0)
    assert not [m for _, m in gcs.received("PARAM_VALUE", since=asked) if m.param_id == "RTL_ALT"]
    assert read_param(gcs, "RTL_ALT") == 1500.0


# --- 7. MAVLink FTP (GCS_FTP.cpp, AP_Filesystem_Param.cpp) --------------------------------------


class Ftp:
    def __init__(self, gcs: Gcs) -> None:
        self.gcs = gcs
        self.seq = 0

    def request(self, opcode: int, *, data: bytes = b"", offset: int = 0, size: int | None = None,
                session: int = 0) -> float:  # fmt: skip
        self.seq += 1
        head = struct.pack("<HBBBBBBI", self.seq, session, opcode, len(data) if size is None else size, 0, 0, 0, offset)
        sent = self.gcs.vt()
        self.gcs.send(mavlink.MAVLink_file_transfer_protocol_message(0, 1, 1, list((head + data).ljust(251, b"\0"))))
        return sent

    def reply(self, opcode: int, **kw: Any) -> dict[str, Any]:
        sent = self.request(opcode, **kw)
        want = (self.seq + 1) & 0xFFFF
        msg = self.gcs.wait("FILE_TRANSFER_PROTOCOL", lambda m: decode(m)["seq"] == want, since=sent, timeout_s=3)
        return decode(msg)


def decode(msg: Any) -> dict[str, Any]:
    raw = bytes(msg.payload)
    seq, session, opcode, size, req_opcode, burst, _pad, offset = struct.unpack_from("<HBBBBBBI", raw)
    return {"seq": seq, "session": session, "opcode": opcode, "size": size, "req_opcode": req_opcode,
            "burst_complete": burst, "offset": offset, "data": raw[12 : 12 + size]}  # fmt: skip


def parse_param_pck(
    blob: bytes, spans: list[tuple[int, int]] | None = None, defaults: dict[str, float] | None = None
) -> tuple[int, int, dict[str, float]]:
    """(num_params, total_params, values) of a param.pck file (pad bytes are leading zeros).

    ``spans`` collects (file offset, length) of every value field, ``defaults`` the defaults sent."""
    magic, num, total = struct.unpack_from("<HHH", blob)
    assert magic in (0x671B, 0x671C)
    values: dict[str, float] = {}
    fmts = {1: "<b", 2: "<h", 3: "<i", 4: "<f"}
    i, last = 6, b""
    while i < len(blob) and len(values) < num:
        if blob[i] == 0:
            i += 1  # padding
            continue
        ptype, flags = blob[i] & 0x0F, blob[i] >> 4
        common, name_len = blob[i + 1] & 0x0F, (blob[i + 1] >> 4) + 1
        name = last[:common] + blob[i + 2 : i + 2 + name_len]
        fmt = fmts[ptype]
        j = i + 2 + name_len
        values[name.decode()] = struct.unpack_from(fmt, blob, j)[0]
        if spans is not None:
            spans.append((j, struct.calcsize(fmt)))
        if defaults is not None and flags & 1:
            defaults[name.decode()] = struct.unpack_from(fmt, blob, j + struct.calcsize(fmt))[0]
        i = j + struct.calcsize(fmt) * (2 if flags & 1 else 1)
        last = name
    return num, total, values


def test_ftp_serves_param_pck_and_naks_what_it_does_not_hold(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    ftp = Ftp(gcs)
    reset = ftp.reply(Op.RESET_SESSIONS)
    assert (reset["opcode"], reset["req_opcode"]) == (Op.ACK, Op.RESET_SESSIONS)

    missing = ftp.reply(Op.OPEN_FILE_RO, data=b"@PARAM/no_such_file.txt")
    assert (missing["opcode"], missing["data"][:1]) == (Op.NAK, bytes((FTP_NAK_FILE_NOT_FOUND,)))
    no_file = ftp.reply(Op.READ_FILE, size=DATA_SIZE)
    assert (no_file["opcode"], no_file["data"][:1]) == (Op.NAK, bytes((FTP_NAK_FILE_NOT_FOUND,)))

    opened_at = gcs.vt()
    opened = ftp.reply(Op.OPEN_FILE_RO, data=b"@PARAM/param.pck")
    assert (opened["opcode"], opened["req_opcode"], opened["size"]) == (Op.ACK, Op.OPEN_FILE_RO, 4)
    gcs.wait_text("ArduCopter V4.7.0", since=opened_at, timeout_s=2)  # the banner comes with the open

    blob = bytearray()
    while True:
        chunk = ftp.reply(Op.READ_FILE, offset=len(blob), size=DATA_SIZE, session=opened["session"])
        if chunk["opcode"] == Op.NAK:
            assert chunk["data"][:1] == bytes((FTP_NAK_EOF,))
            break
        assert chunk["offset"] == len(blob)
        blob += chunk["data"]
    num, total, values = parse_param_pck(bytes(blob))
    assert num == total == len(values) > 1000
    assert struct.unpack("<I", opened["data"])[0] == 12 * total  # AP_Filesystem_Param's size estimate
    assert values["RTL_ALT"] == 1500 and values["FENCE_RADIUS"] == 150.0
    assert values["RTL_ALT"] == read_param(gcs, "RTL_ALT")

    closed = ftp.reply(Op.TERMINATE_SESSION, session=opened["session"])
    assert closed["opcode"] == Op.ACK

    # what QGroundControl and MAVProxy do: one burst read, ACKs until a NAK EOF ends the burst
    reopened = ftp.reply(Op.OPEN_FILE_RO, data=b"@PARAM/param.pck")
    sent = ftp.request(Op.BURST_READ_FILE, offset=0, size=0, session=reopened["session"])
    end = gcs.wait("FILE_TRANSFER_PROTOCOL", lambda m: decode(m)["burst_complete"] == 1, since=sent, timeout_s=5)
    assert decode(end)["opcode"] == Op.NAK and decode(end)["data"][:1] == bytes((FTP_NAK_EOF,))
    parts = [decode(m) for _, m in gcs.received("FILE_TRANSFER_PROTOCOL", since=sent)]
    burst = b"".join(p["data"] for p in sorted(parts, key=lambda p: p["offset"]) if p["opcode"] == Op.ACK)
    # the firmware saves STAT_RUNTIME every ~31 s, so it may have moved on between the two reads
    clock = {"STAT_RUNTIME", "STAT_FLTTIME"}
    burst_num, burst_total, burst_values = parse_param_pck(burst)
    assert (burst_num, burst_total) == (num, total)
    kept = {k: v for k, v in values.items() if k not in clock}
    assert {k: v for k, v in burst_values.items() if k not in clock} == kept
    assert burst_values["STAT_RUNTIME"] >= values["STAT_RUNTIME"]
    assert ftp.reply(Op.TERMINATE_SESSION, session=reopened["session"])["opcode"] == Op.ACK
    listing = ftp.reply(Op.LIST_DIRECTORY, data=b"/no_such_directory_here")
    assert (listing["opcode"], listing["data"][:1]) == (Op.NAK, bytes((FTP_NAK_FILE_NOT_FOUND,)))


def test_param_pck_pads_values_off_read_boundaries_and_can_carry_defaults() -> None:
    vehicle = Vehicle(VehicleOptions(params={"RTL_ALT": 2000}))
    blob = pack_params(vehicle, DATA_SIZE, with_defaults=True)
    assert blob is not None
    sent_defaults: dict[str, float] = {}
    num, total, values = parse_param_pck(blob, defaults=sent_defaults)
    assert num == total == vehicle.params.count == len(values)
    assert sent_defaults == {"RTL_ALT": 1500}  # only a value that differs from its default carries it
    assert values["RTL_ALT"] == 2000 and values["WPNAV_SPEED"] == 1000.0
    assert struct.unpack_from("<H", blob)[0] == 0x671C
    plain = pack_params(vehicle, DATA_SIZE)
    assert plain is not None and struct.unpack_from("<H", plain)[0] == 0x671B
    spans: list[tuple[int, int]] = []
    small_reads = pack_params(vehicle, 64)
    assert small_reads is not None and parse_param_pck(small_reads, spans)[2] == values
    assert all(start // 64 == (start + size - 1) // 64 for start, size in spans)  # no value split by a read
    window = pack_params(vehicle, DATA_SIZE, start=10, count=5)
    assert window is not None and parse_param_pck(window)[:2] == (5, total)


# --- 8. MISSION_WRITE_PARTIAL_LIST -------------------------------------------------------------


def test_write_partial_list_requests_the_range_then_acks(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    four = [*three_items(), item_int(3, 16, lat=HOME_LAT, lon=HOME_LON + 0.0005, alt=20)]
    assert upload(gcs, four).ack.type == 0
    replacement = [
        *four[:2],
        item_int(2, 16, lat=HOME_LAT + 0.001, lon=HOME_LON, alt=40),
        item_int(3, 16, lat=HOME_LAT + 0.001, lon=HOME_LON + 0.001, alt=40),
    ]
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_write_partial_list_message(1, 1, 2, 3, 0))
    assert answer_requests(gcs, replacement, since=sent).type == MAV_MISSION_ACCEPTED
    asked = sorted({m.seq for _, m in gcs.received("MISSION_REQUEST", since=sent)})
    assert asked == [2, 3]
    stored = download(gcs)
    assert [round(i.z) for i in stored[1:]] == [20, 40, 40]

    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_write_partial_list_message(1, 1, 10, 12, 0))
    assert gcs.wait("MISSION_ACK", since=sent, timeout_s=2).type == MAV_MISSION_ERROR
    gcs.wait_text("Flight plan update rejected", since=sent, timeout_s=2)


# --- 9. FENCE_TOTAL (AC_PolyFence_loader::write_fence) ----------------------------------------


def test_fence_total_counts_vertices_plus_two(copter: CopterUnderTest) -> None:
    gcs = ready_gcs(copter)
    d = 0.001
    corners = [(HOME_LAT - d, HOME_LON - d), (HOME_LAT + d, HOME_LON - d), (HOME_LAT + d, HOME_LON + d),
               (HOME_LAT - d, HOME_LON + d)]  # fmt: skip
    polygon = [
        item_int(i, 5001, frame=0, params=(4,), lat=lat, lon=lon, mission_type=1)
        for i, (lat, lon) in enumerate(corners)
    ]
    assert upload(gcs, polygon, mission_type=1).ack.type == 0
    assert read_param(gcs, "FENCE_TOTAL") == 6.0
