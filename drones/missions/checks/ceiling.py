"""The ceiling check (``ceiling``): the take-off height and every waypoint at most the maximum height
above the launch point; heights change linearly between waypoints, so the waypoints decide it."""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _

from drones.missions.checks.checker import _Checker
from drones.missions.checks.results import Code


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
