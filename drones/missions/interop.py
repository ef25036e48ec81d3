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
plan is exactly what ``compile_route`` would upload, and everything a route cannot
represent is refused with a ``PlanFileError`` naming the item (and the line, for
WPL). Rally altitudes are metres above home; fence polygons are lists of (lat, lon).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from shapely import geometry as shp

from common.geo import point_problem
from drones.missions.compile import (
    CMD_NAV_LOITER_TIME,
    CMD_NAV_TAKEOFF,
    CMD_NAV_WAYPOINT,
    DEFAULT_SPEAKER,
    DecompileError,
    SpeakerConfig,
    compile_route,
    decompile,
)
from drones.missions.generators import DEFAULT_CRUISE_MPS, invalid_reason
from drones.missions.route import RouteError, Waypoint, parse_route
from drones.vehicle import MissionItem

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
WPL_HEADER = "QGC WPL 110"
WPL_VERSIONS = ("110", "120")
WPL_COLUMNS = (
    "index", "current", "frame", "command", "param1", "param2", "param3", "param4",
    "latitude", "longitude", "altitude", "autocontinue",
)  # fmt: skip


class PlanFileError(ValueError):
    """A plan or waypoint file that cannot be imported: ``code``, a message for the operator, and
    ``line`` (1-based, WPL files) when the problem is on one line."""

    def __init__(self, message: str, *, code: str = "invalid", line: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.line = line

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FencePolygon:
    """A geofence polygon: (lat, lon) vertices, WGS-84, not closed; inclusion (stay inside) or exclusion."""

    inclusion: bool
    vertices: tuple[tuple[float, float], ...]

    def to_geojson(self) -> dict[str, Any]:
        ring = [[lon, lat] for lat, lon in self.vertices]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@dataclass(frozen=True)
class FenceCircle:
    inclusion: bool
    lat: float
    lon: float
    radius_m: float


def fence_from_geojson(geometry: dict[str, Any] | None, *, inclusion: bool = True) -> list[FencePolygon]:
    """Fence polygons from a GeoJSON Polygon/MultiPolygon (e.g. ``Mission.operating_area``); holes are dropped."""
    if not geometry:
        return []
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    fence = []
    for rings in polygons:
        ring = [(float(lat), float(lon)) for lon, lat in rings[0]]
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]
        fence.append(FencePolygon(inclusion, tuple(ring)))
    return fence


