"""From a saved mission to what is checked and uploaded: the checks against the airspace in force at
its planned time, and the items, fence and rally points of a flight.

Bad route data never raises out of ``mission_check``: it comes back as
violations, like every other rule, so the page can show them all at once.

Every check records its basis (``mission_check_basis``): a digest of everything it read (the mission,
its drone, the limits, the airspace version and the zones and markets in force at its time, the
terrain model's file, the language of its messages). ``mission_map`` draws a stored check whose basis
is still the current one instead of checking again: the planner page asks for the map right after
every save.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from drones.airspace.index import airspace_index_at
from drones.missions.checks.limits import Limits
from drones.missions.checks.results import CheckResult, MissionInvalid, Violation, validation_geojson
from drones.missions.checks.run import check_route
from drones.missions.checks.zones import AirspaceIndex
from drones.missions.compile import compile_route, route_uses_speaker
from drones.missions.execution import FlightPlan
from drones.missions.fence import FenceError, rally_items
from drones.missions.markets import market_crowds
from drones.missions.route import RouteError, Waypoint, parse_route
from drones.models import Mission


def mission_launch(mission: Mission) -> tuple[float, float] | None:
    if mission.launch_lat is not None and mission.launch_lon is not None:
        return (mission.launch_lat, mission.launch_lon)
    if mission.drone.home_lat is not None and mission.drone.home_lon is not None:
        return (mission.drone.home_lat, mission.drone.home_lon)
    return None


def mission_speed(mission: Mission) -> float:
    return float(mission.speed_mps or mission.drone.cruise_speed_mps)


def _route_violations(error: RouteError) -> list[Violation]:
    return [Violation("bad_route", _route_message(p), waypoint=p.get("waypoint")) for p in error.problems]


def _route_message(problem: dict) -> str:
    where = (
        (_("Waypoint %(n)d") % {"n": problem["waypoint"] + 1})
        if problem.get("waypoint") is not None
        else _("The route")
    )
    field = f" {problem['field']}" if problem.get("field") else ""
    return f"{where}{field}: {problem['message']}"


def mission_items(mission: Mission, route: list[Waypoint]):
    """The mission items of ``route``, switching the loudspeaker the way ``mission.drone`` has it wired."""
    return compile_route(
        route,
        launch=mission_launch(mission),
        takeoff_alt_m=mission.takeoff_alt_m,
        speed_mps=mission.speed_mps,
        speaker=mission.drone.speaker_config(),
    )


def mission_check(mission: Mission) -> CheckResult:
    """Every rule at once: route data, loudspeaker, airspace in force at the planned start, endurance."""
    checked_at = timezone.now().isoformat(timespec="seconds")
    try:
        route = parse_route(mission.waypoints)
    except RouteError as exc:
        return CheckResult(_route_violations(exc), None, checked_at=checked_at)
    launch = mission_launch(mission)
    if launch is None:
        return CheckResult(
            [Violation("bad_launch", _("Set the launch point (or the drone's home base)."))],
            None,
            checked_at=checked_at,
        )
    extra: list[Violation] = []
    if route_uses_speaker(route) and not mission.drone.has_loudspeaker:
        extra.append(
            Violation(
                "no_loudspeaker",
                _("%(drone)s has no loudspeaker, but the route switches one.") % {"drone": mission.drone},
            )
        )
    item_count = None
    try:
        item_count = len(mission_items(mission, route))
    except RouteError as exc:
        extra.extend(_route_violations(exc))
    airspaces, markets = _in_force(mission)
    result = check_route(
        route,
        launch=launch,
        takeoff_alt_m=mission.takeoff_alt_m,
        speed_mps=mission_speed(mission),
        drone_endurance_min=mission.drone.endurance_min,
        operating_area=mission.operating_area,
        airspaces=airspaces,  # crowd zones among them
        crowds=markets,
        approval_ref=mission.approval_ref,
        item_count=item_count,
    )
    result.violations = extra + result.violations
    result.basis = mission_check_basis(mission, airspaces=airspaces, markets=markets)
    return result


def _in_force(mission: Mission) -> tuple[AirspaceIndex, list[tuple[dict, float, str]]]:
    """The zones and the markets in session at the mission's planned start, else now."""
    at: dt.datetime = mission.planned_start or timezone.now()
    return airspace_index_at(at), market_crowds(at)


# Part of every basis: move it when the checks come to find something else in the same inputs, so
# that no map is drawn from a check stored by the code before.
CHECK_RULES_VERSION = 2  # 2: heights above the ground with a terrain model


def mission_check_basis(
    mission: Mission, *, airspaces: AirspaceIndex | None = None, markets: list[tuple[dict, float, str]] | None = None
) -> str:
    """A digest of everything ``mission_check`` reads (hex): equal bases, equal findings.

    ``airspaces`` and ``markets`` as the check had them (by default those in force now, for the
    mission's planned start or, without one, for this moment). Only the time of the check is left out.
    """
    if airspaces is None or markets is None:
        airspaces, markets = _in_force(mission)
    from drones.terrain import terrain_identity

    drone = mission.drone
    read = [
        CHECK_RULES_VERSION,
        translation.get_language(),
        repr(Limits.from_settings()),
        mission.waypoints,
        [_number(mission.launch_lat), _number(mission.launch_lon), _number(mission.takeoff_alt_m)],
        [_number(mission.speed_mps), mission.approval_ref],
        mission.operating_area,
        [drone.pk, drone.name, _number(drone.home_lat), _number(drone.home_lon)],
        [_number(drone.cruise_speed_mps), _number(drone.endurance_min)],
        [drone.payloads, repr(drone.speaker_config())],
        repr(airspaces.version),
        airspaces.in_force_digest(),
        markets,
        terrain_identity(),
    ]
    text = json.dumps(read, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _number(value) -> float | None:
    """A field as the database gives it back (20 and 20.0 are one height), so a mission just saved and
    the same mission read again have one basis."""
    return None if value is None else float(value)


def mission_map(mission: Mission) -> dict:
    """GeoJSON of the mission's check for the map: the stored one (``mission.validation``) while nothing
    it read has changed, else a new check (the airspace, a market or the clock moved on)."""
    stored = mission.validation or {}
    if stored.get("basis") and stored["basis"] == mission_check_basis(mission):
        return validation_geojson(stored)
    return mission_check(mission).geojson()


def mission_flight_plan(mission: Mission) -> FlightPlan:
    """Items, fence and rally points for a flight of ``mission``; refuses a mission that fails its checks now."""
    result = mission_check(mission)
    result.raise_if_rejected()
    route = parse_route(mission.waypoints)
    fence, rally = mission_fence(mission, result)
    return FlightPlan(mission_items(mission, route), fence, rally, speed_mps=mission_speed(mission))


def mission_fence(mission: Mission, result: CheckResult | None = None) -> tuple[list, list]:
    """The fence and rally point items a flight of ``mission`` uploads: the inclusion fence of the
    operating area (or the default one around the route) with the exclusions in force, from its check
    ``result`` (checked now if not given), and its rally points. The one source of both: the flight
    upload and the ``.plan`` export read them here. MissionInvalid when they cannot be built."""
    result = result or mission_check(mission)
    try:
        return result.fence_items(), rally_items(mission.rally_points or [])
    except FenceError as exc:
        raise MissionInvalid([Violation(exc.code, exc.message)]) from None
