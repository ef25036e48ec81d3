"""The geofence and rally points the autopilot enforces on board, as MAVLink items.

What ArduCopter 4.7 accepts (recorded from SITL, the SITL recordings in shared/ardupilot, scenario 05):

- Fence items go up with mission_type 1 (FENCE), frame 0 (MAV_FRAME_GLOBAL), z 0,
  x/y = latitude/longitude: ``MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION`` (5001)
  and ``..._EXCLUSION`` (5002), one item per vertex, ``param1`` = the polygon's
  vertex count on every one of its items, the ring not closed (a square is 4
  items). A polygon with fewer than 3 vertices is refused (``MISSION_ACK 1`` +
  ``Invalid vertex count (2)``). The download returns the items unchanged.
- ``FENCE_TOTAL`` does not count items: 9 uploaded items (4 inclusion, 4
  exclusion, 1 circle) gave ``FENCE_TOTAL 11``. It is an INT8 parameter
  (PARAM_VALUE param_type 2), so the stored total cannot exceed 127. Verify an
  upload by downloading the items, not by reading FENCE_TOTAL.
- Rally points: ``MAV_CMD_NAV_RALLY_POINT`` (5100), mission_type 2, frame 3
  (GLOBAL_RELATIVE_ALT), z = height above home. ``RALLY_TOTAL`` is INT8 as well.
  With ``RALLY_LIMIT_KM`` 0.3 the vehicle ignores rally points more than 300 m
  away and returns home instead.

The parameter list (params_copter_4.7_indexed.json) has no explicit vertex
limit; what bounds a fence is that INT8 total and the fence storage. We keep a
fence to ``FENCE_MAX_ITEMS`` = 100 items, leaving room under 127 for what
FENCE_TOTAL adds per polygon. Polygons with more vertices are simplified in
the UTM frame with a growing tolerance: the inclusion polygon only ever
shrinks (it stays inside the operating area) and exclusions only ever grow (they
still cover the whole zone), so simplifying never lets the vehicle into more
airspace than the checks allowed.

Also worth knowing when enabling the fence: ``FENCE_TYPE`` 7 includes the
altitude fence, and ``FENCE_ALT_MAX`` defaults to 100 m, below the 120 m
ceiling; set it to ``DRONE_MAX_HEIGHT_M``. ``FENCE_MARGIN`` is 2 m and AC_Avoid
holds the vehicle about that far inside an edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely import geometry as shp

from common.geo import GeometryError, point_problem, validate_polygon
from drones.missions.frame import LocalFrame, polygon_parts
from drones.vehicle import MissionItem

FENCE_POLYGON_VERTEX_INCLUSION = 5001
FENCE_POLYGON_VERTEX_EXCLUSION = 5002
RALLY_POINT = 5100
FRAME_GLOBAL = 0
FRAME_GLOBAL_RELATIVE_ALT = 3

FENCE_MAX_ITEMS = 100
RALLY_MAX_POINTS = 100
MIN_VERTICES = 3
# Simplification tolerances tried in turn, metres.
SIMPLIFY_STEPS_M = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
_POLYGON = 3  # shapely type id
# Exclusion slivers smaller than this (m²) are drawing noise along the area's edge.
_MIN_EXCLUSION_M2 = 1.0


class FenceError(ValueError):
    """The fence or the rally points cannot be built; ``code`` and a human ``message``."""

    def __init__(self, message: str, *, code: str = "fence"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class FencePlan:
    """The polygons as they will be uploaded (WGS-84 shapely), and how much they were simplified."""

    inclusion: shp.Polygon
    exclusions: tuple[shp.Polygon, ...]
    simplified_m: float  # 0 when no polygon had to be simplified

    def items(self) -> list[MissionItem]:
        items = _ring_items(self.inclusion, FENCE_POLYGON_VERTEX_INCLUSION)
        for polygon in self.exclusions:
            items.extend(_ring_items(polygon, FENCE_POLYGON_VERTEX_EXCLUSION))
        return items


def _vertices(polygon) -> list[tuple[float, float]]:
    """The exterior ring's vertices (lon, lat), not closed."""
    coords = list(polygon.exterior.coords)
    if len(coords) > 1 and coords[0] == coords[-1]:
        coords = coords[:-1]
    return coords


