"""The legal and feasibility checks of a mission route, before anything is uploaded.

``check_route`` takes a parsed route (``drones.missions.route.Waypoint``s,
WGS-84, heights above the launch point) and reports every violation, each with
the waypoint or segment, the limit, the value and a GeoJSON geometry of where
it happens, plus an estimate of the flight. ``check_mission`` does the same
for a stored ``Mission``, gathering the airspace in force and the crowds (markets
in session) at its planned start.

What is checked (limits from settings, with the Chinese 2024 UAV rules as defaults):

- ``too_few_points``: a route needs at least two waypoints.
- ``too_many_items``: ArduCopter stores at most 650 mission items (``MISSION_COUNT``
  above that: ``NO_SPACE`` + ``Only 650 items are supported``, SITL scenario 04).
- ``ceiling``: the take-off height and every waypoint at most ``DRONE_MAX_HEIGHT_M``
  (120 m). Heights are above the launch point: terrain is not modelled, so over
  rising ground the true height is less and over a valley more. Between two
  waypoints the height changes linearly, so checking the waypoints is enough.
- ``outside_area`` / ``near_area_edge``: the launch point, every waypoint and every
  segment (including the leg from the launch point and the return leg) inside
  the operating area, the inclusion fence as it is uploaded; waypoints at least
  ``FENCE_MARGIN`` (2 m) from its edge, where AC_Avoid would hold the vehicle.
  Without an operating area the default is the convex hull of the launch point
  and the route, buffered by 50 m: the route with a margin, nothing more.
- ``no_fly`` / ``airport``: no waypoint inside and no segment crossing a no-fly zone
  or an airport clearance area: segments are tested as lines, so a leg whose two
  ends are outside but which cuts through a zone is caught.
- ``restricted_without_approval``: restricted zones only with a flight approval
  reference (with one, each crossing is listed as a notice).
- ``line_of_sight``: every waypoint at most ``DRONE_MAX_DISTANCE_M`` (500 m) from
  the launch point, horizontally. Along a straight segment the distance from a
  fixed point is convex, so its largest value is at one of the segment's ends:
  checking the waypoints checks the segments too.
- ``crowd_too_low``: over a crowd area (a crowd zone, a market in session) at least
  its minimum height, along segments too (the height is interpolated where a
  segment enters and leaves the area); a launch point inside one is refused,
  since take-off and landing pass low over it.
- ``endurance``: the estimated flight time leaves at least
  ``DRONE_BATTERY_RESERVE_PCT`` (25 %) of the drone's endurance.
- ``fence``: the operating area and the exclusions can be uploaded as a fence.

The estimate is ``drones.missions.flighttime``'s model of ArduCopter 4.7's waypoint
navigation, calibrated on SITL (the SITL recordings, shared/ardupilot/README.md §6): jerk-limited
acceleration and braking on every leg (WPNAV_ACCEL, WPNAV_JERK), corners that keep
the speed on a straight continuation and stop on a reversal, climbs (WPNAV_SPEED_UP)
and descents (WPNAV_SPEED_DN) at the same time as the horizontal motion, holds as
given, and the return to launch (RTL_ALT, RTL_LOIT_TIME, LAND_ALT_LOW, LAND_SPEED)
to the disarm. The loudspeaker time is reported but adds no time: it plays while flying.

Geometry is computed in the UTM zone of the launch point (``drones.missions.frame``).
For many zones (``AirspaceIndex``) the zones near the mission are found with an
STRtree in WGS-84, only those are projected (one transform call), and the
segments and waypoints are tested against them with a second STRtree.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from itertools import chain
from typing import Any, Protocol

import numpy as np
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely import geometry as shp

from common.errors import DomainError
from common.geo import GeometryError, point_problem, polygon_from_geojson
from drones.missions.fence import FenceError, fence_items, plan_local
from drones.missions.frame import LocalFrame, polygon_parts
from drones.missions.route import Waypoint
from drones.vehicle import MissionItem

# ArduCopter 4.7 defaults (params_copter_4.7.json) the estimate and the item count rely on.
MAX_MISSION_ITEMS = 650
CLIMB_MPS = 2.5  # WPNAV_SPEED_UP 250 cm/s
DESCENT_MPS = 1.5  # WPNAV_SPEED_DN 150 cm/s
LAND_MPS = 0.5  # LAND_SPEED 50 cm/s
LAND_ALT_LOW_M = 10.0  # LAND_ALT_LOW 1000 cm
RTL_ALT_M = 15.0  # RTL_ALT 1500 cm
RTL_LOITER_S = 5.0  # RTL_LOIT_TIME 5000 ms
FENCE_MARGIN_M = 2.0  # FENCE_MARGIN
DEFAULT_AREA_MARGIN_M = 50.0
# Exclusions are clipped to the operating area grown by this much, so their edges lie outside it.
_CLIP_MARGIN_M = 20.0
# Pieces of a segment inside a zone shorter than this are rounding at a shared edge.
_MIN_CROSSING_M = 0.01


class Code(StrEnum):
    BAD_LAUNCH = "bad_launch"
    INVALID_ROUTE = "invalid_route"
    INVALID_AREA = "invalid_area"
    TOO_FEW_POINTS = "too_few_points"
    TOO_MANY_ITEMS = "too_many_items"
    CEILING = "ceiling"
    OUTSIDE_AREA = "outside_area"
    NEAR_AREA_EDGE = "near_area_edge"
    NO_FLY = "no_fly"
    AIRPORT = "airport"
    RESTRICTED = "restricted_without_approval"
    RESTRICTED_APPROVED = "restricted_with_approval"  # a notice, not a violation
    LINE_OF_SIGHT = "line_of_sight"
    CROWD_TOO_LOW = "crowd_too_low"
    ENDURANCE = "endurance"
    FENCE = "fence"


# Airspace kinds (``drones.models.Airspace.Kind`` values).
NO_FLY, RESTRICTED, AIRPORT, CROWD = "no_fly", "restricted", "airport", "crowd"


@dataclass(frozen=True)
class Limits:
    """The limits the checks apply; ``from_settings`` reads the configurable ones."""

    max_height_m: float = 120.0
    max_distance_m: float = 500.0
    reserve_pct: float = 25.0
    max_items: int = MAX_MISSION_ITEMS
    area_margin_m: float = DEFAULT_AREA_MARGIN_M
    fence_margin_m: float = FENCE_MARGIN_M
    climb_mps: float = CLIMB_MPS
    descent_mps: float = DESCENT_MPS
    land_mps: float = LAND_MPS
    land_alt_low_m: float = LAND_ALT_LOW_M
    rtl_alt_m: float = RTL_ALT_M
    rtl_loiter_s: float = RTL_LOITER_S

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_height_m=float(getattr(settings, "DRONE_MAX_HEIGHT_M", 120.0)),
            max_distance_m=float(getattr(settings, "DRONE_MAX_DISTANCE_M", 500.0)),
            reserve_pct=float(getattr(settings, "DRONE_BATTERY_RESERVE_PCT", 25.0)),
        )


class AirspaceLike(Protocol):
    """What the checks read of a zone: ``drones.models.Airspace`` or ``Zone``."""

    name: str
    kind: str
    geometry: dict[str, Any]


@dataclass(frozen=True)
class Zone:
    """A zone without a database row (tests, benchmarks, what-if checks)."""

    name: str
    kind: str
    geometry: dict[str, Any]
    min_alt_m: float | None = None
    id: int | None = None


@dataclass(frozen=True)
class Violation:
    """One thing wrong with the mission, and where.

    ``waypoint`` is 0-based (messages say it 1-based); ``segment`` is
    ``(from, to)`` waypoint indexes with ``None`` for the launch point
    (``(None, 0)`` is the leg from the launch point, ``(n - 1, None)`` the
    return). ``geometry`` is WGS-84 GeoJSON of where it happens.
    """

    code: str
    message: str
    waypoint: int | None = None
    segment: tuple[int | None, int | None] | None = None
    limit: float | None = None
    value: float | None = None
    zone: str | None = None
    geometry: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["segment"] = list(self.segment) if self.segment is not None else None
        return data


@dataclass(frozen=True)
class Estimate:
    """How long the flight takes and how much of the battery it uses. Distances horizontal, metres."""

    route_length_m: float  # first to last waypoint
    total_distance_m: float  # with the leg from the launch point and the return
    climb_m: float  # every metre up, take-off included
    descent_m: float  # every metre down, landing included
    hold_s: float
    broadcast_s: float  # loudspeaker on
    flight_time_s: float
    endurance_s: float
    endurance_used_pct: float
    reserve_left_pct: float
    reserve_required_pct: float
    breakdown: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    """The outcome: ``ok`` when there is no violation. Notices never block (approved restricted zones)."""

    violations: list[Violation]
    estimate: Estimate | None
    notices: list[Violation] = field(default_factory=list)
    operating_area: dict[str, Any] | None = None  # the inclusion fence as uploaded, WGS-84 GeoJSON
    exclusions: list[dict[str, Any]] = field(default_factory=list)  # exclusion polygons, WGS-84 GeoJSON
    area_is_default: bool = False
    fence_simplified_m: float = 0.0
    checked_at: str = ""

    @property
    def ok(self) -> bool:
        return not self.violations

    def codes(self) -> list[str]:
        return [v.code for v in self.violations]

    def fence_items(self) -> list[MissionItem]:
        """The fence to upload (``MissionType.FENCE``); only for a result that is ``ok``."""
        if self.operating_area is None:
            raise FenceError(_("There is no operating area to build a fence from."))
        return fence_items(self.operating_area, self.exclusions)

    def as_dict(self) -> dict[str, Any]:
        """JSON for ``Mission.validation`` and the API."""
        return {
            "ok": self.ok,
            "checked_at": self.checked_at,
            "violations": [v.as_dict() for v in self.violations],
            "notices": [v.as_dict() for v in self.notices],
            "estimate": self.estimate.as_dict() if self.estimate else None,
            "operating_area": self.operating_area,
            "exclusions": self.exclusions,
            "area_is_default": self.area_is_default,
            "fence_simplified_m": self.fence_simplified_m,
        }

    def geojson(self) -> dict[str, Any]:
        """A FeatureCollection for the map: the operating area, the exclusions, then every violation."""
        features = []
        if self.operating_area:
            features.append(_feature(self.operating_area, {"role": "operating_area", "default": self.area_is_default}))
        features.extend(_feature(g, {"role": "exclusion"}) for g in self.exclusions)
        for role, items in (("violation", self.violations), ("notice", self.notices)):
            for v in items:
                if v.geometry:
                    properties = {k: val for k, val in v.as_dict().items() if k != "geometry"}
                    features.append(_feature(v.geometry, {"role": role, **properties}))
        return {"type": "FeatureCollection", "features": features}

    def raise_if_rejected(self) -> None:
        if not self.ok:
            raise MissionInvalid(self.violations)


class MissionInvalid(DomainError):
    """The mission breaks a rule; ``details`` lists every violation (``Violation.as_dict()``)."""

    code = "mission_invalid"
    http_status = 400

    def __init__(self, violations: Sequence[Violation]):
        self.violations = list(violations)
        message = _("The mission was rejected: %(n)d problem(s). %(first)s") % {
            "n": len(self.violations),
            "first": self.violations[0].message if self.violations else "",
        }
        super().__init__(message, details=[v.as_dict() for v in self.violations])


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


# --- zones ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneRef:
    id: int | None
    name: str
    kind: str
    min_alt_m: float | None


def _zone_shape(geometry: dict[str, Any]):
    """A WGS-84 shapely (Multi)Polygon of a stored zone, or None; built straight from the coordinates.

    Validity is checked by the caller, for all zones at once (``_repaired``).
    """
    try:
        kind = geometry.get("type")
        coords = geometry["coordinates"]
        if kind == "Polygon":
            return shapely.polygons(coords[0], holes=coords[1:] or None)
        if kind == "MultiPolygon":
            return shapely.multipolygons([shapely.polygons(p[0], holes=p[1:] or None) for p in coords])
        return shp.shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.GEOSException):
        return None


def _simple_polygons_at_once(geometries: list[dict[str, Any]], shapes: list) -> list:
    """Shapes of GeoJSON zones: one-ring Polygons (nearly all zones) built in one vectorised call, the
    rest one by one (``_zone_shape``). ``shapes`` is filled in place and returned."""
    simple, rings = [], []
    for index, geometry in enumerate(geometries):
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if geometry and geometry.get("type") == "Polygon" and isinstance(coords, list) and len(coords) == 1:
            simple.append(index)
            rings.append(coords[0])
    if rings:
        try:
            points = np.asarray(list(chain.from_iterable(rings)), dtype=float)
            ring_index = np.repeat(np.arange(len(rings)), [len(r) for r in rings])
            built = shapely.polygons(shapely.linearrings(points, indices=ring_index))
        except (ValueError, TypeError, shapely.errors.GEOSException):
            built = None  # a short ring or 3-D coordinates somewhere: build them one by one below
        if built is not None and len(built) == len(simple):
            for index, shape in zip(simple, built, strict=True):
                shapes[index] = shape
    for index, geometry in enumerate(geometries):
        if shapes[index] is None:
            shapes[index] = _zone_shape(geometry)
    return shapes


def _repaired(shapes: list) -> np.ndarray:
    """Polygons only; an invalid zone is repaired (``make_valid``) rather than ignored."""
    array = np.asarray(shapes, dtype=object)
    if not len(array):
        return array
    usable = ~shapely.is_missing(array)
    usable[usable] = ~shapely.is_empty(array[usable])
    broken = usable.copy()
    broken[usable] = ~shapely.is_valid(array[usable]) | ~np.isin(shapely.get_type_id(array[usable]), (3, 6))
    for index in np.flatnonzero(broken):
        parts = list(polygon_parts(shapely.make_valid(array[index])))
        array[index] = (parts[0] if len(parts) == 1 else shp.MultiPolygon(parts)) if parts else None
    array[~usable] = None
    return array


class AirspaceIndex:
    """Zones in WGS-84 with a spatial index; build once and reuse it for many checks.

    Crowd zones are kept apart (``crowds``): they limit the height, they do not keep out.
    """

    def __init__(self, zones: Iterable[AirspaceLike]):
        refs: list[ZoneRef] = []
        shapes: list = []
        zones_geometry: list[dict[str, Any]] = []
        self.crowds: list[tuple[dict[str, Any], float, str]] = []
        for zone in zones:
            kind = str(zone.kind)
            if kind == CROWD:
                if getattr(zone, "min_alt_m", None) is not None:
                    self.crowds.append((zone.geometry, float(zone.min_alt_m), str(zone.name)))
                continue
            zone_id = getattr(zone, "pk", None) or getattr(zone, "id", None)
            refs.append(ZoneRef(zone_id, str(zone.name), kind, getattr(zone, "min_alt_m", None)))
            zones_geometry.append(zone.geometry)
            shapes.append(None)
        geometries = _repaired(_simple_polygons_at_once(zones_geometry, shapes))
        keep = ~shapely.is_missing(geometries) if len(geometries) else np.zeros(0, dtype=bool)
        self.refs = [ref for ref, kept in zip(refs, keep, strict=True) if kept]
        self.geometries = geometries[keep] if len(geometries) else np.empty(0, dtype=object)
        self.tree = shapely.STRtree(self.geometries) if len(self.geometries) else None

    def __len__(self) -> int:
        return len(self.refs)

    def near(self, bounds: tuple[float, float, float, float]) -> np.ndarray:
        """Indexes of the zones whose bounding box meets ``bounds`` (WGS-84 minx, miny, maxx, maxy)."""
        if self.tree is None:
            return np.empty(0, dtype=np.int64)
        return np.sort(self.tree.query(shp.box(*bounds)))


# --- the route as flown -------------------------------------------------------------------------------


@dataclass
class _Legs:
    """Every straight leg flown: launch -> 1, 1 -> 2, ..., n -> launch. Local metres."""

    starts: list[int | None]
    ends: list[int | None]
    lines: np.ndarray  # shapely LineStrings
    alt_from: np.ndarray
    alt_to: np.ndarray
    launch_word: str = "launch"

    def label(self, index: int) -> str:
        """``3→4`` (1-based, as people count), ``launch→1``, ``7→launch``."""
        start, end = self.starts[index], self.ends[index]
        a = self.launch_word if start is None else str(start + 1)
        b = self.launch_word if end is None else str(end + 1)
        return f"{a}→{b}"


def _point_label(index: int | None) -> str:
    return _("the launch point") if index is None else _("waypoint %(n)d") % {"n": index + 1}


def estimate_item_count(route: Sequence[Waypoint]) -> int:
    """Mission items a route compiles to, counted generously when the compiled mission is not at hand.

    Home, take-off, one item per waypoint, one more for a hold (NAV_LOITER_TIME),
    a loudspeaker switch (DO_SET_RELAY) or a speed change (DO_CHANGE_SPEED), a
    final loudspeaker off, and the return (RTL).
    """
    count = 1 + 1 + 1 + 1
    for waypoint in route:
        count += 1
        count += 1 if waypoint.hold_s else 0
        count += 1 if waypoint.speaker is not None else 0
        count += 1 if waypoint.speed_mps is not None else 0
    return count


def _estimate(
    route: Sequence[Waypoint],
    lengths_m: np.ndarray,
    *,
    points_xy: Sequence[tuple[float, float]],
    takeoff_alt_m: float,
    speed_mps: float,
    endurance_min: float,
    limits: Limits,
) -> Estimate:
    """``lengths_m``: horizontal length of each leg (launch -> 1, ..., n -> launch); ``points_xy``:
    each waypoint in metres east/north of the launch point. The time is ``flighttime``'s model."""
    from drones.missions.flighttime import Kinematics, RoutePoint, route_flight_time

    kinematics = Kinematics(
        climb_mps=limits.climb_mps,
        descent_mps=limits.descent_mps,
        land_mps=limits.land_mps,
        land_alt_low_m=limits.land_alt_low_m,
        rtl_alt_m=limits.rtl_alt_m,
        rtl_loiter_s=limits.rtl_loiter_s,
    )
    points = [
        RoutePoint(float(x), float(y), w.alt_m, w.hold_s, w.speed_mps, w.speaker)
        for (x, y), w in zip(points_xy, route, strict=True)
    ]
    timing = route_flight_time(points, takeoff_alt_m=takeoff_alt_m, speed_mps=speed_mps, kinematics=kinematics)
    climb_m, descent_m, altitude = takeoff_alt_m, 0.0, takeoff_alt_m
    for waypoint in route:
        climb_m += max(waypoint.alt_m - altitude, 0.0)
        descent_m += max(altitude - waypoint.alt_m, 0.0)
        altitude = waypoint.alt_m
    n = len(route)
    if n:
        return_alt = max(altitude, limits.rtl_alt_m)
        climb_m += return_alt - altitude
        descent_m += return_alt
    total_s = float(timing.total_s)
    endurance_s = endurance_min * 60.0
    used = 100.0 * total_s / endurance_s if endurance_s > 0 else math.inf
    total_distance = float(lengths_m.sum()) if n else 0.0
    route_length = float(lengths_m[1:n].sum()) if n > 1 else 0.0
    used = float(used)
    return Estimate(
        route_length_m=round(route_length, 1),
        total_distance_m=round(total_distance, 1),
        climb_m=round(float(climb_m), 1),
        descent_m=round(float(descent_m), 1),
        hold_s=round(float(timing.hold_s), 1),
        broadcast_s=round(float(timing.broadcast_s), 1),
        flight_time_s=round(total_s, 1),
        endurance_s=round(endurance_s, 1),
        endurance_used_pct=round(used, 1),
        reserve_left_pct=round(100.0 - used, 1),
        reserve_required_pct=limits.reserve_pct,
        breakdown=timing.breakdown(),
    )


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": rest}


