"""Where a generated route takes off: one rule for the mission generator and the campaign planner.

A launch point must keep every waypoint within line of sight (``DRONE_MAX_DISTANCE_M``, with a tenth to
spare for drift: ``IN_SIGHT_SHARE``) and lie outside the crowd the route flies over (a market's crowd
area, and ``stand_off_m`` clear of the route itself). The drone's home is taken when it qualifies; else
the candidate nearest the home (or, without one, nearest the route's first waypoint) that qualifies.
Candidates are the caller's own (the campaign planner knows market streets) followed by points all
round the route's stand-off ring, so a long street whose ends are out of sight of each other still gets
a launch point beside its middle. When no candidate qualifies the one with the nearest farthest waypoint
is returned with ``in_sight=False``, and the caller says so (the checks then report the waypoints out of
sight)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely import geometry as shp

from drones.missions.frame import LocalFrame

IN_SIGHT_SHARE = 0.9
STAND_OFF_M = 40.0
RING_STEP_M = 10.0


@dataclass(frozen=True)
class LaunchChoice:
    """The chosen launch point (WGS-84 degrees) and how far its farthest waypoint is."""

    point: tuple[float, float] | None
    farthest_m: float | None
    limit_m: float
    in_sight: bool
    at_home: bool = False


def _coords(route: Sequence[Any]) -> list[tuple[float, float]]:
    return [(float(w.lat), float(w.lon)) if hasattr(w, "lat") else (float(w[0]), float(w[1])) for w in route]


def launch_ring(
    route: Sequence[Any], *, crowd: dict[str, Any] | None = None, stand_off_m: float = STAND_OFF_M
) -> list[tuple[float, float]]:
    """Points every ``RING_STEP_M`` round the route (and the crowd area) ``stand_off_m`` out."""
    points = _coords(route)
    if not points:
        return []
    frame = LocalFrame(*points[0])
    xs, ys = frame.xy([p[0] for p in points], [p[1] for p in points])
    local = shp.MultiPoint(list(zip(xs.tolist(), ys.tolist(), strict=True))).convex_hull
    if crowd:
        local = local.union(frame.to_local(shp.shape(crowd)))
    ring = local.buffer(stand_off_m, quad_segs=8)
    ring = max(getattr(ring, "geoms", [ring]), key=lambda g: g.area).exterior
    count = max(8, math.ceil(ring.length / RING_STEP_M))
    found = []
    for k in range(count):
        p = ring.interpolate(k / count, normalized=True)
        lat, lon = frame.latlon([p.x], [p.y])
        found.append((round(float(lat[0]), 7), round(float(lon[0]), 7)))
    return found


def launch_choose(
    route: Sequence[Any],
    *,
    home: tuple[float, float] | None,
    max_distance_m: float,
    candidates: Iterable[tuple[float, float]] = (),
    crowd: dict[str, Any] | None = None,
    stand_off_m: float = STAND_OFF_M,
) -> LaunchChoice:
    """The launch point for ``route`` (waypoints with ``lat``/``lon``, or (lat, lon) pairs)."""
    limit = IN_SIGHT_SHARE * max_distance_m
    points = _coords(route)
    if not points:
        return LaunchChoice(home, None, limit, home is not None, at_home=home is not None)
    frame = LocalFrame(*points[0])
    xs, ys = frame.xy([p[0] for p in points], [p[1] for p in points])
    crowd_local = frame.to_local(shp.shape(crowd)) if crowd else None

    def local(point: tuple[float, float]) -> tuple[float, float]:
        px, py = frame.xy([point[0]], [point[1]])
        return float(px[0]), float(py[0])

    def farthest(point: tuple[float, float]) -> float:
        px, py = local(point)
        return float(np.max(np.hypot(xs - px, ys - py)))

    def in_crowd(point: tuple[float, float]) -> bool:
        return crowd_local is not None and crowd_local.covers(shp.Point(*local(point)))

    if home is not None and not in_crowd(home):
        far = farthest(home)
        if far <= limit:
            return LaunchChoice(home, round(far, 1), limit, True, at_home=True)
    ax, ay = local(home if home is not None else points[0])
    own = [c for c in ((float(lat), float(lon)) for lat, lon in candidates) if not in_crowd(c)]

    def ring() -> list[tuple[float, float]]:  # stand_off_m outside the route and the crowd by construction
        found = launch_ring(points, crowd=crowd, stand_off_m=stand_off_m)
        return sorted(found, key=lambda p: math.dist(local(p), (ax, ay)))

    best: tuple[float, tuple[float, float]] | None = None
    for group in (lambda: own, ring):  # the caller's candidates in their order first, then the ring nearest first
        for point in group():
            far = farthest(point)
            if far <= limit:
                return LaunchChoice(point, round(far, 1), limit, True)
            if best is None or far < best[0]:
                best = (far, point)
    if best is None:
        return LaunchChoice(home, None, limit, False, at_home=home is not None)
    return LaunchChoice(best[1], round(best[0], 1), limit, best[0] <= max_distance_m)
