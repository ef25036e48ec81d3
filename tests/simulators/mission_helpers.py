"""Mission transfer helpers for the tests (what a GCS does, item by item)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymavlink.dialects.v20 import all as mavlink

from tests.simulators.gcs import Gcs, meters_east, meters_north, wait_vehicle_ready

HOME_LAT, HOME_LON = 36.1850, 118.1700


@dataclass
class UploadResult:
    ack: Any
    requests: list[tuple[str, int]]


def item_int(seq: int, command: int, *, frame: int = 6, params: tuple[float, ...] = (), lat: float = 0.0,
             lon: float = 0.0, alt: float = 0.0, mission_type: int = 0) -> Any:  # fmt: skip
    p = list(params) + [0.0] * (4 - len(params))
    return mavlink.MAVLink_mission_item_int_message(
        1, 1, seq, frame, command, 0, 1, *p, int(round(lat * 1e7)), int(round(lon * 1e7)), alt, mission_type
    )


def square_mission(leg_m: float = 100.0, alt_m: float = 20.0) -> list[Any]:
    """04's mission: takeoff, three legs, relay on, loiter 10 s, servo 9, relay off, RTL."""
    north = meters_north(HOME_LAT, leg_m)
    east = meters_east(HOME_LAT, HOME_LON, leg_m)
    return [
        item_int(0, 16, frame=0, lat=HOME_LAT, lon=HOME_LON),
        item_int(1, 22, alt=alt_m),
        item_int(2, 16, lat=north, lon=HOME_LON, alt=alt_m),
        item_int(3, 16, lat=north, lon=east, alt=alt_m),
        item_int(4, 16, lat=HOME_LAT, lon=east, alt=alt_m),
        item_int(5, 181, frame=2, params=(0, 1)),
        item_int(6, 19, params=(10,), lat=HOME_LAT, lon=east, alt=alt_m),
        item_int(7, 183, frame=2, params=(9, 1900)),
        item_int(8, 181, frame=2, params=(0, 0)),
        item_int(9, 20),
    ]


def upload(gcs: Gcs, items: list[Any], *, mission_type: int = 0, count: int | None = None,
           timeout_s: float = 10.0) -> UploadResult:  # fmt: skip
    """Answer the vehicle's requests until it sends MISSION_ACK (once the vehicle is ready)."""
    wait_vehicle_ready(gcs)
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_count_message(1, 1, len(items) if count is None else count, mission_type))
    requests: list[tuple[str, int]] = []
    seen = 0
    while True:
        msg = _next_request_or_ack(gcs, sent, seen, timeout_s)
        seen += 1
        if msg.get_type() == "MISSION_ACK":
            if msg.type == 13 and requests:
                # Our answer to a re-request came in twice (a slow test machine): ArduCopter says
                # INVALID_SEQUENCE and keeps the transfer going, so does this GCS.
                continue
            return UploadResult(msg, requests)
        requests.append((msg.get_type(), msg.seq))
        if msg.seq < len(items):
            gcs.send(items[msg.seq])


def _next_request_or_ack(gcs: Gcs, since: float, already_seen: int, timeout_s: float) -> Any:
    deadline = gcs.vt() + timeout_s
    while gcs.vt() < deadline:
        kinds = ("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK")
        replies = [m for _, m in gcs.received(since=since) if m.get_type() in kinds]
        if len(replies) > already_seen:
            return replies[already_seen]
        gcs.sleep(0.01)
    raise AssertionError("no MISSION_REQUEST or MISSION_ACK")


def download(gcs: Gcs, *, mission_type: int = 0, legacy: bool = False) -> list[Any]:
    sent = gcs.vt()
    gcs.send(mavlink.MAVLink_mission_request_list_message(1, 1, mission_type))
    count = gcs.wait("MISSION_COUNT", lambda m: m.mission_type == mission_type, since=sent, timeout_s=3).count
    items = []
    for seq in range(count):
        sent_i = gcs.vt()
        if legacy:
            gcs.send(mavlink.MAVLink_mission_request_message(1, 1, seq, mission_type))
            items.append(gcs.wait("MISSION_ITEM", lambda m, s=seq: m.seq == s, since=sent_i, timeout_s=3))
        else:
            gcs.send(mavlink.MAVLink_mission_request_int_message(1, 1, seq, mission_type))
            items.append(gcs.wait("MISSION_ITEM_INT", lambda m, s=seq: m.seq == s, since=sent_i, timeout_s=3))
    gcs.send(mavlink.MAVLink_mission_ack_message(1, 1, 0, mission_type))
    return items