# --- the check ------------------------------------------------------------------------------------------


class _Checker:
    """One run of ``check_route``: the local frame, the legs, and the violations found."""

    def __init__(self, route: Sequence[Waypoint], launch: tuple[float, float], limits: Limits):
        self.route = list(route)
        self.limits = limits
        self.launch_lat, self.launch_lon = float(launch[0]), float(launch[1])
        self.frame = LocalFrame(self.launch_lat, self.launch_lon)
        self.violations: list[Violation] = []
        self.notices: list[Violation] = []
        n = len(self.route)
        self.lat = np.fromiter((w.lat for w in self.route), float, n)
        self.lon = np.fromiter((w.lon for w in self.route), float, n)
        self.alt = np.fromiter((w.alt_m for w in self.route), float, n)
        self.x, self.y = self.frame.xy(self.lat, self.lon)
        lx, ly = self.frame.xy(self.launch_lat, self.launch_lon)
        self.lx, self.ly = float(lx), float(ly)
        self.launch_point = shp.Point(self.lx, self.ly)
        self.points = shapely.points(self.x, self.y) if n else np.empty(0, dtype=object)

    def add(self, code: Code, message: str, **where) -> None:
        self.violations.append(Violation(str(code), message, **where))

    def point_geojson(self, index: int | None) -> dict[str, Any]:
        if index is None:
            return {"type": "Point", "coordinates": [self.launch_lon, self.launch_lat]}
        return {"type": "Point", "coordinates": [float(self.lon[index]), float(self.lat[index])]}

    def legs(self, takeoff_alt_m: float) -> _Legs:
        n = len(self.route)
        xs = np.concatenate([[self.lx], self.x, [self.lx]])
        ys = np.concatenate([[self.ly], self.y, [self.ly]])
        return_alt = max(float(self.alt[-1]), self.limits.rtl_alt_m) if n else takeoff_alt_m
        alts_from = np.concatenate([[takeoff_alt_m], self.alt[:-1], [return_alt]]) if n else np.empty(0)
        alts_to = np.concatenate([self.alt, [return_alt]]) if n else np.empty(0)
        coords = np.stack([np.column_stack([xs[:-1], ys[:-1]]), np.column_stack([xs[1:], ys[1:]])], axis=1)
        lines = shapely.linestrings(coords) if n else np.empty(0, dtype=object)
        starts: list[int | None] = [None, *range(n)]
        ends: list[int | None] = [*range(n), None]
        return _Legs(starts, ends, lines, alts_from, alts_to, launch_word=_("launch"))


