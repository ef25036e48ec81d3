"""The MAVLink mission item vocabulary routes are written in, for ArduCopter 4.7: the MAV_CMD and frame
numbers, the limits (650 items, holds, speeds), builders of the single items every mission has (home,
take-off, speed change, return to launch), the "same place" test in MISSION_ITEM_INT precision, and
``DecompileError``, the error for items a route cannot represent. ``drones.missions.compile`` and
``drones.missions.decompile`` translate between routes and these items."""

from __future__ import annotations

import math
from typing import Any

from drones.missions.route import Waypoint
from drones.vehicle import MissionItem

MAX_MISSION_ITEMS = 650  # ArduCopter 4.7: "Only 650 items are supported" (MISSION_COUNT includes home)
MAX_HOLD_S = 3600.0  # the route editor's limit (route.parse_route)
SPEED_RANGE_MPS = (0.5, 40.0)  # Mission.speed_mps validators

CMD_NAV_WAYPOINT = 16
CMD_NAV_LOITER_TIME = 19
CMD_NAV_RETURN_TO_LAUNCH = 20
CMD_NAV_TAKEOFF = 22
CMD_DO_CHANGE_SPEED = 178
CMD_DO_SET_RELAY = 181
CMD_DO_SET_SERVO = 183

FRAME_GLOBAL = 0  # altitude above mean sea level
FRAME_MISSION = 2  # no position (DO commands)
FRAME_GLOBAL_RELATIVE_ALT = 3  # altitude above home
FRAME_GLOBAL_RELATIVE_ALT_INT = 6  # the same, as MISSION_ITEM_INT; ArduCopter downloads it as 3
RELATIVE_FRAMES = frozenset({FRAME_GLOBAL_RELATIVE_ALT, FRAME_GLOBAL_RELATIVE_ALT_INT})
FRAME_NAMES = {
    0: "GLOBAL (height above mean sea level)",
    5: "GLOBAL_INT (height above mean sea level)",
    10: "GLOBAL_TERRAIN_ALT (height above terrain)",
    11: "GLOBAL_TERRAIN_ALT_INT (height above terrain)",
    1: "LOCAL_NED",
}

# Same place: MISSION_ITEM_INT carries 1e-7 degrees (about 1 cm), z is float32.
_SAME_DEG = 1.5e-7
_SAME_ALT_M = 0.01


def command_name(command: int) -> str:
    """``NAV_WAYPOINT (16)`` style name of a MAV_CMD number."""
    from pymavlink.dialects.v20 import ardupilotmega as mavlink

    entry = mavlink.enums["MAV_CMD"].get(command)
    if entry is None or entry.name.endswith("ENUM_END"):
        return f"command {command}"
    return f"{entry.name.removeprefix('MAV_CMD_')} ({command})"


class DecompileError(ValueError):
    """Mission items that a route cannot represent. ``seq`` is the MAVLink sequence number (0 = home)."""

    def __init__(self, message: str, *, seq: int | None = None, code: str = "not_representable"):
        super().__init__(message)
        self.message = message
        self.seq = seq
        self.code = code

    def __str__(self) -> str:
        return self.message


def home_item(launch: tuple[float, float] | None) -> MissionItem:
    lat, lon = launch if launch is not None else (0.0, 0.0)
    return MissionItem(CMD_NAV_WAYPOINT, FRAME_GLOBAL, x=lat, y=lon, z=0.0)


def takeoff_item(alt_m: float) -> MissionItem:
    # ArduCopter's NAV_TAKEOFF climbs straight up; latitude/longitude 0 say "here".
    return MissionItem(CMD_NAV_TAKEOFF, FRAME_GLOBAL_RELATIVE_ALT, z=float(alt_m))


def speed_item(speed_mps: float) -> MissionItem:
    return MissionItem(CMD_DO_CHANGE_SPEED, FRAME_MISSION, param1=1.0, param2=float(speed_mps), param3=-1.0)


def rtl_item() -> MissionItem:
    return MissionItem(CMD_NAV_RETURN_TO_LAUNCH, FRAME_MISSION)


def same_place(a: Waypoint, b: Waypoint) -> bool:
    return abs(a.lat - b.lat) <= _SAME_DEG and abs(a.lon - b.lon) <= _SAME_DEG and abs(a.alt_m - b.alt_m) <= _SAME_ALT_M


def finite(value: Any) -> bool:
    """A real number (not a bool, NaN or infinity)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