def _ring_items(polygon, command: int) -> list[MissionItem]:
    vertices = _vertices(polygon)
    return [
        MissionItem(command=command, frame=FRAME_GLOBAL, x=lat, y=lon, z=0.0, param1=float(len(vertices)))
        for lon, lat in vertices
    ]


def _as_shape(value, what: str):
    if isinstance(value, dict):
        try:
            return validate_polygon(shp.shape(value))
        except (GeometryError, ValueError, TypeError, AttributeError, KeyError) as exc:
            raise FenceError(
                _("The %(what)s is not a usable polygon: %(error)s") % {"what": what, "error": exc}
            ) from None
    return value


def _count(polygons) -> int:
    return sum(len(_vertices(p)) for p in polygons)


def _vertex_counts(polygons: np.ndarray) -> np.ndarray:
    return shapely.get_num_coordinates(shapely.get_exterior_ring(polygons)) - 1


def _largest(geometry):
    parts = [p for p in polygon_parts(geometry) if not p.is_empty]
    return max(parts, key=lambda p: p.area) if parts else None


def _shrink(polygon, tolerance_m: float):
    """A simpler polygon inside ``polygon`` (local metres), or None if none is found."""
    for factor in (1.0, 2.0, 3.0):
        candidate = _largest(
            polygon.buffer(-factor * tolerance_m, join_style="mitre", mitre_limit=5.0).simplify(
                tolerance_m, preserve_topology=True
            )
        )
        if candidate is not None and polygon.buffer(1e-6).covers(candidate):
            return candidate
    return None