def _default_area(checker: _Checker, margin_m: float):
    points = [checker.launch_point, *checker.points]
    return shp.MultiPoint(points).convex_hull.buffer(margin_m, quad_segs=4)


def check_route(
    route: Sequence[Waypoint],
    *,
    launch: tuple[float, float],
    takeoff_alt_m: float,
    speed_mps: float,
    drone_endurance_min: float,
    operating_area: dict[str, Any] | None = None,
    airspaces: Iterable[AirspaceLike] | AirspaceIndex = (),
    crowds: Iterable[tuple[dict[str, Any], float, str]] = (),
    approval_ref: str = "",
    item_count: int | None = None,
    limits: Limits | None = None,
) -> CheckResult:
    """Check a route against every rule; never raises for bad data, it reports it.

    ``route``: waypoints, WGS-84, ``alt_m`` above the launch point. ``launch``:
    (lat, lon) WGS-84. ``operating_area``: GeoJSON (Multi)Polygon or None for the
    default. ``airspaces``: zones (``Airspace`` rows, ``Zone``s) or a prebuilt
    ``AirspaceIndex``; the caller picks those in force. ``crowds``: (GeoJSON
    polygon, minimum height m, name), e.g. ``markets.crowd_areas(at)``; crowd
    zones among ``airspaces`` count too (duplicates are dropped).
    ``item_count``: the compiled mission's item count, if known (else estimated).
    """
    limits = limits or Limits.from_settings()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    problem = point_problem(float(launch[0]), float(launch[1])) if launch else _("no launch point")
    if problem:
        violation = Violation(
            str(Code.BAD_LAUNCH), _("The launch point is unusable: %(problem)s.") % {"problem": problem}
        )
        return CheckResult([violation], None, checked_at=started)
    c = _Checker(route, launch, limits)
    n = len(c.route)

    if n < 2:
        c.add(
            Code.TOO_FEW_POINTS,
            _("The route has %(n)d waypoint(s); it needs at least 2.") % {"n": n},
            limit=2,
            value=n,
        )
    items = item_count if item_count is not None else estimate_item_count(c.route)
    if items > limits.max_items:
        c.add(
            Code.TOO_MANY_ITEMS,
            _("The mission has %(value)d items; ArduCopter stores at most %(limit)d.")
            % {"value": items, "limit": limits.max_items},
            limit=limits.max_items,
            value=items,
        )
    _check_heights(c, takeoff_alt_m)
    _check_line_of_sight(c)

    legs = c.legs(takeoff_alt_m)
    index = airspaces if isinstance(airspaces, AirspaceIndex) else AirspaceIndex(airspaces)
    area_local, area_is_default = _operating_area(c, operating_area)
    zones_local, refs = _zones_near(c, index, area_local)
    exclusions_local = _exclusions(zones_local, refs, area_local, approval_ref)
    fence_local, exclusions_wgs, simplified = _fence(c, area_local, exclusions_local)
    # Against the inclusion fence as uploaded (it may have been simplified), else the area as drawn.
    _check_area(c, legs, fence_local if fence_local is not None else area_local)
    _check_zones(c, legs, zones_local, refs, approval_ref)
    _check_crowds(c, legs, [*index.crowds, *crowds])

    lengths = shapely.length(legs.lines) if n else np.empty(0)
    estimate = _estimate(
        c.route,
        lengths,
        points_xy=[(float(x) - c.lx, float(y) - c.ly) for x, y in zip(c.x, c.y, strict=True)],
        takeoff_alt_m=takeoff_alt_m,
        speed_mps=speed_mps,
        endurance_min=drone_endurance_min,
        limits=limits,
    )
    if n and estimate.reserve_left_pct < limits.reserve_pct:
        text = (
            _(
                "The flight needs about %(time)s, %(used).0f%% of the drone's %(endurance)s endurance; "
                "%(left).0f%% would be left, less than the %(limit).0f%% reserve."
            )
            if estimate.reserve_left_pct >= 0
            else _(
                "The flight needs about %(time)s, longer than the drone's %(endurance)s endurance "
                "(%(used).0f%%); keep %(limit).0f%% in reserve."
            )
        )
        c.add(
            Code.ENDURANCE,
            text
            % {
                "time": _minutes(estimate.flight_time_s),
                "used": estimate.endurance_used_pct,
                "endurance": _minutes(estimate.endurance_s),
                "left": estimate.reserve_left_pct,
                "limit": limits.reserve_pct,
            },
            limit=limits.reserve_pct,
            value=estimate.reserve_left_pct,
            geometry=c.frame.geojson(shp.LineString([(c.lx, c.ly), *zip(c.x, c.y, strict=True)]))
            if n
            else c.point_geojson(None),
        )
    return CheckResult(
        violations=c.violations,
        estimate=estimate,
        notices=c.notices,
        operating_area=c.frame.geojson(fence_local) if fence_local is not None else c.frame.geojson(area_local),
        exclusions=exclusions_wgs,
        area_is_default=area_is_default,
        fence_simplified_m=simplified,
        checked_at=started,
    )


