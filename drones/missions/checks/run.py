"""Running every check: ``check_route`` on a parsed route (launch point, item count, ceiling, line of
sight, heights above the ground, operating area and fence, airspace, crowds, endurance, in that order)
and ``check_mission`` on a stored ``Mission`` with the airspace in force and the crowds at its planned
start."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _

from common.geo import point_problem
from drones.missions.checks.airspace import _check_zones, _zones_near
from drones.missions.checks.area import _check_area, _exclusions, _fence, _operating_area, checked_area
from drones.missions.checks.ceiling import _check_heights
from drones.missions.checks.checker import _Checker
from drones.missions.checks.crowds import _check_crowds
from drones.missions.checks.estimate import _check_endurance, _estimate, estimate_item_count
from drones.missions.checks.limits import Limits
from drones.missions.checks.line_of_sight import _check_line_of_sight
from drones.missions.checks.results import CheckResult, Code, Violation
from drones.missions.checks.terrain import _check_terrain
from drones.missions.checks.zones import AirspaceIndex, AirspaceLike
from drones.missions.route import Waypoint


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
    polygon, minimum height m, name), e.g. ``markets.market_crowds(at)``; crowd
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
    terrain = _check_terrain(c, legs)  # heights above the ground, with a terrain model
    index = airspaces if isinstance(airspaces, AirspaceIndex) else AirspaceIndex(airspaces)
    area_local, area_is_default = _operating_area(c, operating_area)
    zones_local, refs = _zones_near(c, index, area_local)
    exclusions_local = _exclusions(zones_local, refs, area_local, approval_ref)
    fence_local, exclusions_wgs, simplified = _fence(c, area_local, exclusions_local)
    # Against the inclusion fence as uploaded (it may have been simplified), else the area as drawn; never
    # in the area's own no-fly holes.
    _check_area(c, legs, checked_area(fence_local, area_local))
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
    _check_endurance(c, estimate)
    return CheckResult(
        violations=c.violations,
        estimate=estimate,
        notices=c.notices,
        operating_area=c.frame.geojson(fence_local) if fence_local is not None else c.frame.geojson(area_local),
        exclusions=exclusions_wgs,
        area_is_default=area_is_default,
        fence_simplified_m=simplified,
        checked_at=started,
        terrain=terrain,
    )


def check_mission(mission, *, at: dt.datetime | None = None, limits: Limits | None = None) -> CheckResult:
    """Check a stored ``Mission`` against the airspace in force and the crowds at ``at``.

    The zones come from this process's cached index (``drones.airspace.index``), narrowed to ``at``.
    ``at`` defaults to the mission's planned start, else now. The launch point is
    the mission's, else its drone's home; the speed the mission's, else the
    drone's cruise speed. A route that cannot even be parsed gives one
    ``invalid_route`` violation per problem.
    """
    from django.utils import timezone

    from drones.airspace.index import airspace_index_at
    from drones.missions.markets import market_crowds
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
        airspaces=airspace_index_at(at),  # crowd zones among them
        crowds=market_crowds(at),
        approval_ref=mission.approval_ref,
        limits=limits,
    )
