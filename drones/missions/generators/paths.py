"""The path helpers the generators share: a path in local metres (``LocalFrame``) to WGS-84 waypoints,
its length, the suggested operating area around it, and the flight time estimate from the ArduCopter 4.7
defaults (climb, acceleration, descent and landing speeds)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from shapely import geometry as shp
from shapely.geometry.polygon import orient

from common.geo import geometry_to_geojson
from drones.missions.frame import LocalFrame
from drones.missions.route import Waypoint

DEFAULT_CRUISE_MPS = 8.0  # Drone.cruise_speed_mps default, for estimates when no speed is set
CLIMB_MPS = 2.5  # WPNAV_SPEED_UP 250 cm/s
ACCEL_MPS2 = 2.5  # WPNAV_ACCEL 250 cm/s²
DESCENT_MPS, LAND_MPS, LAND_ALT_LOW_M = 1.5, 0.5, 10.0  # WPNAV_SPEED_DN, LAND_SPEED, LAND_ALT_LOW


def _waypoints(
    local: LocalFrame, points_xy: Sequence[tuple[float, float]], alt_m: float, *, speaker: bool = False
) -> list[Waypoint]:
    """WGS-84 waypoints; with ``speaker`` the first switches the loudspeaker on and the last off."""
    route = []
    for x, y in points_xy:
        lat, lon = local.point_latlon(x, y)
        route.append(Waypoint(round(lat, 8), round(lon, 8), alt_m))  # 1e-8° ≈ 1 mm
    if speaker and route:
        route[0] = Waypoint(route[0].lat, route[0].lon, alt_m, speaker=True)
        route[-1] = Waypoint(route[-1].lat, route[-1].lon, alt_m, speaker=False)
    return route


def _path_length(points_xy: Sequence[tuple[float, float]]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points_xy, points_xy[1:], strict=False))


def _operating_area(local: LocalFrame, points_xy: Sequence[tuple[float, float]], margin_m: float) -> dict[str, Any]:
    """The convex hull of the route and launch point, at least ``margin_m`` wider, as a WGS-84 GeoJSON Polygon.

    Few vertices (each is a fence item): mitred corners (bevelled past twice the margin) and square
    ends lie outside the round buffer, so every point of the route keeps at least ``margin_m``.
    """
    hull = shp.MultiPoint(list(points_xy)).convex_hull
    hull = hull.buffer(margin_m, cap_style="square", join_style="mitre", mitre_limit=2.0)
    return geometry_to_geojson(orient(local.to_wgs84(hull), sign=1.0))


def _out_and_back_m(local: LocalFrame, start: tuple[float, float], points_xy: Sequence[tuple[float, float]]) -> float:
    """Metres from the launch point (WGS-84 lat, lon) to the first point and from the last point back."""
    home = local.point_xy(*start)
    return math.dist(home, points_xy[0]) + math.dist(points_xy[-1], home)


def _flight_s(route_s: float, *, alt_m: float, transit_m: float, speed_mps: float) -> float:
    """Take-off, transit out and back, the route, and the landing (RTL descent), in seconds."""
    climb = alt_m / CLIMB_MPS
    descent = max(0.0, alt_m - LAND_ALT_LOW_M) / DESCENT_MPS + min(alt_m, LAND_ALT_LOW_M) / LAND_MPS
    return climb + transit_m / speed_mps + route_s + descent