def _check_heights(c: _Checker, takeoff_alt_m: float) -> None:
    limit = c.limits.max_height_m
    if takeoff_alt_m > limit:
        c.add(
            Code.CEILING,
            _("The take-off height is %(value).0f m, above the %(limit).0f m ceiling.")
            % {"value": takeoff_alt_m, "limit": limit},
            limit=limit,
            value=takeoff_alt_m,
            geometry=c.point_geojson(None),
        )
    for i in np.flatnonzero(c.alt > limit):
        c.add(
            Code.CEILING,
            _("Waypoint %(n)d is %(value).0f m high, above the %(limit).0f m ceiling.")
            % {"n": i + 1, "value": c.alt[i], "limit": limit},
            waypoint=int(i),
            limit=limit,
            value=float(c.alt[i]),
            geometry=c.point_geojson(int(i)),
        )


def _check_line_of_sight(c: _Checker) -> None:
    # The farthest point of a straight segment from a point is one of its ends (distance is convex
    # along the segment), so the waypoints decide it for the segments as well.
    limit = c.limits.max_distance_m
    distance = np.hypot(c.x - c.lx, c.y - c.ly)
    for i in np.flatnonzero(distance > limit):
        c.add(
            Code.LINE_OF_SIGHT,
            _("Waypoint %(n)d is %(value).0f m from the launch point; the limit is %(limit).0f m (line of sight).")
            % {"n": i + 1, "value": distance[i], "limit": limit},
            waypoint=int(i),
            limit=limit,
            value=round(float(distance[i]), 1),
            geometry=c.point_geojson(int(i)),
        )


