"""The MAVLink mission protocol (missions, fences, rally points) as ArduCopter speaks it.

Upload: MISSION_COUNT, then answer each MISSION_REQUEST (ArduCopter asks with
id 40, never MISSION_REQUEST_INT) or MISSION_REQUEST_INT with MISSION_ITEM_INT,
until MISSION_ACK. ArduCopter re-requests a missing item every second and gives
up after 8 s; we resend MISSION_COUNT if nothing is requested at all. Any ACK
other than ACCEPTED stops the upload with that result.

Download: MISSION_REQUEST_LIST, MISSION_COUNT, then MISSION_REQUEST_INT per
item (retried) and a closing MISSION_ACK. Frame 6 comes back as 3, and item 0 of
a mission is always the vehicle's home.

Read-back: ArduCopter keeps only part of each item (``KEPT_PARAMS``); ``item_difference``
compares an uploaded item with the downloaded one as ArduCopter means them.

Start: ``mission_set_current`` makes the first item current before AUTO, since ArduCopter
resumes an interrupted mission where it stopped.

The functions run on any ``MessageLink`` (``MavlinkLink`` or the dronekit bridge).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from drones.mavlink.messaging import MessageLink
from drones.vehicle import CommandTimeout, MissionItem, MissionTransferFailed, MissionType

# Frames whose x/y are latitude/longitude (scaled by 1e7 in MISSION_ITEM_INT).
GLOBAL_FRAMES = {0, 3, 5, 6, 10, 11}
_REQUEST_TYPES = ("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK")


def result_name(result: int) -> str:
    entry = mavlink.enums["MAV_MISSION_RESULT"].get(result)
    return entry.name.removeprefix("MAV_MISSION_") if entry else str(result)


def _wire_xy(item: MissionItem) -> tuple[int, int]:
    if item.frame in GLOBAL_FRAMES:
        return round(item.x * 1e7), round(item.y * 1e7)
    return int(item.x), int(item.y)


def _item_message(link: MessageLink, seq: int, item: MissionItem, mission_type: int):
    x, y = _wire_xy(item)
    return link.mav.mission_item_int_encode(
        link.target_system,
        link.target_component,
        seq,
        item.frame,
        item.command,
        item.current,
        item.autocontinue,
        item.param1,
        item.param2,
        item.param3,
        item.param4,
        x,
        y,
        item.z,
        mission_type,
    )


def _from_wire(msg) -> MissionItem:
    scale = 1e7 if msg.frame in GLOBAL_FRAMES else 1.0
    return MissionItem(
        command=msg.command,
        frame=msg.frame,
        x=msg.x / scale,
        y=msg.y / scale,
        z=float(msg.z),
        param1=float(msg.param1),
        param2=float(msg.param2),
        param3=float(msg.param3),
        param4=float(msg.param4),
        autocontinue=msg.autocontinue,
        current=msg.current,
    )


async def mission_upload(
    link: MessageLink,
    items: Sequence[MissionItem],
    mission_type: MissionType = MissionType.MISSION,
    *,
    item_timeout_s: float = 2.5,
    count_retries: int = 3,
) -> None:
    """Upload ``items`` as the whole list of ``mission_type``; raise MissionTransferFailed or CommandTimeout."""
    mtype = int(mission_type)
    label = MissionType(mtype).name.lower()

    def ours(msg) -> bool:
        return getattr(msg, "mission_type", 0) == mtype

    count = len(items)
    sent: set[int] = set()
    attempts = 0
    while True:
        waiter = link.expect(_REQUEST_TYPES, ours)
        link.send(link.mav.mission_count_encode(link.target_system, link.target_component, count, mtype))
        try:
            reply = await link.wait_expected(waiter, timeout_s=item_timeout_s)
            break
        except TimeoutError:
            attempts += 1
            if attempts >= count_retries:
                raise CommandTimeout(f"{label} upload (MISSION_COUNT {count})", item_timeout_s * attempts) from None
    out_of_order = 0
    while True:
        kind = reply.get_type()
        if kind == "MISSION_ACK" and reply.type == mavlink.MAV_MISSION_INVALID_SEQUENCE and sent and out_of_order < 5:
            # A late item answering a re-request arrives as a duplicate: ArduCopter says INVALID_SEQUENCE
            # but keeps the transfer open and asks again for the item it wants (recorded behaviour).
            # Its next request (or the closing ACK) may already have passed while this was read: a vehicle
            # still missing an item asks again within a second; silence after the last item means done.
            out_of_order += 1
            waiter = link.expect(_REQUEST_TYPES, ours)
            try:
                reply = await link.wait_expected(waiter, timeout_s=item_timeout_s)
            except TimeoutError:
                if len(sent) == count:
                    return  # every item went out; callers verify the upload by downloading it
                raise CommandTimeout(f"{label} upload after an out-of-order item", item_timeout_s) from None
            continue
        if kind == "MISSION_ACK":
            if reply.type != mavlink.MAV_MISSION_ACCEPTED:
                at = max(sent) if sent else None
                raise MissionTransferFailed(
                    f"{label} upload refused by the vehicle: {result_name(reply.type)}"
                    + (f" at item {at}" if at is not None else ""),
                    result=result_name(reply.type),
                    seq=at,
                    mission_type=label,
                )
            if count and len(sent) < count:
                raise MissionTransferFailed(
                    f"{label} upload: the vehicle accepted before receiving every item ({len(sent)}/{count})",
                    result="INCOMPLETE",
                    seq=None,
                    mission_type=label,
                )
            return
        seq = reply.seq
        if not 0 <= seq < count:
            raise MissionTransferFailed(
                f"{label} upload: the vehicle asked for item {seq} of {count}",
                result="INVALID_SEQUENCE",
                seq=seq,
                mission_type=label,
            )
        waiter = link.expect(_REQUEST_TYPES, ours)
        link.send(_item_message(link, seq, items[seq], mtype))
        sent.add(seq)
        try:
            reply = await link.wait_expected(waiter, timeout_s=item_timeout_s * 4)  # vehicle re-requests itself
        except TimeoutError:
            raise CommandTimeout(f"{label} upload after item {seq}", item_timeout_s * 4) from None


async def mission_download(
    link: MessageLink,
    mission_type: MissionType = MissionType.MISSION,
    *,
    timeout_s: float = 1.5,
    retries: int = 3,
) -> list[MissionItem]:
    mtype = int(mission_type)
    label = MissionType(mtype).name.lower()

    async def ask(build, types, predicate, what: str):
        for _attempt in range(retries):
            waiter = link.expect(types, predicate)
            link.send(build())
            try:
                return await link.wait_expected(waiter, timeout_s=timeout_s)
            except TimeoutError:
                continue
        raise CommandTimeout(f"{label} download ({what})", timeout_s * retries)

    counted = await ask(
        lambda: link.mav.mission_request_list_encode(link.target_system, link.target_component, mtype),
        ("MISSION_COUNT", "MISSION_ACK"),
        lambda m: getattr(m, "mission_type", 0) == mtype,
        "MISSION_REQUEST_LIST",
    )
    if counted.get_type() == "MISSION_ACK":
        raise MissionTransferFailed(
            f"{label} download refused: {result_name(counted.type)}",
            result=result_name(counted.type),
            seq=None,
            mission_type=label,
        )
    items = []
    for seq in range(counted.count):
        msg = await ask(
            lambda seq=seq: link.mav.mission_request_int_encode(link.target_system, link.target_component, seq, mtype),
            "MISSION_ITEM_INT",
            lambda m, seq=seq: m.seq == seq and getattr(m, "mission_type", 0) == mtype,
            f"item {seq}",
        )
        items.append(_from_wire(msg))
    link.send(
        link.mav.mission_ack_encode(link.target_system, link.target_component, mavlink.MAV_MISSION_ACCEPTED, mtype)
    )
    return items


async def mission_clear(
    link: MessageLink, mission_type: MissionType = MissionType.MISSION, *, timeout_s: float = 2.0
) -> None:
    mtype = int(mission_type)
    waiter = link.expect("MISSION_ACK", lambda m: getattr(m, "mission_type", 0) == mtype)
    link.send(link.mav.mission_clear_all_encode(link.target_system, link.target_component, mtype))
    try:
        ack = await link.wait_expected(waiter, timeout_s=timeout_s)
    except TimeoutError:
        raise CommandTimeout(f"clear {MissionType(mtype).name.lower()}", timeout_s) from None
    if ack.type != mavlink.MAV_MISSION_ACCEPTED:
        raise MissionTransferFailed(
            f"clearing refused: {result_name(ack.type)}",
            result=result_name(ack.type),
            seq=None,
            mission_type=MissionType(mtype).name.lower(),
        )


# --- what ArduCopter keeps of a mission item ---------------------------------------------------
#
# AP_Mission packs every item into 15 bytes: a 16-bit ``p1`` and either a location (lat/lon as
# 1e-7 degrees, altitude as whole centimetres, a few flags) or a small per-command struct. So
# it returns only what it kept, converted to the C type it keeps it in: NAV_LOITER_TIME's
# direction comes back as +-1 and its exit flag as 0/1, delays and hold times as whole seconds,
# relay numbers as bytes, and every parameter it does not keep comes back 0. Frames of items
# without a location come back 0 and their x/y/z as 0. (AP_Mission mavlink_int_to_mission_cmd /
# mission_cmd_to_mavlink_int, ArduCopter 4.7; recordings 04 and 10.)

_U8, _U16, _I8, _I16, _F32 = "u8", "u16", "i8", "i16", "f32"
_SIGN = "sign"  # kept as a direction flag: -1 when negative, else +1
_FLAG = "flag"  # kept as a flag: 1 when positive, else 0
_ABS16 = "abs16"  # |value| as a uint16, its sign kept as a direction flag (loiter radius)
_ABS8 = "abs8"  # |value| in one byte, its sign as a direction flag (NAV_LOITER_TURNS radius)
_CM = "cm"  # value * 100 as a uint16, returned / 100 (NAV_PAYLOAD_PLACE max descent)

# command -> {param name: (how it is kept, what it means)}; params not listed are not kept.
KEPT_PARAMS: dict[int, dict[str, tuple[str, str]]] = {
    16: {"param1": (_U16, "hold time s")},
    17: {"param3": (_ABS16, "loiter radius m")},
    18: {"param1": (_U8, "turns"), "param3": (_ABS8, "loiter radius m"), "param4": (_FLAG, "exit cross-track")},
    19: {
        "param1": (_U16, "loiter time s"),
        "param3": (_SIGN, "loiter direction"),
        "param4": (_FLAG, "exit cross-track"),
    },
    20: {},
    21: {"param1": (_U16, "abort altitude m"), "param4": (_SIGN, "yaw direction")},
    22: {"param1": (_U16, "minimum pitch")},
    30: {"param1": (_U16, "climb or descend")},
    31: {"param2": (_ABS16, "loiter radius m"), "param4": (_FLAG, "exit cross-track")},
    82: {"param1": (_U16, "hold time s")},
    83: {"param1": (_F32, "altitude m"), "param2": (_F32, "descent rate m/s"), "param3": (_U8, "wiggle time s")},
    84: {},
    85: {},
    92: {"param1": (_U16, "guided on")},
    93: {"param1": (_F32, "delay s"), "param2": (_I8, "hour"), "param3": (_I8, "minute"), "param4": (_I8, "second")},
    94: {"param1": (_CM, "maximum descent m")},
    112: {"param1": (_F32, "delay s")},
    114: {"param1": (_F32, "distance m")},
    115: {
        "param1": (_F32, "yaw angle deg"),
        "param2": (_F32, "yaw rate deg/s"),
        "param3": (_I8, "yaw direction"),
        "param4": (_U8, "relative yaw"),
    },
    176: {"param1": (_U16, "mode")},
    177: {"param1": (_U16, "jump target"), "param2": (_I16, "repeat count")},
    178: {"param1": (_U8, "speed type"), "param2": (_F32, "speed m/s"), "param3": (_F32, "throttle %")},
    179: {"param1": (_U16, "use current position")},
    181: {"param1": (_U8, "relay number"), "param2": (_U8, "relay state")},
    182: {"param1": (_U8, "relay number"), "param2": (_I16, "repeat count"), "param3": (_F32, "cycle time s")},
    183: {"param1": (_U8, "servo channel"), "param2": (_U16, "servo PWM")},
    184: {
        "param1": (_U8, "servo channel"),
        "param2": (_U16, "servo PWM"),
        "param3": (_I16, "repeat count"),
        "param4": (_F32, "cycle time s"),
    },
    189: {},
    191: {},
    194: {"param1": (_U16, "reverse")},
    201: {"param1": (_U16, "ROI mode")},
    205: {"param1": (_F32, "mount pitch"), "param2": (_F32, "mount roll"), "param3": (_F32, "mount yaw")},
    206: {"param1": (_F32, "trigger distance m")},
    207: {"param1": (_U16, "fence enable")},
    208: {"param1": (_U16, "parachute action")},
    210: {"param1": (_U16, "inverted")},
    211: {"param1": (_U8, "gripper number"), "param2": (_U8, "gripper action")},
    212: {"param1": (_U16, "autotune")},
    213: {"param1": (_F32, "yaw angle deg"), "param2": (_F32, "speed m/s"), "param3": (_U8, "relative yaw")},
    215: {"param1": (_U16, "repeat distance m")},
    222: {
        "param1": (_U16, "time limit s"),
        "param2": (_F32, "minimum altitude m"),
        "param3": (_F32, "maximum altitude m"),
        "param4": (_F32, "horizontal limit m"),
    },
}
# Commands kept with a location (AP_Mission::stored_in_location).
LOCATION_COMMANDS = frozenset({16, 17, 18, 19, 21, 22, 30, 31, 82, 84, 85, 92, 94, 179, 189, 191, 201})
_ALT_FRAME = {0: "absolute", 2: "absolute", 5: "absolute", 3: "relative", 6: "relative", 10: "terrain", 11: "terrain"}


def _f32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def _int_kept(value: float, bits: int, signed: bool) -> int:
    """A float converted to a C integer of ``bits`` bits, as the autopilot does (truncated, wrapped)."""
    if math.isnan(value) or math.isinf(value):
        return 0
    wrapped = int(_f32(value)) % (1 << bits)
    return wrapped - (1 << bits) if signed and wrapped >= 1 << (bits - 1) else wrapped


def kept_param(kind: str, value: float) -> float:
    """``value`` as ArduCopter keeps (and returns) a parameter of this kind."""
    if kind == _F32:
        return _f32(value)
    if kind == _SIGN:
        return -1.0 if value < 0 else 1.0
    if kind == _FLAG:
        return 1.0 if value > 0 else 0.0
    if kind in (_ABS16, _ABS8):
        size = _int_kept(abs(value), 16, False) & (0xFF if kind == _ABS8 else 0xFFFF)
        return float(-size if value < 0 else size)
    if kind == _CM:
        return _int_kept(value * 100.0, 16, False) / 100.0
    bits, signed = {_U8: (8, False), _U16: (16, False), _I8: (8, True), _I16: (16, True)}[kind]
    return float(_int_kept(value, bits, signed))


def _same(kind: str, a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if kind == _CM:
        return abs(a - b) <= 0.0101
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def _g(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".") if not math.isnan(value) else "NaN"


def item_difference(sent: MissionItem, got: MissionItem) -> str | None:
    """What differs between an uploaded mission item and the one read back, as ArduCopter means them.

    Only what ArduCopter keeps is compared (``KEPT_PARAMS``, ``LOCATION_COMMANDS``), converted
    the way it converts it: positions to 1e-7 degrees, altitudes to the centimetre, floats to
    float32. Commands it does not know (fence and rally items, which it returns unchanged) are
    compared field by field. Returns e.g. ``"param1 (loiter time s) 12 on the vehicle, 10 sent"``.
    """
    if sent.command != got.command:
        return f"command {got.command} on the vehicle, {sent.command} sent"
    kept = KEPT_PARAMS.get(sent.command)
    if kept is None:
        return _raw_difference(sent, got)
    if sent.command in LOCATION_COMMANDS:
        frame_a, frame_b = _ALT_FRAME.get(sent.frame, str(sent.frame)), _ALT_FRAME.get(got.frame, str(got.frame))
        if frame_a != frame_b:
            return f"frame {got.frame} ({frame_b} altitude) on the vehicle, {sent.frame} ({frame_a} altitude) sent"
        for name, label in (("x", "latitude"), ("y", "longitude")):
            a, b = getattr(sent, name), getattr(got, name)
            if abs(round(a * 1e7) - round(b * 1e7)) > 1:
                return f"{label} {_g(b)} on the vehicle, {_g(a)} sent"
        if abs(sent.z - got.z) > 0.011:
            return f"altitude {_g(got.z)} m on the vehicle, {_g(sent.z)} m sent"
    for name, (kind, meaning) in kept.items():
        a, b = kept_param(kind, getattr(sent, name)), kept_param(kind, getattr(got, name))
        if not _same(kind, a, b):
            return f"{meaning} ({name}) {_g(getattr(got, name))} on the vehicle, {_g(getattr(sent, name))} sent"
    return None


_FRAME_TWIN = {6: 3, 5: 0, 11: 10}  # *_INT frames come back as their float twins


def _raw_difference(sent: MissionItem, got: MissionItem) -> str | None:
    if _FRAME_TWIN.get(sent.frame, sent.frame) != _FRAME_TWIN.get(got.frame, got.frame):
        return f"frame {got.frame} on the vehicle, {sent.frame} sent"
    tolerance = 1e-7 * 1.5 if sent.frame in GLOBAL_FRAMES else 1e-3
    for name in ("x", "y"):
        a, b = getattr(sent, name), getattr(got, name)
        if abs(a - b) > tolerance:
            return f"{name} {_g(b)} on the vehicle, {_g(a)} sent"
    for name in ("z", "param1", "param2", "param3", "param4"):
        a, b = getattr(sent, name), getattr(got, name)
        if not _same(_F32, _f32(a), _f32(b)) and abs(a - b) > 1e-3:
            return f"{name} {_g(b)} on the vehicle, {_g(a)} sent"
    return None


async def mission_set_current(commands, seq: int, *, timeout_s: float = 3.0) -> None:
    """Make mission item ``seq`` the one AUTO starts (or continues) at, and check that it took.

    ArduCopter resumes an interrupted mission where it stopped (MIS_RESTART=0) and refuses a
    first item in MISSION_START, so a flight starts at item 1 by DO_SET_MISSION_CURRENT 1
    (param2 1: reset the jump counters) before AUTO. Confirmed by a MISSION_CURRENT with that
    seq after the ACK. ``commands`` is a ``MavlinkCommands`` (its ``link`` and ``command``).
    """
    link = commands.link
    await commands.command(mavlink.MAV_CMD_DO_SET_MISSION_CURRENT, float(seq), 1.0)
    current = link.expect("MISSION_CURRENT", lambda m: int(m.seq) == seq)  # sent at once, and streamed
    try:
        await link.wait_expected(current, timeout_s=timeout_s)
    except TimeoutError:
        now = link.state.mission_seq
        raise MissionTransferFailed(
            f"the vehicle did not make mission item {seq} current (MISSION_CURRENT still {now})",
            result="NOT_CURRENT",
            seq=seq,
            mission_type="mission",
        ) from None