def _grow(polygons: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Simpler polygons each covering its original (local metres), all at once; a convex hull at worst."""
    result = np.empty(len(polygons), dtype=object)
    todo = np.arange(len(polygons))
    for factor in (1.0, 2.0, 3.0):
        if not len(todo):
            break
        grown = shapely.buffer(polygons[todo], factor * tolerance_m, join_style="mitre", mitre_limit=5.0)
        candidates = shapely.simplify(grown, tolerance_m, preserve_topology=True)
        ok = (shapely.get_type_id(candidates) == _POLYGON) & shapely.covers(
            shapely.buffer(candidates, 1e-6), polygons[todo]
        )
        result[todo[ok]] = candidates[ok]
        todo = todo[~ok]
    if len(todo):
        result[todo] = shapely.convex_hull(polygons[todo])
    return result


def _too_large(count: int, max_items: int) -> FenceError:
    return FenceError(
        _(
            "The fence needs %(count)d vertices and the autopilot takes at most %(max)d, even after "
            "simplifying the polygons; draw a smaller or simpler operating area, or split the mission."
        )
        % {"count": count, "max": max_items},
        code="fence_too_large",
    )


def plan_local(inclusion, exclusions: Sequence, frame: LocalFrame, *, max_items: int = FENCE_MAX_ITEMS) -> FencePlan:
    """``fence_plan`` on polygons already in ``frame``'s metres (the checks use this)."""
    holes = [shp.Polygon(ring) for ring in inclusion.interiors]
    inclusion = shp.Polygon(inclusion.exterior)
    parts = [p for e in exclusions for p in polygon_parts(e)]
    parts.extend(holes)
    excluded = np.asarray([shp.Polygon(p.exterior) for p in parts if p.area >= _MIN_EXCLUSION_M2], dtype=object)
    counts = _vertex_counts(excluded) if len(excluded) else np.zeros(0, dtype=int)
    total = len(_vertices(inclusion)) + int(counts.sum())
    simplified = 0.0
    if total > max_items:
        # Overlapping exclusions become one (holes in the union are dropped: more is kept out, not less).
        if len(excluded) > 1:
            excluded = np.asarray(
                [shp.Polygon(p.exterior) for p in polygon_parts(shapely.union_all(excluded))], dtype=object
            )
        if MIN_VERTICES * (1 + len(excluded)) > max_items:
            raise _too_large(total, max_items)
        for tolerance in SIMPLIFY_STEPS_M:
            smaller = _shrink(inclusion, tolerance)
            if smaller is None:
                break
            grown = _grow(excluded, tolerance) if len(excluded) else excluded
            count = len(_vertices(smaller)) + (int(_vertex_counts(grown).sum()) if len(grown) else 0)
            if count <= max_items:
                inclusion, excluded, simplified = smaller, grown, tolerance
                break
        if not simplified:
            raise _too_large(total, max_items)
    for polygon in [inclusion, *excluded]:
        if len(_vertices(polygon)) < MIN_VERTICES or not polygon.is_valid:
            raise FenceError(_("A fence polygon needs at least three vertices and must not cross itself."))
    wgs = frame.to_wgs84(np.asarray([inclusion, *excluded], dtype=object))
    return FencePlan(
        inclusion=wgs[0],
        exclusions=tuple(shapely.normalize(p) for p in wgs[1:]),
        simplified_m=simplified,
    )


def fence_plan(
    operating_area: dict[str, Any] | shp.Polygon,
    exclusions: Sequence[dict[str, Any] | shp.Polygon] = (),
    *,
    max_items: int = FENCE_MAX_ITEMS,
) -> FencePlan:
    """The fence polygons as they will be uploaded: one inclusion polygon and exclusion polygons.

    ``operating_area`` and ``exclusions`` are WGS-84 (GeoJSON dicts or shapely
    polygons). Holes of the operating area become exclusions. Exclusions keep
    only their outer ring (a hole in a no-fly zone is not airspace to rely on).
    Raises ``FenceError`` when the area is not one polygon or the fence cannot
    be made to fit ``max_items``.
    """
    area = _as_shape(operating_area, _("operating area"))
    if area.geom_type == "MultiPolygon":
        if len(area.geoms) != 1:
            raise FenceError(
                _("The operating area has %(n)d separate parts; the autopilot's inclusion fence must be one polygon.")
                % {"n": len(area.geoms)},
                code="area_not_single",
            )
        area = area.geoms[0]
    if area.geom_type != "Polygon":
        raise FenceError(_("The operating area must be a polygon."), code="area_not_single")
    centre = area.representative_point()
    frame = LocalFrame(centre.y, centre.x)
    shapes = [
        _as_shape(exclusion, _("exclusion zone %(n)d") % {"n": index + 1}) for index, exclusion in enumerate(exclusions)
    ]
    local = frame.to_local(np.asarray([area, *shapes], dtype=object))
    return plan_local(local[0], list(local[1:]), frame, max_items=max_items)


def fence_items(
    operating_area: dict[str, Any] | shp.Polygon,
    exclusions: Sequence[dict[str, Any] | shp.Polygon] = (),
    *,
    max_items: int = FENCE_MAX_ITEMS,
) -> list[MissionItem]:
    """Fence mission items (upload with ``MissionType.FENCE``): the inclusion polygon, then each exclusion.

    See ``fence_plan`` for the inputs. Every item: frame 0, x = latitude,
    y = longitude (degrees), z = 0, param1 = its polygon's vertex count.
    """
    return fence_plan(operating_area, exclusions, max_items=max_items).items()


def _rally_point(point) -> tuple[float, float, float]:
    if isinstance(point, dict):
        return point.get("lat"), point.get("lon"), point.get("alt_m", point.get("alt"))
    return tuple(point)  # (lat, lon, alt_m)


def rally_items(points: Sequence[Any], *, max_points: int = RALLY_MAX_POINTS) -> list[MissionItem]:
    """Rally point items (upload with ``MissionType.RALLY``): command 5100, frame 3, z = metres above home.

    ``points``: dicts ``{"lat", "lon", "alt_m"}`` (as ``Mission.rally_points``
    holds them) or ``(lat, lon, alt_m)`` tuples, WGS-84. Raises ``FenceError``
    naming the first bad point.
    """
    if len(points) > max_points:
        raise FenceError(
            _("%(n)d rally points; the autopilot takes at most %(max)d.") % {"n": len(points), "max": max_points},
            code="rally",
        )
    items = []
    for index, point in enumerate(points):
        try:
            lat, lon, alt_m = (float(v) for v in _rally_point(point))
        except (TypeError, ValueError):
            raise FenceError(
                _("Rally point %(n)d needs a latitude, a longitude and a height.") % {"n": index + 1}, code="rally"
            ) from None
        problem = point_problem(lat, lon)
        if problem or alt_m < 0:
            raise FenceError(
                _("Rally point %(n)d: %(problem)s")
                % {"n": index + 1, "problem": problem or _("the height must not be negative")},
                code="rally",
            )
        items.append(MissionItem(command=RALLY_POINT, frame=FRAME_GLOBAL_RELATIVE_ALT, x=lat, y=lon, z=alt_m))
    return items
