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
from drones.missions.interop.reading import (
    PlanFileError,
    PlanProblem,
    Problems,
    _read_text,
    _zero_nan,
    items_to_plan,
)
from drones.missions.items import CMD_DO_CHANGE_SPEED, CMD_NAV_WAYPOINT, FRAME_MISSION, command_name
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
    if lat is None or lon is None or not math.isfinite(lat) or not math.isfinite(lon):
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
            field="type",
        )
    if kind != "SimpleItem":
        raise PlanFileError(
            _("%(what)s has type %(type)r; expected 'SimpleItem'.") % {"what": what, "type": kind},
            code="malformed",
            field="type",
        )
    command, frame = entry.get("command"), entry.get("frame")
    if (
        isinstance(command, bool)
        or not isinstance(command, int)
        or isinstance(frame, bool)
        or not isinstance(frame, int)
    ):
        raise PlanFileError(
            _("%(what)s: 'command' and 'frame' must be whole numbers.") % {"what": what},
            code="malformed",
            field="command/frame",
        )
    params = entry.get("params")
    numbers = [_number(v) for v in params] if isinstance(params, list) else []
    if len(numbers) != 7 or any(n is None for n in numbers):
        raise PlanFileError(
            _("%(what)s: 'params' must be a list of 7 numbers (or null).") % {"what": what},
            code="malformed",
            field="params",
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


def _fence_polygon(entry: Any, what: str) -> FencePolygon:
    if not isinstance(entry, dict) or not isinstance(entry.get("polygon"), list):
        raise PlanFileError(_("%(what)s has no 'polygon' list.") % {"what": what}, code="malformed")
    vertices = tuple(
        _latlon(v, _("%(what)s, vertex %(i)d") % {"what": what, "i": i})
        for i, v in enumerate(entry["polygon"], start=1)
    )
    if len(vertices) < 3:
        raise PlanFileError(
            _("%(what)s has %(count)d vertices; a polygon needs at least 3.") % {"what": what, "count": len(vertices)},
            code="fence",
        )
    shape = shp.Polygon([(lon, lat) for lat, lon in vertices])
    if not shape.is_valid:
        raise PlanFileError(
            _("%(what)s is not a valid polygon: %(reason)s.") % {"what": what, "reason": invalid_reason(shape)},
            code="fence",
        )
    return FencePolygon(_inclusion(entry, what), vertices)


def _inclusion(entry: dict, what: str) -> bool:
    inclusion = entry.get("inclusion", True)
    if not isinstance(inclusion, bool):
        raise PlanFileError(
            _("%(what)s: 'inclusion' must be true or false, not %(found)r.") % {"what": what, "found": inclusion},
            code="malformed",
        )
    return inclusion


def _fence_circle(entry: Any, what: str) -> FenceCircle:
    circle = entry.get("circle") if isinstance(entry, dict) else None
    if not isinstance(circle, dict):
        raise PlanFileError(_("%(what)s has no 'circle' object.") % {"what": what}, code="malformed")
    lat, lon = _latlon(circle.get("center"), what)
    radius = _number(circle.get("radius", "x"))
    if radius is None or not math.isfinite(radius) or radius <= 0:
        raise PlanFileError(_("%(what)s: the radius must be above 0 m.") % {"what": what}, code="fence")
    return FenceCircle(_inclusion(entry, what), lat, lon, radius)


def _fence(data: dict, problems: Problems) -> tuple[list[FencePolygon], list[FenceCircle]]:
    """The geofence's polygons and circles; each shape that cannot be read is a problem."""
    fence = data.get("geoFence")
    if fence is None:
        return [], []
    if not isinstance(fence, dict):
        problems.add_error(PlanFileError(_("'geoFence' is not an object."), code="malformed"))
        return [], []
    try:
        _check_version(fence, PLAN_FENCE_VERSION, _("The geofence"))
    except PlanFileError as exc:
        problems.add_error(exc)
        return [], []
    polygons: list[FencePolygon] = []
    circles: list[FenceCircle] = []
    for key, read, shapes, label in (
        ("polygons", _fence_polygon, polygons, _("Geofence polygon %(n)d")),
        ("circles", _fence_circle, circles, _("Geofence circle %(n)d")),
    ):
        entries = fence.get(key)
        entries = [] if entries is None else entries
        if not isinstance(entries, list):
            problems.add_error(PlanFileError(_("geoFence '%(key)s' is not a list.") % {"key": key}, code="malformed"))
            continue
        for number, entry in enumerate(entries, start=1):
            try:
                shapes.append(read(entry, label % {"n": number}))
            except PlanFileError as exc:
                problems.add_error(exc, field=f"geoFence.{key}[{number - 1}]")
    return polygons, circles


def _rally(data: dict, problems: Problems) -> list[tuple[float, float, float]]:
    rally = data.get("rallyPoints")
    if rally is None:
        return []
    try:
        if not isinstance(rally, dict):
            raise PlanFileError(_("'rallyPoints' is not an object."), code="malformed")
        _check_version(rally, PLAN_RALLY_VERSION, _("The rally points"))
        if not isinstance(rally.get("points", []), list):
            raise PlanFileError(_("rallyPoints 'points' is not a list."), code="malformed")
    except PlanFileError as exc:
        problems.add_error(exc)
        return []
    points = []
    for number, point in enumerate(rally.get("points") or [], start=1):
        what = _("Rally point %(n)d") % {"n": number}
        try:
            lat, lon = _latlon(point, what)
            alt = _number(point[2]) if len(point) > 2 else 0.0
            if alt is None or not math.isfinite(alt):
                raise PlanFileError(_("%(what)s: the altitude must be a number.") % {"what": what}, code="malformed")
        except PlanFileError as exc:
            problems.add_error(exc, field=f"rallyPoints.points[{number - 1}]")
            continue
        points.append((lat, lon, alt))
    return points


def _document(text: str) -> dict:
    """The JSON object of a ``.plan`` file; PlanFileError if it is not one (nothing else can be read then)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            _("The file is not valid JSON: %(error)s at line %(line)d, column %(column)d.")
            % {"error": exc.msg, "line": exc.lineno, "column": exc.colno},
            code="json",
            line=exc.lineno,
        ) from None
    except RecursionError:
        raise PlanFileError(_("The file is not valid JSON: it is nested too deeply."), code="json") from None
    if not isinstance(document, dict):
        raise PlanFileError(_("The file is JSON but not a QGroundControl plan (not an object)."), code="file_type")
    file_type = document.get("fileType")
    if file_type != "Plan":
        raise PlanFileError(
            _("The file is not a QGroundControl plan: fileType is %(found)r, expected 'Plan'.") % {"found": file_type},
            code="file_type",
        )
    return document


def _check_vehicle(mission: dict, problems: Problems) -> None:
    firmware = mission.get("firmwareType")
    if firmware not in (FIRMWARE_ARDUPILOT, FIRMWARE_GENERIC) or isinstance(firmware, bool):
        found = _named("MAV_AUTOPILOT", firmware) if "firmwareType" in mission else _("(not given)")
        problems.add(
            PlanProblem(
                _(
                    "The plan's firmware (firmwareType) is %(found)s; only ArduPilot (3) and generic (0) plans can be "
                    "imported."
                )
                % {"found": found},
                code="firmware",
                field="mission.firmwareType",
            )
        )
    vehicle = mission.get("vehicleType")
    if vehicle not in MULTIROTOR_TYPES or isinstance(vehicle, bool):
        found = _named("MAV_TYPE", vehicle) if "vehicleType" in mission else _("(not given)")
        problems.add(
            PlanProblem(
                _(
                    "The plan's vehicle type (vehicleType) is %(found)s; only multirotor plans (quadrotor 2, "
                    "hexarotor 13, octorotor 14...) can be imported."
                )
                % {"found": found},
                code="vehicle_type",
                field="mission.vehicleType",
            )
        )


def _home(mission: dict) -> tuple[float, float, float] | None:
    """``plannedHomePosition`` (lat, lon, alt AMSL m); None when absent or at 0, 0 (QGC's "not set")."""
    planned = mission.get("plannedHomePosition")
    if planned is None:
        return None
    lat, lon = (
        (_number(planned[0]), _number(planned[1])) if isinstance(planned, list) and len(planned) >= 2 else (None, None)
    )
    if lat is None or lon is None or not math.isfinite(lat) or not math.isfinite(lon):
        raise PlanFileError(_("plannedHomePosition must be [latitude, longitude, altitude]."), code="malformed")
    if (lat, lon) == (0.0, 0.0):
        return None
    lat, lon = _latlon(planned, _("The planned home position"))
    alt = _number(planned[2]) if len(planned) > 2 else math.nan
    if alt is None or math.isinf(alt):
        raise PlanFileError(
            _("The planned home position: the altitude must be a number (metres above sea level)."), code="malformed"
        )
    return lat, lon, 0.0 if math.isnan(alt) else alt


def plan_import(
    data: bytes | str | Any, *, speaker: SpeakerConfig = DEFAULT_SPEAKER, max_bytes: int | None = None
) -> MissionPlan:
    """Read a QGroundControl ``.plan`` file (bytes, text or an uploaded file).

    Heights above mean sea level (frame 0/5) are converted to heights above home with the planned
    home altitude (``plannedHomePosition[2]``; the plan's ``notes`` say how many). Refuses, with a
    ``PlanFileError`` listing every problem it finds (item by item, with the item's number, command
    and field): files over ``max_bytes`` (default ``settings.UPLOAD_MAX_BYTES``), text that is not
    UTF-8 or not JSON (line and column), another ``fileType``, versions other than the current ones,
    plans for another firmware (only ArduPilot 3 and generic 0) or vehicle type (only multirotors),
    ComplexItems (named), commands and frames a route cannot represent, heights above terrain,
    swapped or impossible coordinates, unreadable geofence shapes and rally points, and a geofence
    the operating area cannot be made from (``MissionPlan.operating_area``).
    """
    text = _read_text(data, max_bytes)
    document = _document(text)
    problems = Problems()
    try:
        _check_version(document, PLAN_FILE_VERSION, _("The plan file"))
    except PlanFileError as exc:
        problems.add_error(exc, field="version")
    try:
        mission = _require(document, "mission", dict, _("The plan"))
    except PlanFileError as exc:
        problems.add_error(exc, field="mission")
        problems.check()
    try:
        _check_version(mission, PLAN_MISSION_VERSION, _("The plan's mission"))
    except PlanFileError as exc:
        problems.add_error(exc, field="mission.version")
    _check_vehicle(mission, problems)
    home = None
    try:
        home = _home(mission)
    except PlanFileError as exc:
        problems.add_error(exc, field="mission.plannedHomePosition")
    entries = mission.get("items")
    plan = None
    if not isinstance(entries, list):
        problems.add_error(
            PlanFileError(_("The plan's mission: 'items' is missing or not a list."), code="malformed"),
            field="mission.items",
        )
    elif not entries:
        problems.add(PlanProblem(_("The plan has no mission items."), code="empty", field="mission.items"))
    else:
        items = [MissionItem(CMD_NAV_WAYPOINT, 0, x=home[0] if home else 0.0, y=home[1] if home else 0.0, z=0.0)]
        bad: set[int] = set()
        first_item_problem = len(problems.found)
        for seq, entry in enumerate(entries, start=1):
            try:
                items.append(_plan_item(entry, seq))
            except PlanFileError as exc:
                command = entry.get("command") if isinstance(entry, dict) else None
                named = command_name(command) if isinstance(command, int) and not isinstance(command, bool) else None
                problems.add_error(exc, item=seq, command=named)
                # Its place held by a waypoint (a DO item by a speed change), so the items after it read as
                # they would with it mended.
                is_do = isinstance(command, int) and command >= CMD_DO_CHANGE_SPEED
                items.append(MissionItem(CMD_DO_CHANGE_SPEED if is_do else CMD_NAV_WAYPOINT, FRAME_MISSION))
                bad.add(seq)
        plan = items_to_plan(items, home, speaker, problems, bad=bad)
        problems.sort_from(first_item_problem)
    polygons, circles = _fence(document, problems)
    rally = _rally(document, problems)
    # The operating area the fence gives: checked even when the items have problems (then without a
    # route, so only when there is an inclusion shape or a home to place the default area at).
    probe = plan or MissionPlan([], 0.0, None, home)
    probe.fence_polygons, probe.fence_circles, probe.rally_points = polygons, circles, rally
    if plan is not None or home is not None or any(s.inclusion for s in (*polygons, *circles)):
        try:
            probe.notes.extend(probe.area_notes())
        except PlanFileError as exc:
            problems.add_error(exc)
    problems.check()
    return plan
