"""Moving plans to and from the ground stations operators know.

Two formats, written from their public descriptions:

- **QGroundControl ``.plan``** (JSON; QGC developer guide "Plan File Format"):
  ``{"fileType": "Plan", "version": 1, "groundStation", "mission": {"version": 2,
  "firmwareType" (MAV_AUTOPILOT; 3 = ArduPilot), "vehicleType" (MAV_TYPE; 2 =
  quadrotor), "cruiseSpeed", "hoverSpeed", "globalPlanAltitudeMode",
  "plannedHomePosition": [lat, lon, alt AMSL], "items": [SimpleItem...]},
  "geoFence": {"version": 2, "polygons": [{"inclusion", "polygon": [[lat, lon]...],
  "version": 1}], "circles": [{"circle": {"center": [lat, lon], "radius"},
  "inclusion", "version": 1}]}, "rallyPoints": {"version": 2, "points": [[lat, lon,
  alt]...]}}``. A SimpleItem is one MAVLink mission item: ``command``, ``frame``,
  ``params`` (param1-4, then x = latitude, y = longitude, z = altitude; null = NaN),
  ``autoContinue``, ``doJumpId`` (its sequence number), and for positioned items
  ``Altitude``/``AltitudeMode``/``AMSLAltAboveTerrain`` (display only; we read
  ``frame`` and ``params``, which are what the vehicle gets).
- **MAVLink waypoint text** (``QGC WPL 110``; mavlink.io "File Formats"): a header
  line, then one tab-separated line per item: index, current, frame, command,
  param1-4, x/latitude, y/longitude, z/altitude, autocontinue. Line 0 is home.

Both import into a ``MissionPlan`` through ``compile.decompile``, so an imported
plan is exactly what ``compile_route`` would upload. Heights above mean sea level
(frames 0 and 5; "Absolute" in QGC and Mission Planner) are converted to heights
above home with the file's home altitude (``plannedHomePosition[2]``, WPL line 0)
and the plan's ``notes`` say so; heights above terrain (frames 10, 11) are converted
with the terrain model (``drones.terrain``: the ground under the item, plus its height,
less the ground at the home position; the notes say so) and refused without one. Everything a route cannot
represent is a ``PlanProblem`` naming the item (number, command, field; the line
for WPL), and a file with any is refused with a ``PlanFileError`` listing them all
(every item is read: an item with a problem is replaced by a stand-in and the rest
decompiled again). Rally altitudes are metres above home.

The geofence becomes the mission's operating area (``MissionPlan.operating_area``):
the overlap of the inclusion shapes, with the exclusion shapes cut out as holes,
which the checks keep the route out of and the flight upload turns into exclusion
fences; circles become 16-sided polygons (inside an inclusion circle, around an
exclusion one). A shape that cannot be held so is refused by name, one outside
the area is reported in the notes. Exports carry the fence and rally points a
flight of the mission uploads (``planning.mission_fence``).

One concept a module: ``errors`` (``PlanProblem``, ``PlanFileError``, ``Problems``),
``mission_plan`` (``MissionPlan``, the fence shapes and the operating area they give,
a plan from a stored ``Mission``), ``reading`` (what both importers share: the
upload, height conversion, decompiling every item), ``qgc_format`` (the ``.plan``
format's constants), ``qgc_write`` and ``qgc_read`` (``.plan`` export and import),
``wpl`` (waypoint text, both ways). The public API is importable from here.
"""

from __future__ import annotations

from drones.missions.interop.errors import PlanProblem
from drones.missions.interop.mission_plan import (
    FenceCircle,
    FencePolygon,
    ImportedPlan,
    MissionPlan,
    fence_from_geojson,
    plan_from_mission,
)
from drones.missions.interop.qgc_read import plan_import
from drones.missions.interop.qgc_write import plan_dumps, plan_export
from drones.missions.interop.reading import PlanFileError
from drones.missions.interop.wpl import wpl_export, wpl_export_plan, wpl_import, wpl_parse

__all__ = [
    "FenceCircle",
    "FencePolygon",
    "ImportedPlan",
    "MissionPlan",
    "PlanFileError",
    "PlanProblem",
    "fence_from_geojson",
    "plan_dumps",
    "plan_export",
    "plan_from_mission",
    "plan_import",
    "wpl_export",
    "wpl_export_plan",
    "wpl_import",
    "wpl_parse",
]