@dataclass
class MissionPlan:
    """A mission as the files carry it: the route (WGS-84, heights above the launch point), take-off
    height (m), mission speed (m/s, None = the vehicle's default), planned home (lat, lon, alt AMSL m),
    geofence and rally points ((lat, lon, alt m above home)). ``notes`` say what an import changed;
    ``speaker`` is how the loudspeaker is switched (the drone's output; RELAY1 unless told)."""

    route: list[Waypoint]
    takeoff_alt_m: float
    speed_mps: float | None = None
    home: tuple[float, float, float] | None = None
    fence_polygons: list[FencePolygon] = field(default_factory=list)
    fence_circles: list[FenceCircle] = field(default_factory=list)
    rally_points: list[tuple[float, float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list, compare=False)
    speaker: SpeakerConfig = field(default=DEFAULT_SPEAKER, compare=False)

    @property
    def launch(self) -> tuple[float, float] | None:
        return (self.home[0], self.home[1]) if self.home else None

    def items(self, speaker: SpeakerConfig | None = None) -> list[MissionItem]:
        """The mission items (``compile_route``) switching ``speaker`` (default: the plan's own);
        RouteError if the route cannot be flown."""
        return compile_route(
            self.route,
            launch=self.launch,
            takeoff_alt_m=self.takeoff_alt_m,
            speed_mps=self.speed_mps,
            speaker=speaker or self.speaker,
        )

    def operating_area(self) -> dict[str, Any] | None:
        """The first inclusion polygon as GeoJSON (``Mission.operating_area``), or None."""
        polygon = next((p for p in self.fence_polygons if p.inclusion), None)
        return polygon.to_geojson() if polygon else None

    def mission_fields(self) -> dict[str, Any]:
        """Values for the ``Mission`` fields an import fills in."""
        return {
            "waypoints": [wp.as_dict() for wp in self.route],
            "takeoff_alt_m": self.takeoff_alt_m,
            "speed_mps": self.speed_mps,
            "launch_lat": self.home[0] if self.home else None,
            "launch_lon": self.home[1] if self.home else None,
            "operating_area": self.operating_area(),
            "rally_points": [{"lat": lat, "lon": lon, "alt_m": alt} for lat, lon, alt in self.rally_points],
        }


ImportedPlan = MissionPlan


def _rally_tuple(point: Any) -> tuple[float, float, float]:
    if isinstance(point, dict):
        return float(point["lat"]), float(point["lon"]), float(point.get("alt_m", point.get("alt", 0.0)))
    lat, lon, *rest = point
    return float(lat), float(lon), float(rest[0]) if rest else 0.0


def plan_from_mission(mission) -> MissionPlan:
    """A ``MissionPlan`` from a ``Mission`` (its route, launch point or the drone's home, fence, rally points,
    the drone's loudspeaker output)."""
    route = parse_route(mission.waypoints)
    drone = mission.drone
    home = None
    if mission.launch_lat is not None and mission.launch_lon is not None:
        home = (mission.launch_lat, mission.launch_lon, drone.home_alt_msl_m or 0.0)
    elif drone.home_lat is not None and drone.home_lon is not None:
        home = (drone.home_lat, drone.home_lon, drone.home_alt_msl_m or 0.0)
    return MissionPlan(
        route=route,
        takeoff_alt_m=mission.takeoff_alt_m,
        speed_mps=mission.speed_mps,
        home=home,
        fence_polygons=fence_from_geojson(mission.operating_area),
        rally_points=[_rally_tuple(p) for p in mission.rally_points or []],
        speaker=drone.speaker_config(),
    )


# --- reading uploads -------------------------------------------------------------------------


def _read_text(data: Any, max_bytes: int | None) -> str:
    """The upload as text: bytes, str or a file object (Django ``UploadedFile``), at most ``max_bytes``
    (default ``settings.UPLOAD_MAX_BYTES``), UTF-8 with or without a byte-order mark."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    if hasattr(data, "read"):
        size = getattr(data, "size", None)
        raw = b"" if size is not None and size > limit else data.read(limit + 1)
        size = size if size is not None and size > limit else len(raw)
    else:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        size = len(raw)
    if size > limit:
        raise PlanFileError(
            _("The file is %(size)s; files up to %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFileError(
            _("The file is not UTF-8 text (undecodable byte at offset %(offset)d).") % {"offset": exc.start},
            code="encoding",
        ) from None


def _number(value: Any) -> float | None:
    """A JSON number as float; null as NaN (QGC writes NaN params as null); None if not a number."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _zero_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _named(enum: str, value: Any) -> str:
    from pymavlink.dialects.v20 import ardupilotmega as mavlink

    entry = mavlink.enums[enum].get(value) if isinstance(value, int) else None
    if entry is None:
        return repr(value)
    return f"{entry.name.removeprefix(enum + '_')} ({value})"


def _latlon(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) < 2:
        raise PlanFileError(_("%(what)s must be [latitude, longitude].") % {"what": what}, code="malformed")
    lat, lon = _number(value[0]), _number(value[1])
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        raise PlanFileError(_("%(what)s: latitude and longitude must be numbers.") % {"what": what}, code="malformed")
    problem = point_problem(lat, lon)
    if problem:
        raise PlanFileError(_("%(what)s: %(problem)s.") % {"what": what, "problem": problem}, code="coordinates")
    return lat, lon


def _require(container: dict, key: str, kind: type, what: str) -> Any:
    """``container[key]`` if it is a ``kind`` (list or dict), else PlanFileError."""
    value = container.get(key)
    if not isinstance(value, kind):
        noun = _("a list") if kind is list else _("an object")
        raise PlanFileError(
            _("%(what)s: '%(key)s' is missing or not %(noun)s.") % {"what": what, "key": key, "noun": noun},
            code="malformed",
        )
    return value


def _check_version(container: dict, expected: int, what: str) -> None:
    version = container.get("version")
    if version != expected:
        raise PlanFileError(
            _(
                "%(what)s has version %(found)r; only version %(expected)d (current QGroundControl) can be "
                "read. Open and save the plan in a current QGroundControl first."
            )
            % {"what": what, "found": version, "expected": expected},
            code="version",
        )


# --- QGroundControl .plan ----------------------------------------------------------------------


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


def _plan_item(entry: Any, seq: int) -> MissionItem:
    what = _("Mission item %(seq)d") % {"seq": seq}
    if not isinstance(entry, dict):
        raise PlanFileError(_("%(what)s is not an object.") % {"what": what}, code="malformed")
    kind = entry.get("type")
    if kind == "ComplexItem":
        complex_type = entry.get("complexItemType", "?")
        raise PlanFileError(
            _(
                "Mission item %(seq)d is a QGroundControl %(name)s (ComplexItem '%(type)s'). Complex items (surveys, "
                "corridor and structure scans, landing patterns) are not supported: remove it, or plan the same path "
                "with simple waypoints."
            )
            % {"seq": seq, "name": COMPLEX_ITEM_NAMES.get(complex_type, complex_type), "type": complex_type},
            code="complex_item",
        )
    if kind != "SimpleItem":
        raise PlanFileError(
            _("%(what)s has type %(type)r; expected 'SimpleItem'.") % {"what": what, "type": kind}, code="malformed"
        )
    command, frame = entry.get("command"), entry.get("frame")
    if (
        isinstance(command, bool)
        or not isinstance(command, int)
        or isinstance(frame, bool)
        or not isinstance(frame, int)
    ):
        raise PlanFileError(
            _("%(what)s: 'command' and 'frame' must be whole numbers.") % {"what": what}, code="malformed"
        )
    params = entry.get("params")
    numbers = [_number(v) for v in params] if isinstance(params, list) else []
    if len(numbers) != 7 or any(n is None for n in numbers):
        raise PlanFileError(
            _("%(what)s: 'params' must be a list of 7 numbers (or null).") % {"what": what}, code="malformed"
        )
    p1, p2, p3, p4, x, y, z = numbers  # positions are checked by decompile, which names the command
    return MissionItem(
        command=command,
        frame=frame,
        x=x if command in POSITIONED_COMMANDS else 0.0,
        y=y if command in POSITIONED_COMMANDS else 0.0,
        z=z if command in POSITIONED_COMMANDS else 0.0,
        param1=_zero_nan(p1),
        param2=_zero_nan(p2),
        param3=_zero_nan(p3),
        param4=_zero_nan(p4),
        autocontinue=1 if entry.get("autoContinue", True) else 0,
    )


def _fence(data: dict) -> tuple[list[FencePolygon], list[FenceCircle]]:
    fence = data.get("geoFence")
    if fence is None:
        return [], []
    if not isinstance(fence, dict):
        raise PlanFileError(_("'geoFence' is not an object."), code="malformed")
    _check_version(fence, PLAN_FENCE_VERSION, _("The geofence"))
    polygons: list[FencePolygon] = []
    for key in ("polygons", "circles"):
        if not isinstance(fence.get(key, []), list):
            raise PlanFileError(_("geoFence '%(key)s' is not a list.") % {"key": key}, code="malformed")
    for number, entry in enumerate(fence.get("polygons") or [], start=1):
        what = _("Geofence polygon %(n)d") % {"n": number}
        if not isinstance(entry, dict) or not isinstance(entry.get("polygon"), list):
            raise PlanFileError(_("%(what)s has no 'polygon' list.") % {"what": what}, code="malformed")
        vertices = tuple(
            _latlon(v, _("%(what)s, vertex %(i)d") % {"what": what, "i": i})
            for i, v in enumerate(entry["polygon"], start=1)
        )
        if len(vertices) < 3:
            raise PlanFileError(
                _("%(what)s has %(count)d vertices; a polygon needs at least 3.")
                % {"what": what, "count": len(vertices)},
                code="fence",
            )
        shape = shp.Polygon([(lon, lat) for lat, lon in vertices])
        if not shape.is_valid:
            raise PlanFileError(
                _("%(what)s is not a valid polygon: %(reason)s.") % {"what": what, "reason": invalid_reason(shape)},
                code="fence",
            )
        polygons.append(FencePolygon(bool(entry.get("inclusion", True)), vertices))
    circles: list[FenceCircle] = []
    for number, entry in enumerate(fence.get("circles") or [], start=1):
        what = _("Geofence circle %(n)d") % {"n": number}
        circle = entry.get("circle") if isinstance(entry, dict) else None
        if not isinstance(circle, dict):
            raise PlanFileError(_("%(what)s has no 'circle' object.") % {"what": what}, code="malformed")
        lat, lon = _latlon(circle.get("center"), what)
        radius = _number(circle.get("radius", "x"))
        if radius is None or not math.isfinite(radius) or radius <= 0:
            raise PlanFileError(_("%(what)s: the radius must be above 0 m.") % {"what": what}, code="fence")
        circles.append(FenceCircle(bool(entry.get("inclusion", True)), lat, lon, radius))
    return polygons, circles


def _rally(data: dict) -> list[tuple[float, float, float]]:
    rally = data.get("rallyPoints")
    if rally is None:
        return []
    if not isinstance(rally, dict):
        raise PlanFileError(_("'rallyPoints' is not an object."), code="malformed")
    _check_version(rally, PLAN_RALLY_VERSION, _("The rally points"))
    if not isinstance(rally.get("points", []), list):
        raise PlanFileError(_("rallyPoints 'points' is not a list."), code="malformed")
    points = []
    for number, point in enumerate(rally.get("points") or [], start=1):
        what = _("Rally point %(n)d") % {"n": number}
        lat, lon = _latlon(point, what)
        alt = _number(point[2]) if len(point) > 2 else 0.0
        if alt is None or math.isnan(alt):
            raise PlanFileError(_("%(what)s: the altitude must be a number.") % {"what": what}, code="malformed")
        points.append((lat, lon, alt))
    return points


def _to_plan(
    items: list[MissionItem], home: tuple[float, float, float] | None, speaker: SpeakerConfig, *, line_of=None
) -> MissionPlan:
    """Decompile and check that the route compiles; errors name the item (and its line, through ``line_of``)."""
    try:
        result = decompile(items, speaker=speaker)
    except DecompileError as exc:
        line = line_of(exc.seq) if line_of and exc.seq is not None else None
        message = exc.message if line is None else _("Line %(line)d: %(message)s") % {"line": line, "message": exc}
        raise PlanFileError(message, code=exc.code, line=line) from None
    plan = MissionPlan(result.route, result.takeoff_alt_m, result.speed_mps, home, notes=result.notes, speaker=speaker)
    try:
        plan.items()
    except RouteError as exc:
        raise PlanFileError(
            _("The plan cannot be flown as it is: %(problems)s.") % {"problems": exc}, code="route"
        ) from None
    return plan


def plan_import(
    data: bytes | str | Any, *, speaker: SpeakerConfig = DEFAULT_SPEAKER, max_bytes: int | None = None
) -> MissionPlan:
    """Read a QGroundControl ``.plan`` file (bytes, text or an uploaded file).

    Refuses, with a ``PlanFileError`` saying what and where: files over
    ``max_bytes`` (default ``settings.UPLOAD_MAX_BYTES``), text that is not UTF-8 or
    not JSON (line and column), another ``fileType``, versions other than the
    current ones, plans for another firmware (only ArduPilot 3 and generic 0) or
    vehicle type (only multirotors), ComplexItems (named), commands and frames a
    route cannot represent (item and command named), swapped or impossible
    coordinates, and invalid geofence polygons.
    """
    text = _read_text(data, max_bytes)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            _("The file is not valid JSON: %(error)s at line %(line)d, column %(column)d.")
            % {"error": exc.msg, "line": exc.lineno, "column": exc.colno},
            code="json",
            line=exc.lineno,
        ) from None
    if not isinstance(document, dict):
        raise PlanFileError(_("The file is JSON but not a QGroundControl plan (not an object)."), code="file_type")
    file_type = document.get("fileType")
    if file_type != "Plan":
        raise PlanFileError(
            _("The file is not a QGroundControl plan: fileType is %(found)r, expected 'Plan'.") % {"found": file_type},
            code="file_type",
        )
    _check_version(document, PLAN_FILE_VERSION, _("The plan file"))
    mission = _require(document, "mission", dict, _("The plan"))
    _check_version(mission, PLAN_MISSION_VERSION, _("The plan's mission"))
    firmware = mission.get("firmwareType")
    if firmware not in (FIRMWARE_ARDUPILOT, FIRMWARE_GENERIC):
        found = _named("MAV_AUTOPILOT", firmware) if "firmwareType" in mission else _("(not given)")
        raise PlanFileError(
            _(
                "The plan's firmware (firmwareType) is %(found)s; only ArduPilot (3) and generic (0) plans can be "
                "imported."
            )
            % {"found": found},
            code="firmware",
        )
    vehicle = mission.get("vehicleType")
    if vehicle not in MULTIROTOR_TYPES:
        found = _named("MAV_TYPE", vehicle) if "vehicleType" in mission else _("(not given)")
        raise PlanFileError(
            _(
                "The plan's vehicle type (vehicleType) is %(found)s; only multirotor plans (quadrotor 2, hexarotor 13, "
                "octorotor 14...) can be imported."
            )
            % {"found": found},
            code="vehicle_type",
        )
    entries = _require(mission, "items", list, _("The plan's mission"))
    if not entries:
        raise PlanFileError(_("The plan has no mission items."), code="empty")
    home = None
    planned = mission.get("plannedHomePosition")
    if planned is not None:
        lat, lon = (
            (_number(planned[0]), _number(planned[1]))
            if isinstance(planned, list) and len(planned) >= 2
            else (None, None)
        )
        if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
            raise PlanFileError(_("plannedHomePosition must be [latitude, longitude, altitude]."), code="malformed")
        if (lat, lon) != (0.0, 0.0):
            lat, lon = _latlon(planned, _("The planned home position"))
            alt = _number(planned[2]) if len(planned) > 2 else 0.0
            home = (lat, lon, 0.0 if alt is None or math.isnan(alt) else alt)
    items = [MissionItem(CMD_NAV_WAYPOINT, 0, x=home[0] if home else 0.0, y=home[1] if home else 0.0, z=0.0)]
    items += [_plan_item(entry, seq) for seq, entry in enumerate(entries, start=1)]
    plan = _to_plan(items, home, speaker)
    plan.fence_polygons, plan.fence_circles = _fence(document)
    plan.rally_points = _rally(document)
    return plan


