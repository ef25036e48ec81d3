"""The crowd check (``crowd_too_low``): over a crowd area (a crowd zone, a market in session) at least
its minimum height, at the waypoints and along the legs, and no launch point inside one."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely import geometry as shp

from drones.missions.checks.checker import _Checker, _Legs
from drones.missions.checks.results import Code
from drones.missions.checks.zones import _repaired, _zone_shape


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
