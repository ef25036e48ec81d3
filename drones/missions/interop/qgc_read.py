"""Reading a QGroundControl ``.plan`` file (``plan_import``): the JSON document, its versions, firmware
and vehicle type, the SimpleItems, the geofence and the rally points, each refused with a
``PlanFileError`` that names what and where."""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext as _
from shapely import geometry as shp

from common.geo import point_problem
from drones.missions.generators.inputs import invalid_reason
from drones.missions.interop.mission_plan import FenceCircle, FencePolygon, MissionPlan
from drones.missions.interop.qgc_format import (
    COMPLEX_ITEM_NAMES,
    FIRMWARE_ARDUPILOT,
    FIRMWARE_GENERIC,
    MULTIROTOR_TYPES,
    PLAN_FENCE_VERSION,
    PLAN_FILE_VERSION,
    PLAN_MISSION_VERSION,
    PLAN_RALLY_VERSION,
    POSITIONED_COMMANDS,
)
from drones.missions.interop.reading import PlanFileError, _read_text, _to_plan, _zero_nan
from drones.missions.items import CMD_NAV_WAYPOINT
from drones.missions.speaker import DEFAULT_SPEAKER, SpeakerConfig
from drones.vehicle import MissionItem


def _number(value: Any) -> float | None:
    """A JSON number as float; null as NaN (QGC writes NaN params as null); None if not a number."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


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
