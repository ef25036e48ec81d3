"""Heights above the ground, with a terrain model (``drones.terrain``): ``terrain_ceiling``,
``terrain_clearance`` and the notice ``terrain_unknown``.

Mission heights are above the launch point; over a valley the drone is higher above the ground, over a
ridge lower. The height above the ground somewhere on the route is the launch point's ground plus the
height above the launch point, less the ground there. It is tested at every waypoint and at points every
``SAMPLE_STEP_M`` (20 m) along every leg (the leg from the launch point and the return included), where
the height changes linearly: above ``Limits.max_height_m`` over the ground (120 m, the law's 真高) and
below ``Limits.min_clearance_m`` (10 m) are violations. A leg is reported when its worst point is worse
than both of its ends (a valley or a ridge between two waypoints); a waypoint's own breach is reported at
the waypoint. The launch point itself is not tested: the drone climbs and lands there vertically, and the
take-off height is the ``ceiling`` check's. Where the model has no ground (outside it, a hole in it) the
heights above ground are not known: a notice, never a violation, and never taken for sea level.

Without a terrain model nothing is checked here and the result carries no profile. With one it carries
the ground along the route for the planner's profile (``terrain_profile``'s dict).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely import geometry as shp

from drones.missions.checks.checker import _Checker, _Legs
from drones.missions.checks.results import Code, Violation

SAMPLE_STEP_M = 20.0


def _check_terrain(c: _Checker, legs: _Legs) -> dict[str, Any] | None:
    """Add the violations and notices of heights above the ground; the ground profile, or None without a
    terrain model (or without a route, or without ground at the launch point)."""
    from drones.terrain import TerrainError, dem_path, ground_array

    try:
        path = dem_path()
        if path is None or not len(legs.lines):
            return None
        samples = _Samples(c, legs)
        ground = ground_array(*samples.latlon(c, np.array([c.launch_lat]), np.array([c.launch_lon])))
        launch_ground = float(ground[0])
        ground = ground[1:]
    except TerrainError as exc:
        c.notices.append(
            Violation(
                str(Code.TERRAIN_UNKNOWN),
                _("The terrain model cannot be read (%(error)s); heights above the ground are not checked.")
                % {"error": exc},
            )
        )
        return None
    if math.isnan(launch_ground):
        c.notices.append(
            Violation(
                str(Code.TERRAIN_UNKNOWN),
                _("The terrain model has no ground at the launch point; heights above the ground are not checked."),
                geometry=c.point_geojson(None),
            )
        )
        return None
    agl = launch_ground + samples.alt - ground
    _check_waypoints(c, samples, agl, ground - launch_ground)
    _check_legs(c, legs, samples, agl)
    _report_unknown(c, legs, samples, ground)
    relative = np.round(ground - launch_ground, 1).astype(object)
    relative[np.isnan(ground)] = None
    return {
        "source": os.path.basename(path),
        "launch": [c.launch_lat, c.launch_lon],  # WGS-84, where the legs start (the drone's home without one)
        "launch_ground_m": round(launch_ground, 1),
        "step_m": SAMPLE_STEP_M,
        "clearance_m": c.limits.min_clearance_m,
        # Per leg (launch→1, 1→2, ..., n→launch), the ground relative to the launch point's at evenly spaced
        # points from its start to its end (m, None where unknown).
        "legs": [relative[samples.of_leg(k)].tolist() for k in range(len(legs.lines))],
    }


class _Samples:
    """Points every ``SAMPLE_STEP_M`` or less along every leg, both ends included, in local metres."""

    def __init__(self, c: _Checker, legs: _Legs):
        coords = shapely.get_coordinates(legs.lines)
        start, end = coords[0::2], coords[1::2]
        lengths = np.hypot(*(end - start).T)
        self.counts = np.maximum(np.ceil(lengths / SAMPLE_STEP_M).astype(np.int64), 1)  # steps per leg
        self.lengths = lengths
        per_leg = self.counts + 1
        self.first = np.concatenate([[0], np.cumsum(per_leg)[:-1]])
        self.leg = np.repeat(np.arange(len(lengths)), per_leg)
        self.step = np.arange(int(per_leg.sum())) - self.first[self.leg]
        t = self.step / self.counts[self.leg]
        self.x = start[self.leg, 0] + t * (end - start)[self.leg, 0]
        self.y = start[self.leg, 1] + t * (end - start)[self.leg, 1]
        self.alt = legs.alt_from[self.leg] + t * (legs.alt_to - legs.alt_from)[self.leg]

    def latlon(self, c: _Checker, lat_before: np.ndarray, lon_before: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lat, lon = c.frame.latlon(self.x, self.y)
        return np.concatenate([lat_before, lat]), np.concatenate([lon_before, lon])

    def of_leg(self, k: int) -> slice:
        return slice(int(self.first[k]), int(self.first[k] + self.counts[k] + 1))

    def end_of(self, k: int) -> int:
        return int(self.first[k] + self.counts[k])

    def stretches(self, k: int, hits: np.ndarray):
        """The stretches of leg ``k`` where ``hits`` (a mask of its samples) holds, each grown by a sample at
        either end so that a single point is a line too; local metres."""
        part = self.of_leg(k)
        x, y = self.x[part], self.y[part]
        lines = []
        for a, b in _runs(hits):
            a, b = max(a - 1, 0), min(b + 1, len(hits) - 1)
            lines.append(shp.LineString(np.column_stack([x[a : b + 1], y[a : b + 1]])))
        return lines[0] if len(lines) == 1 else shp.MultiLineString(lines)

    def length_m(self, k: int, hits: np.ndarray) -> float:
        """About how long the stretches of ``hits`` on leg ``k`` are (a sample stands for one step)."""
        return float(hits.sum() * self.lengths[k] / self.counts[k])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indexes of every run of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def _check_waypoints(c: _Checker, samples: _Samples, agl: np.ndarray, ground_rel: np.ndarray) -> None:
    ceiling, clearance = c.limits.max_height_m, c.limits.min_clearance_m
    for i in range(len(c.route)):
        at = samples.end_of(i)  # leg i ends at waypoint i
        value = float(agl[at])
        if math.isnan(value):
            continue
        where = {"n": i + 1, "value": value, "alt": float(c.alt[i]), "limit": ceiling}
        if value > ceiling:
            where["ground"] = -float(ground_rel[at])
            c.add(
                Code.TERRAIN_CEILING,
                _(
                    "Waypoint %(n)d is %(value).0f m above the ground, above the %(limit).0f m ceiling: it is "
                    "%(alt).0f m above the launch point, and the ground there is %(ground).0f m lower than at the "
                    "launch point."
                )
                % where,
                waypoint=i,
                limit=ceiling,
                value=round(value, 1),
                geometry=c.point_geojson(i),
            )
        elif value < clearance:
            where["limit"] = clearance
            message = (
                _(
                    "Waypoint %(n)d is %(value).0f m above the ground, less than the %(limit).0f m clearance "
                    "(%(alt).0f m above the launch point, over higher ground)."
                )
                if value >= 0
                else _(
                    "Waypoint %(n)d is %(depth).0f m below the ground surface (%(alt).0f m above the launch point, "
                    "inside the terrain); keep at least %(limit).0f m above the ground."
                )
            )
            c.add(
                Code.TERRAIN_CLEARANCE,
                message % {**where, "depth": -value},
                waypoint=i,
                limit=clearance,
                value=round(value, 1),
                geometry=c.point_geojson(i),
            )


def _check_legs(c: _Checker, legs: _Legs, samples: _Samples, agl: np.ndarray) -> None:
    ceiling, clearance = c.limits.max_height_m, c.limits.min_clearance_m
    # Per leg at once: the highest and lowest point between its ends (NaN, unknown, counts as neither) and
    # the higher and lower of its ends; only the legs that breach are looked at one by one.
    first, last = samples.first, samples.first + samples.counts
    interior = np.ones(agl.shape, dtype=bool)
    interior[first] = interior[last] = False
    top = np.fmax.reduceat(np.where(interior, np.nan_to_num(agl, nan=-math.inf), -math.inf), first)
    bottom = np.fmin.reduceat(np.where(interior, np.nan_to_num(agl, nan=math.inf), math.inf), first)
    high_end = np.nan_to_num(np.fmax(agl[first], agl[last]), nan=-math.inf)
    low_end = np.nan_to_num(np.fmin(agl[first], agl[last]), nan=math.inf)
    too_high = (top > ceiling) & ((high_end <= ceiling) | (top > high_end + 1.0))
    too_low = (bottom < clearance) & ((low_end >= clearance) | (bottom < low_end - 1.0))
    for k in np.flatnonzero(too_high | too_low):
        part = samples.of_leg(k)
        values, inner = agl[part], interior[part]
        if too_high[k]:
            hits = inner & (np.nan_to_num(values, nan=-math.inf) > ceiling)
            c.add(
                Code.TERRAIN_CEILING,
                _(
                    "Segment %(segment)s is up to %(value).0f m above the ground (over lower ground between its "
                    "ends), above the %(limit).0f m ceiling for about %(length).0f m."
                )
                % {"segment": legs.label(k), "value": top[k], "limit": ceiling, "length": samples.length_m(k, hits)},
                segment=(legs.starts[k], legs.ends[k]),
                limit=ceiling,
                value=round(float(top[k]), 1),
                geometry=c.frame.geojson(samples.stretches(k, hits)),
            )
        if too_low[k]:
            hits = inner & (np.nan_to_num(values, nan=math.inf) < clearance)
            message = (
                _(
                    "Segment %(segment)s comes down to %(value).0f m above the ground (over higher ground between "
                    "its ends), less than the %(limit).0f m clearance for about %(length).0f m."
                )
                if bottom[k] >= 0
                else _(
                    "Segment %(segment)s runs into the terrain (up to %(depth).0f m below the ground surface) for "
                    "about %(length).0f m; keep at least %(limit).0f m above the ground."
                )
            )
            c.add(
                Code.TERRAIN_CLEARANCE,
                message
                % {
                    "segment": legs.label(k),
                    "value": bottom[k],
                    "depth": -bottom[k],
                    "limit": clearance,
                    "length": samples.length_m(k, hits),
                },
                segment=(legs.starts[k], legs.ends[k]),
                limit=clearance,
                value=round(float(bottom[k]), 1),
                geometry=c.frame.geojson(samples.stretches(k, hits)),
            )


def _report_unknown(c: _Checker, legs: _Legs, samples: _Samples, ground: np.ndarray) -> None:
    unknown = np.isnan(ground)
    if not unknown.any():
        return
    where = []
    geometries = []
    for k in range(len(legs.lines)):
        hits = unknown[samples.of_leg(k)]
        if hits.any():
            where.append(legs.label(k))
            geometries.append(samples.stretches(k, hits))
    c.notices.append(
        Violation(
            str(Code.TERRAIN_UNKNOWN),
            _(
                "The terrain model has no ground height under part of the route (segments %(segments)s, about "
                "%(share).0f%% of it): heights above the ground are not checked there."
            )
            % {"segments": ", ".join(where), "share": 100.0 * unknown.mean()},
            geometry=c.frame.geojson(shapely.union_all(geometries)),
        )
    )