def _operating_area(c: _Checker, operating_area: dict[str, Any] | None):
    if operating_area:
        try:
            return c.frame.to_local(polygon_from_geojson(operating_area)), False
        except GeometryError as exc:
            c.add(
                Code.INVALID_AREA,
                _("The operating area is not a usable polygon: %(error)s. The default area is used instead.")
                % {"error": exc},
            )
    return _default_area(c, c.limits.area_margin_m), True


def _zones_near(c: _Checker, index: AirspaceIndex, area_local) -> tuple[np.ndarray, list[ZoneRef]]:
    """The zones near the mission, in local metres (one projection call for all of them)."""
    if not len(index):
        return np.empty(0, dtype=object), []
    minx, miny, maxx, maxy = shapely.bounds(
        shp.MultiPoint([(c.lx, c.ly), *zip(c.x, c.y, strict=True)]).union(area_local)
    )
    # All four corners (the UTM grid is turned against the meridians), padded past the clipping margin.
    pad = _CLIP_MARGIN_M + 30.0
    lat, lon = c.frame.latlon(
        [minx - pad, maxx + pad, minx - pad, maxx + pad], [miny - pad, miny - pad, maxy + pad, maxy + pad]
    )
    near = index.near((float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())))
    if not len(near):
        return np.empty(0, dtype=object), []
    local = c.frame.to_local(index.geometries[near])
    shapely.prepare(local)
    return local, [index.refs[i] for i in near]


