"""QGroundControl ``.plan`` format constants both directions use: the file, mission, geofence and rally
versions, the firmware (MAV_AUTOPILOT) and vehicle (MAV_TYPE) types, the altitude mode, the commands
that carry a position, and the names of QGC's complex items."""

from __future__ import annotations

from drones.missions.items import CMD_NAV_LOITER_TIME, CMD_NAV_TAKEOFF, CMD_NAV_WAYPOINT

PLAN_FILE_VERSION = 1
PLAN_MISSION_VERSION = 2
PLAN_FENCE_VERSION = 2
PLAN_RALLY_VERSION = 2
FIRMWARE_GENERIC, FIRMWARE_ARDUPILOT = 0, 3  # MAV_AUTOPILOT
VEHICLE_QUADROTOR = 2  # MAV_TYPE
# MAV_TYPEs ArduCopter flies as multirotors: quad, coaxial, hexa, octo, tri, dodeca, deca.
MULTIROTOR_TYPES = frozenset({2, 3, 13, 14, 15, 29, 35})
ALTITUDE_MODE_RELATIVE = 1  # QGC's AltitudeMode for "Relative" (MAV_FRAME_GLOBAL_RELATIVE_ALT)
POSITIONED_COMMANDS = frozenset({CMD_NAV_WAYPOINT, CMD_NAV_LOITER_TIME, CMD_NAV_TAKEOFF})
COMPLEX_ITEM_NAMES = {
    "survey": "survey",
    "CorridorScan": "corridor scan",
    "StructureScan": "structure scan",
    "fwLandingPattern": "fixed-wing landing pattern",
    "vtolLandingPattern": "VTOL landing pattern",
}
