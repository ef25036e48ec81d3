"""The line-of-sight check (``line_of_sight``): every waypoint within the maximum horizontal distance
of the launch point, which covers the segments too."""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _

from drones.missions.checks.checker import _Checker
from drones.missions.checks.results import Code


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
