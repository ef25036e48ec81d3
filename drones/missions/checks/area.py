"""Where the drone may fly: the operating area (as drawn, else the default around the route), the
fence uploaded from it with the keep-out zones as exclusions (``fence``), and the check that the launch
point, the waypoints and every leg stay inside it, away from its edge (``outside_area``,
``near_area_edge``)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely import geometry as shp

from common.geo import GeometryError, polygon_from_geojson
from drones.missions.checks.checker import _Checker, _Legs
from drones.missions.checks.limits import _CLIP_MARGIN_M
from drones.missions.checks.results import Code
from drones.missions.checks.zones import AIRPORT, NO_FLY, RESTRICTED, ZoneRef
from drones.missions.fence import FenceError, plan_local
from drones.missions.frame import polygon_parts


def _default_area(checker: _Checker, margin_m: float):
    points = [checker.launch_point, *checker.points]
    return shp.MultiPoint(points).convex_hull.buffer(margin_m, quad_segs=4)


def default_operating_area(route, launch: tuple[float, float], limits=None) -> dict[str, Any]:
    """The operating area the checks use when a mission has none (WGS-84 GeoJSON): around the launch
    point and the route, ``limits.area_margin_m`` wide."""
    from drones.missions.checks.limits import Limits

    checker = _Checker(route, launch, limits or Limits.from_settings())
    return checker.frame.geojson(_default_area(checker, checker.limits.area_margin_m))


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


def checked_area(fence_local, area_local):
    """What the drone may fly in (local): the inclusion fence as uploaded, or the area as drawn, without
    the area's holes (a mission's own no-fly areas, e.g. a ``.plan``'s exclusion shapes): the upload
    makes them exclusions, so the checks keep the route out of them too."""
    area = fence_local if fence_local is not None else area_local
    holes = [shp.Polygon(ring) for part in polygon_parts(area_local) for ring in part.interiors]
    return area.difference(shapely.union_all(holes)) if holes else area


def _in_hole(area, point) -> bool:
    """Whether ``point`` is outside ``area`` only because of one of its holes (a no-fly area of the mission)."""
    return any(shp.Polygon(part.exterior).covers(point) for part in polygon_parts(area) if part.interiors)


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
            message = (
                _("Waypoint %(n)d is in a no-fly area of the mission, %(value).0f m from its edge.")
                if _in_hole(area, c.points[i])
                else _("Waypoint %(n)d is %(value).0f m outside the operating area.")
            )
            c.add(
                Code.OUTSIDE_AREA,
                message % {"n": i + 1, "value": outside_by},
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
