"""Mission items: storage form, validation and the wire conversions ArduPilot applies.

Observed (04/05/10): items come back with INT frames mapped to their float twins (6 -> 3,
5 -> 0, 11 -> 10) and commands without a location come back in frame 0; item 0 of the
mission is always the current home; legacy MISSION_ITEM coordinates go through float32
(``118.17`` is stored as 1181699968).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace
from typing import Any

MAV_MISSION_ACCEPTED = 0
MAV_MISSION_ERROR = 1
MAV_MISSION_UNSUPPORTED_FRAME = 2
MAV_MISSION_UNSUPPORTED = 3
MAV_MISSION_NO_SPACE = 4
MAV_MISSION_INVALID_PARAM5_X = 10
MAV_MISSION_INVALID_PARAM6_Y = 11
MAV_MISSION_INVALID_SEQUENCE = 13
MAV_MISSION_OPERATION_CANCELLED = 15

MISSION_TYPE_MISSION, MISSION_TYPE_FENCE, MISSION_TYPE_RALLY, MISSION_TYPE_ALL = 0, 1, 2, 255

MAX_MISSION_ITEMS = 650

# "Mission: N <name>" as AP_Mission names the commands (observed: WP, Takeoff, SetRelay,
# LoitTime, SetServo, RTL).
COMMAND_NAMES: dict[int, str] = {
    16: "WP", 17: "LoitUnlim", 18: "LoitTurns", 19: "LoitTime", 20: "RTL", 21: "Land", 22: "Takeoff",
    30: "ContinueAndChangeAlt", 31: "LoitAltitude", 82: "SplineWP", 92: "GuidedEnable", 93: "Delay",
    94: "PayloadPlace", 112: "CondDelay", 114: "CondDist", 115: "CondYaw", 177: "Jump", 178: "ChangeSpeed",
    179: "SetHome", 181: "SetRelay", 182: "RepeatRelay", 183: "SetServo", 184: "RepeatServo", 189: "LandStart",
    195: "SetROILocation", 197: "SetROINone", 200: "CtrlVideo", 201: "SetROI", 202: "DigiCamCfg",
    203: "DigiCamCtrl", 205: "MountControl", 206: "SetCamTrigDst", 207: "FenceEnable", 211: "Gripper",
    212: "AutoTuneEnable", 215: "SetResumeRepeatDist", 216: "Sprayer", 217: "SendScriptMessage",
    218: "AuxFunction", 222: "GuidedLimits", 223: "EngineControl", 42600: "Winch",
}  # fmt: skip
NAV_COMMANDS = frozenset({16, 17, 18, 19, 20, 21, 22, 30, 31, 82, 92, 93, 94})
LOCATION_COMMANDS = frozenset({16, 17, 18, 19, 21, 22, 30, 31, 82, 94, 179, 189, 195, 201})
FENCE_COMMANDS = frozenset({5000, 5001, 5002, 5003, 5004})
RALLY_COMMANDS = frozenset({5100})
GLOBAL_FRAMES = frozenset({0, 3, 10, 5, 6, 11})
DOWNLOAD_FRAME = {5: 0, 6: 3, 11: 10}


@dataclass(frozen=True, slots=True)
class Item:
    """A stored item. ``x``/``y`` are degrees x 1e7 for global frames; ``z`` is float32."""

    command: int
    frame: int = 0
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    x: int = 0
    y: int = 0
    z: float = 0.0
    autocontinue: int = 1

    @property
    def lat_deg(self) -> float:
        return self.x * 1e-7

    @property
    def lon_deg(self) -> float:
        return self.y * 1e-7

    @property
    def is_nav(self) -> bool:
        return self.command in NAV_COMMANDS

    @property
    def has_location(self) -> bool:
        return self.command in LOCATION_COMMANDS or self.command in FENCE_COMMANDS or self.command in RALLY_COMMANDS


def _f32(value: float) -> float:
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except (OverflowError, struct.error):
        return value


def degrees_to_e7_float32(value: float) -> int:
    """Legacy MISSION_ITEM: the firmware multiplies in float32 (118.17 -> 1181699968)."""
    if not math.isfinite(value):
        return 0
    return int(_f32(_f32(value) * 1.0e7))


def item_from_message(msg: Any) -> Item:
    """Build an ``Item`` from MISSION_ITEM_INT or (legacy float) MISSION_ITEM."""
    if msg.get_type() == "MISSION_ITEM":
        x, y = degrees_to_e7_float32(msg.x), degrees_to_e7_float32(msg.y)
    else:
        x, y = int(msg.x), int(msg.y)
    return Item(
        command=int(msg.command),
        frame=int(msg.frame),
        param1=_f32(msg.param1),
        param2=_f32(msg.param2),
        param3=_f32(msg.param3),
        param4=_f32(msg.param4),
        x=x,
        y=y,
        z=_f32(msg.z),
        autocontinue=int(msg.autocontinue),
    )


def validate(item: Item, mission_type: int) -> int:
    """MAV_MISSION_RESULT for one uploaded item (0 = accepted)."""
    command = item.command
    if mission_type == MISSION_TYPE_FENCE:
        if command not in FENCE_COMMANDS:
            return MAV_MISSION_UNSUPPORTED
    elif mission_type == MISSION_TYPE_RALLY:
        if command not in RALLY_COMMANDS:
            return MAV_MISSION_UNSUPPORTED
    elif command not in COMMAND_NAMES:
        return MAV_MISSION_UNSUPPORTED
    if item.has_location:
        if item.frame not in GLOBAL_FRAMES:
            return MAV_MISSION_UNSUPPORTED_FRAME
        if abs(item.x) > 900_000_000:
            return MAV_MISSION_INVALID_PARAM5_X
        if abs(item.y) > 1_800_000_000:
            return MAV_MISSION_INVALID_PARAM6_Y
    return MAV_MISSION_ACCEPTED


def download_form(item: Item, mission_type: int) -> Item:
    """The item as the firmware sends it back."""
    if mission_type != MISSION_TYPE_MISSION:
        # fence and rally points come back with autocontinue 0 whatever was uploaded (05)
        return replace(item, frame=DOWNLOAD_FRAME.get(item.frame, item.frame), autocontinue=0)
    if item.command not in LOCATION_COMMANDS:
        return replace(item, frame=0)
    out = replace(item, frame=DOWNLOAD_FRAME.get(item.frame, item.frame))
    if item.command == 19 and item.param3 == 0.0:
        out = replace(out, param3=1.0)  # NAV_LOITER_TIME comes back with param3 1 (04)
    return out


def fence_index_total(items: list[Item]) -> tuple[int, str | None]:
    """(FENCE_TOTAL, error) for a fence upload.

    AC_PolyFence_loader::write_fence counts every polygon vertex and every circle (return points
    are not counted) and stores that count + 2 - the old protocol's return point and closing
    point - or 0 when fewer than 3 were counted: one 4-vertex polygon -> 6; 05's two 4-vertex
    polygons and a circle -> 11; a lone circle -> 0.
    """
    counted = 0
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in (5001, 5002):
            count = int(item.param1)
            if count < 3:
                return 0, f"Invalid vertex count ({count})"
            group = items[i : i + count]
            if len(group) < count or any(g.command != item.command or int(g.param1) != count for g in group):
                return 0, f"Invalid vertex count ({count})"
            counted += count
            i += count
        else:
            if item.command in (5003, 5004):
                counted += 1
            i += 1
    return (counted + 2 if counted >= 3 else 0), None
