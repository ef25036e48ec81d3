"""How long the flight takes and what it uses: the mission item count a route compiles to, the flight
estimate (``drones.missions.flighttime``'s model of ArduCopter's waypoint navigation), and the endurance
check against the drone's battery reserve (``endurance``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from django.utils.translation import gettext as _
from shapely import geometry as shp

from drones.missions.checks.checker import _Checker
from drones.missions.checks.limits import Limits
from drones.missions.checks.results import Code, Estimate
from drones.missions.route import Waypoint


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


def _check_endurance(c: _Checker, estimate: Estimate) -> None:
    """``endurance``: the estimated flight leaves at least the battery reserve of the drone's endurance."""
    limits = c.limits
    n = len(c.route)
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