def _excluded(ref: ZoneRef, approval_ref: str) -> bool:
    return ref.kind in (NO_FLY, AIRPORT) or (ref.kind == RESTRICTED and not approval_ref)


def _exclusions(zones_local: np.ndarray, refs: list[ZoneRef], area_local, approval_ref: str) -> list:
    """The keep-out zones meeting the operating area, clipped to it (with a margin), local metres."""
    if not len(refs):
        return []
    clip = area_local.buffer(_CLIP_MARGIN_M, quad_segs=2)
    keep = np.fromiter((_excluded(r, approval_ref) for r in refs), bool, len(refs))
    keep &= shapely.intersects(zones_local, clip)
    parts = []
    for geometry in shapely.intersection(zones_local[keep], clip):
        parts.extend(polygon_parts(geometry))
    return parts


def _fence(c: _Checker, area_local, exclusions_local: list):
    """The inclusion polygon as uploaded (local), the exclusions as GeoJSON, the simplification used."""
    try:
        plan = plan_local(area_local, exclusions_local, c.frame)
    except FenceError as exc:
        c.add(Code.FENCE, exc.message, geometry=c.frame.geojson(area_local))
        return None, [], 0.0
    exclusions = [json.loads(shapely.to_geojson(p)) for p in plan.exclusions]
    return c.frame.to_local(plan.inclusion), exclusions, plan.simplified_m


def _check_area(c: _Checker, legs: _Legs, area) -> None:
    shapely.prepare(area)
    limits = c.limits
    inside = shapely.covers(area, c.points) if len(c.points) else np.empty(0, dtype=bool)
    launch_inside = area.covers(c.launch_point)
    if not launch_inside:
        c.add(
            Code.OUTSIDE_AREA,
            _("The launch point is outside the operating area; the fence would not let the drone arm."),
            geometry=c.point_geojson(None),
        )
    edge_distance = shapely.distance(area.boundary, c.points) if len(c.points) else np.empty(0)
    for i in range(len(c.points)):
        if not inside[i]:
            outside_by = float(area.distance(c.points[i]))
            c.add(
                Code.OUTSIDE_AREA,
                _("Waypoint %(n)d is %(value).0f m outside the operating area.") % {"n": i + 1, "value": outside_by},
                waypoint=i,
                limit=0.0,
                value=round(outside_by, 1),
                geometry=c.point_geojson(i),
            )
        elif edge_distance[i] < limits.fence_margin_m:
            c.add(
                Code.NEAR_AREA_EDGE,
                _(
                    "Waypoint %(n)d is %(value).1f m from the edge of the operating area; keep at least %(limit).0f m "
                    "(the fence margin, where the autopilot stops the drone)."
                )
                % {"n": i + 1, "value": edge_distance[i], "limit": limits.fence_margin_m},
                waypoint=i,
                limit=limits.fence_margin_m,
                value=round(float(edge_distance[i]), 2),
                geometry=c.point_geojson(i),
            )
    if not len(legs.lines):
        return
    ends_inside = np.concatenate([[launch_inside], inside, [launch_inside]])
    covered = shapely.covers(area, legs.lines)
    for k in np.flatnonzero(~covered & ends_inside[:-1] & ends_inside[1:]):
        outside = legs.lines[k].difference(area)
        c.add(
            Code.OUTSIDE_AREA,
            _("Segment %(segment)s leaves the operating area for %(value).0f m.")
            % {"segment": legs.label(k), "value": outside.length},
            segment=(legs.starts[k], legs.ends[k]),
            limit=0.0,
            value=round(float(outside.length), 1),
            geometry=c.frame.geojson(outside),
        )


