"""The MAVLink mission protocol (missions, fences, rally points) as ArduCopter speaks it.

Upload: MISSION_COUNT, then answer each MISSION_REQUEST (ArduCopter asks with
id 40, never MISSION_REQUEST_INT) or MISSION_REQUEST_INT with MISSION_ITEM_INT,
until MISSION_ACK. ArduCopter re-requests a missing item every second and gives
up after 8 s; we resend MISSION_COUNT if nothing is requested at all. Any ACK
other than ACCEPTED stops the upload with that result.

Download: MISSION_REQUEST_LIST, MISSION_COUNT, then MISSION_REQUEST_INT per
item (retried) and a closing MISSION_ACK. Frame 6 comes back as 3, and item 0 of
a mission is always the vehicle's home.

The functions run on any ``MessageLink`` (``MavlinkLink`` or the dronekit bridge).
"""

from __future__ import annotations

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
