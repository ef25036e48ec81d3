"""Writing a ``MissionPlan`` as a QGroundControl ``.plan`` document (``plan_export``) or its JSON text
(``plan_dumps``): ArduPilot firmware, quadrotor, the compiled mission items, geofence and rally points."""

from __future__ import annotations

import json
from typing import Any

from drones.missions.generators.paths import DEFAULT_CRUISE_MPS
from drones.missions.interop.mission_plan import MissionPlan
from drones.missions.interop.qgc_format import (
    ALTITUDE_MODE_RELATIVE,
    FIRMWARE_ARDUPILOT,
    PLAN_FENCE_VERSION,
    PLAN_FILE_VERSION,
    PLAN_MISSION_VERSION,
    PLAN_RALLY_VERSION,
    POSITIONED_COMMANDS,
    VEHICLE_QUADROTOR,
)
from drones.missions.items import CMD_NAV_TAKEOFF
from drones.missions.speaker import SpeakerConfig


def plan_export(
    plan: MissionPlan,
    *,
    speaker: SpeakerConfig | None = None,
    hover_speed_mps: float | None = None,
    ground_station: str = "SchoolSafe",
) -> dict[str, Any]:
    """The plan as a QGroundControl ``.plan`` document (a dict; ``plan_dumps`` for the text).

    Firmware ArduPilot (3), vehicle quadrotor (2). The items are ``compile_route``'s
    (RouteError if the route cannot be compiled), minus item 0, whose place is
    ``plannedHomePosition`` (the home, or the first waypoint at 0 m when there is
    none). The take-off item carries the home position for QGC's map; ArduCopter
    climbs straight up whatever it says. ``hoverSpeed`` (QGC's time estimates for
    multirotors) is ``hover_speed_mps``, else the mission speed, else 8 m/s. The loudspeaker is
    switched on ``speaker``, else the plan's own output.
    """
    items = plan.items(speaker)
    home = plan.home or (plan.route[0].lat, plan.route[0].lon, 0.0)
    entries = []
    for seq, item in enumerate(items[1:], start=1):
        params = [item.param1, item.param2, item.param3, item.param4, item.x, item.y, item.z]
        if item.command == CMD_NAV_TAKEOFF:
            params[4], params[5] = home[0], home[1]
        entry: dict[str, Any] = {
            "autoContinue": bool(item.autocontinue),
            "command": item.command,
            "doJumpId": seq,
            "frame": item.frame,
            "params": params,
            "type": "SimpleItem",
        }
        if item.command in POSITIONED_COMMANDS:
            entry.update({"AMSLAltAboveTerrain": None, "Altitude": item.z, "AltitudeMode": ALTITUDE_MODE_RELATIVE})
        entries.append(entry)
    hover = hover_speed_mps or plan.speed_mps or DEFAULT_CRUISE_MPS
    return {
        "fileType": "Plan",
        "version": PLAN_FILE_VERSION,
        "groundStation": ground_station,
        "mission": {
            "version": PLAN_MISSION_VERSION,
            "firmwareType": FIRMWARE_ARDUPILOT,
            "vehicleType": VEHICLE_QUADROTOR,
            "cruiseSpeed": hover,
            "hoverSpeed": hover,
            "globalPlanAltitudeMode": ALTITUDE_MODE_RELATIVE,
            "plannedHomePosition": [home[0], home[1], home[2]],
            "items": entries,
        },
        "geoFence": {
            "version": PLAN_FENCE_VERSION,
            "polygons": [
                {"inclusion": p.inclusion, "polygon": [[lat, lon] for lat, lon in p.vertices], "version": 1}
                for p in plan.fence_polygons
            ],
            "circles": [
                {"circle": {"center": [c.lat, c.lon], "radius": c.radius_m}, "inclusion": c.inclusion, "version": 1}
                for c in plan.fence_circles
            ],
        },
        "rallyPoints": {
            "version": PLAN_RALLY_VERSION,
            "points": [[lat, lon, alt] for lat, lon, alt in plan.rally_points],
        },
    }


def plan_dumps(plan: MissionPlan, **options: Any) -> str:
    """``plan_export`` as the JSON text of a ``.plan`` file."""
    return json.dumps(plan_export(plan, **options), indent=4, ensure_ascii=False, allow_nan=False) + "\n"