_ZONE_CODES = {NO_FLY: Code.NO_FLY, AIRPORT: Code.AIRPORT, RESTRICTED: Code.RESTRICTED}


def _geojsons(c: _Checker, geometries: np.ndarray) -> list[dict[str, Any] | None]:
    """Local geometries as WGS-84 GeoJSON dicts, with one projection call for all of them."""
    if not len(geometries):
        return []
    texts = shapely.to_geojson(c.frame.to_wgs84(geometries))
    return [json.loads(t) if t is not None else None for t in texts]


def _check_zones(c: _Checker, legs: _Legs, zones_local: np.ndarray, refs: list[ZoneRef], approval_ref: str) -> None:
    if not len(refs):
        return
    words = {NO_FLY: _("no-fly zone"), AIRPORT: _("airport clearance area"), RESTRICTED: _("restricted zone")}
    inside_text = _("%(where)s is inside %(kind)s “%(zone)s”.")
    crossing_text = _("Segment %(segment)s crosses %(kind)s “%(zone)s” for %(length).0f m.")
    texts = _ZoneTexts(approval_ref)
    tree = shapely.STRtree(zones_local)
    # Waypoints (and the launch point) inside a zone.
    targets = np.concatenate([[c.launch_point], c.points]) if len(c.points) else np.asarray([c.launch_point])
    point_idx, zone_idx = tree.query(targets, predicate="intersects")
    inside: set[tuple[int | None, int]] = set()
    for p, z in zip(point_idx.tolist(), zone_idx.tolist(), strict=True):
        waypoint = None if p == 0 else p - 1
        inside.add((waypoint, z))
        ref = refs[z]
        message = inside_text % {
            "where": _point_label(waypoint).capitalize(),
            "kind": words.get(ref.kind, ref.kind),
            "zone": ref.name,
        }
        _zone_violation(c, ref, texts, message, waypoint=waypoint, geometry=c.point_geojson(waypoint))
    if not len(legs.lines):
        return
    leg_idx, zone_idx = tree.query(legs.lines, predicate="intersects")
    keep = np.fromiter(
        (
            (legs.starts[k], z) not in inside and (legs.ends[k], z) not in inside
            for k, z in zip(leg_idx.tolist(), zone_idx.tolist(), strict=True)
        ),
        bool,
        len(leg_idx),
    )
    leg_idx, zone_idx = leg_idx[keep], zone_idx[keep]
    crossings = shapely.intersection(legs.lines[leg_idx], zones_local[zone_idx])
    lengths = shapely.length(crossings)
    geometries = _geojsons(c, crossings)
    for k, z, length, geometry in zip(leg_idx.tolist(), zone_idx.tolist(), lengths.tolist(), geometries, strict=True):
        ref = refs[z]
        message = crossing_text % {
            "segment": legs.label(k),
            "kind": words.get(ref.kind, ref.kind),
            "zone": ref.name,
            "length": length,
        }
        _zone_violation(
            c,
            ref,
            texts,
            message,
            segment=(legs.starts[k], legs.ends[k]),
            value=round(float(length), 1),
            geometry=geometry,
        )


class _ZoneTexts:
    """The sentences added to restricted-zone messages, translated once per check."""

    def __init__(self, approval_ref: str):
        self.approval_ref = approval_ref
        self.approved = _("Allowed by flight approval %(ref)s.") % {"ref": approval_ref} if approval_ref else ""
        self.needs_approval = _("Flying there needs a flight approval reference.")


def _zone_violation(c: _Checker, ref: ZoneRef, texts: _ZoneTexts, message: str, **where) -> None:
    if ref.kind == RESTRICTED:
        if texts.approval_ref:
            c.notices.append(
                Violation(str(Code.RESTRICTED_APPROVED), f"{message} {texts.approved}", zone=ref.name, **where)
            )
            return
        message = f"{message} {texts.needs_approval}"
    code = _ZONE_CODES.get(ref.kind, Code.NO_FLY)
    c.add(code, message, zone=ref.name, limit=0.0, **where)