# --- MAVLink waypoint text (QGC WPL 110) -------------------------------------------------------


def _fmt(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def wpl_export(items: Sequence[MissionItem]) -> str:
    """``QGC WPL 110`` text of mission items (item 0 = home, marked current as QGC and Mission Planner do)."""
    lines = [WPL_HEADER]
    for seq, item in enumerate(items):
        values = (
            seq,
            1 if seq == 0 else 0,
            item.frame,
            item.command,
            item.param1,
            item.param2,
            item.param3,
            item.param4,
            item.x,
            item.y,
            item.z,
            item.autocontinue,
        )
        lines.append("\t".join(_fmt(v) for v in values))
    return "\n".join(lines) + "\n"


def wpl_export_plan(plan: MissionPlan, *, speaker: SpeakerConfig | None = None) -> str:
    """A ``MissionPlan`` as ``QGC WPL 110`` text (home altitude AMSL in line 0; no fence or rally points)."""
    items = plan.items(speaker)
    if plan.home:
        items[0] = replace(items[0], z=plan.home[2])
    return wpl_export(items)


def wpl_parse(data: bytes | str | Any, *, max_bytes: int | None = None) -> tuple[list[MissionItem], list[int]]:
    """Mission items of a WPL file and the (1-based) line each came from; PlanFileError naming the line."""
    text = _read_text(data, max_bytes)
    lines = text.splitlines()
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise PlanFileError(_("The file is empty."), code="empty")
    header_line, header = numbered[0]
    parts = header.split()
    if len(parts) != 3 or parts[:2] != ["QGC", "WPL"] or parts[2] not in WPL_VERSIONS:
        raise PlanFileError(
            _("Line %(line)d: expected the header '%(header)s', found %(found)r.")
            % {"line": header_line, "header": WPL_HEADER, "found": header.strip()[:60]},
            code="header",
            line=header_line,
        )
    items: list[MissionItem] = []
    line_numbers: list[int] = []
    for number, line in numbered[1:]:
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) != len(WPL_COLUMNS):
            columns = line.split()
        if len(columns) != len(WPL_COLUMNS):
            raise PlanFileError(
                _("Line %(line)d has %(found)d columns; expected %(expected)d (%(names)s), separated by tabs.")
                % {
                    "line": number,
                    "found": len(columns),
                    "expected": len(WPL_COLUMNS),
                    "names": ", ".join(WPL_COLUMNS),
                },
                code="columns",
                line=number,
            )
        values: list[float] = []
        for name, column in zip(WPL_COLUMNS, columns, strict=True):
            try:
                values.append(float(column))
            except ValueError:
                raise PlanFileError(
                    _("Line %(line)d, column %(name)s: %(value)r is not a number.")
                    % {"line": number, "name": name, "value": column},
                    code="number",
                    line=number,
                ) from None
        index, _current, frame, command, p1, p2, p3, p4, x, y, z, autocontinue = values
        for name, value in (("index", index), ("frame", frame), ("command", command)):
            if not value.is_integer():
                raise PlanFileError(
                    _("Line %(line)d, column %(name)s: %(value)s is not a whole number.")
                    % {"line": number, "name": name, "value": _fmt(value)},
                    code="number",
                    line=number,
                )
        if int(index) != len(items):
            raise PlanFileError(
                _(
                    "Line %(line)d has item index %(found)d; expected %(expected)d (items must be numbered 0, 1, 2... "
                    "in order)."
                )
                % {"line": number, "found": int(index), "expected": len(items)},
                code="index",
                line=number,
            )
        items.append(
            MissionItem(
                command=int(command),
                frame=int(frame),
                x=x,
                y=y,
                z=z,
                param1=_zero_nan(p1),
                param2=_zero_nan(p2),
                param3=_zero_nan(p3),
                param4=_zero_nan(p4),
                autocontinue=1 if autocontinue else 0,
            )
        )
        line_numbers.append(number)
    if not items:
        raise PlanFileError(_("The file has a header but no mission items."), code="empty")
    return items, line_numbers


def wpl_import(
    data: bytes | str | Any, *, speaker: SpeakerConfig = DEFAULT_SPEAKER, max_bytes: int | None = None
) -> MissionPlan:
    """Read ``QGC WPL 110`` text: line 0 is home (lat, lon, alt AMSL; 0, 0 = not set), the rest the mission.

    Refuses what ``plan_import`` refuses, naming the line: a bad header, a wrong
    column count, text where a number belongs, items out of order, commands or
    frames a route cannot represent, swapped coordinates.
    """
    items, line_numbers = wpl_parse(data, max_bytes=max_bytes)
    first = items[0]
    home = None
    if math.isfinite(first.x) and math.isfinite(first.y) and (first.x, first.y) != (0.0, 0.0):
        problem = point_problem(first.x, first.y)
        if problem:
            raise PlanFileError(
                _("Line %(line)d (home): %(problem)s.") % {"line": line_numbers[0], "problem": problem},
                code="coordinates",
                line=line_numbers[0],
            )
        home = (first.x, first.y, first.z if math.isfinite(first.z) else 0.0)
    return _to_plan(items, home, speaker, line_of=lambda seq: line_numbers[seq])