def _dedupe_crowds(crowds: Iterable[tuple[dict[str, Any], float, str]]) -> list[tuple[Any, float, str]]:
    seen = set()
    found = []
    for geometry, min_alt_m, name in crowds:
        key = (name, float(min_alt_m), json.dumps(geometry, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        shape = _repaired([_zone_shape(geometry)])[0]
        if shape is not None:
            found.append((shape, float(min_alt_m), str(name)))
    return found


def _check_crowds(c: _Checker, legs: _Legs, crowds) -> None:
    found = _dedupe_crowds(crowds)
    if not found:
        return
    launch_text = _(
        "The launch point is inside crowd area “%(zone)s”: take-off and landing would pass below %(limit).0f m over it."
    )
    waypoint_text = _("Waypoint %(n)d is %(value).0f m over crowd area “%(zone)s”; fly at least %(limit).0f m there.")
    segment_text = _(
        "Segment %(segment)s passes over crowd area “%(zone)s” as low as %(value).0f m; "
        "fly at least %(limit).0f m there."
    )
    shapes = c.frame.to_local(np.asarray([f[0] for f in found], dtype=object))
    shapely.prepare(shapes)
    for shape, (_geometry, min_alt, name) in zip(shapes, found, strict=True):
        launch_inside = shape.covers(c.launch_point)
        if launch_inside:
            c.add(
                Code.CROWD_TOO_LOW,
                launch_text % {"zone": name, "limit": min_alt},
                zone=name,
                limit=min_alt,
                value=0.0,
                geometry=c.point_geojson(None),
            )
        # Heights already reported at the ends of a leg: the launch point (the ground) and low waypoints.
        reported: dict[int | None, float] = {None: 0.0} if launch_inside else {}
        if len(c.points):
            for i in np.flatnonzero(shapely.covers(shape, c.points) & (c.alt < min_alt)):
                reported[int(i)] = float(c.alt[i])
                c.add(
                    Code.CROWD_TOO_LOW,
                    waypoint_text % {"n": i + 1, "value": c.alt[i], "zone": name, "limit": min_alt},
                    waypoint=int(i),
                    zone=name,
                    limit=min_alt,
                    value=float(c.alt[i]),
                    geometry=c.point_geojson(int(i)),
                )
        if not len(legs.lines):
            continue
        for k in np.flatnonzero(shapely.intersects(shape, legs.lines)):
            portion = legs.lines[k].intersection(shape)
            lowest = _lowest_over(legs, int(k), portion)
            if lowest is None or lowest >= min_alt:
                continue
            ends = (legs.starts[k], legs.ends[k])
            if any(end in reported and reported[end] <= lowest + 0.5 for end in ends):
                continue  # no lower than what is reported at the waypoint (or the launch point) already
            c.add(
                Code.CROWD_TOO_LOW,
                segment_text % {"segment": legs.label(k), "zone": name, "value": lowest, "limit": min_alt},
                segment=ends,
                zone=name,
                limit=min_alt,
                value=round(lowest, 1),
                geometry=c.frame.geojson(portion),
            )


def _lowest_over(legs: _Legs, k: int, portion) -> float | None:
    """The lowest height of leg ``k`` over ``portion`` (the part of the leg inside an area).

    The height changes linearly along the leg, so its minimum over the part inside
    the area is at one end of that part: where the leg enters or leaves, or a
    waypoint inside.
    """
    if portion.is_empty:
        return None
    line = legs.lines[k]
    a, b = float(legs.alt_from[k]), float(legs.alt_to[k])
    length = line.length
    lowest = math.inf
    for part in getattr(portion, "geoms", [portion]):
        coords = list(part.coords)
        for point in (coords[0], coords[-1]) if coords else ():
            t = line.project(shp.Point(point)) / length if length else 0.0
            lowest = min(lowest, a + (b - a) * t)
    return lowest if math.isfinite(lowest) else None


# --- a stored mission -----------------------------------------------------------------------------------


def check_mission(mission, *, at: dt.datetime | None = None, limits: Limits | None = None) -> CheckResult:
    """Check a stored ``Mission`` against the airspace in force and the crowds at ``at``.

    ``at`` defaults to the mission's planned start, else now. The launch point is
    the mission's, else its drone's home; the speed the mission's, else the
    drone's cruise speed. A route that cannot even be parsed gives one
    ``invalid_route`` violation per problem.
    """
    from django.utils import timezone

    from drones.airspace.selectors import airspace_in_force
    from drones.missions.markets import crowd_areas
    from drones.missions.route import RouteError, parse_route

    at = at or mission.planned_start or timezone.now()
    drone = mission.drone
    launch = (
        (mission.launch_lat, mission.launch_lon)
        if mission.launch_lat is not None and mission.launch_lon is not None
        else (drone.home_lat, drone.home_lon)
    )
    if launch[0] is None or launch[1] is None:
        violation = Violation(
            str(Code.BAD_LAUNCH), _("The mission has no launch point and its drone has no home position.")
        )
        return CheckResult([violation], None)
    try:
        route = parse_route(mission.waypoints)
    except RouteError as exc:
        violations = [
            Violation(
                str(Code.INVALID_ROUTE),
                (
                    _("Waypoint %(n)d: %(field)s %(message)s")
                    % {"n": p["waypoint"] + 1, "field": p.get("field") or "", "message": p["message"]}
                    if p.get("waypoint") is not None
                    else p["message"]
                ),
                waypoint=p.get("waypoint"),
            )
            for p in exc.problems
        ]
        return CheckResult(violations, None)
    return check_route(
        route,
        launch=(float(launch[0]), float(launch[1])),
        takeoff_alt_m=mission.takeoff_alt_m,
        speed_mps=mission.speed_mps or drone.cruise_speed_mps,
        drone_endurance_min=drone.endurance_min,
        operating_area=mission.operating_area or None,
        airspaces=airspace_in_force(at, kinds=(NO_FLY, RESTRICTED, AIRPORT)),
        crowds=crowd_areas(at),
        approval_ref=mission.approval_ref,
        limits=limits,
    )
