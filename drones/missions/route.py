"""The editable route of a mission: waypoints in WGS-84 with heights above the launch point.

Stored in ``Mission.waypoints`` as a list of dicts; ``parse_route`` turns it into
``Waypoint``s and says exactly what is wrong with which waypoint otherwise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from common.geo import point_problem


@dataclass(frozen=True, slots=True)
class Waypoint:
    lat: float
    lon: float
    alt_m: float  # metres above the launch point (MAV_FRAME_GLOBAL_RELATIVE_ALT)
    hold_s: float = 0.0  # hover here this long (a loiter)
    speaker: bool | None = None  # switch the loudspeaker on/off on arrival; None = leave as is
    speed_mps: float | None = None  # change speed from here on; None = keep

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RouteError(ValueError):
    """Bad route data. ``problems``: [{"waypoint": index (0-based) or None, "field", "message"}]."""

    def __init__(self, problems: list[dict[str, Any]]):
        self.problems = problems
        super().__init__("; ".join(_describe(p) for p in problems))


def _describe(problem: dict[str, Any]) -> str:
    where = f"waypoint {problem['waypoint'] + 1}" if problem.get("waypoint") is not None else "route"
    field = f" {problem['field']}" if problem.get("field") else ""
    return f"{where}{field}: {problem['message']}"


def _number(raw: dict, name: str, index: int, problems: list, *, default=None, low=None, high=None):
    value = raw.get(name, default)
    if value is None:
        if default is None and name in ("lat", "lon", "alt_m"):
            problems.append({"waypoint": index, "field": name, "message": "is required"})
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append({"waypoint": index, "field": name, "message": f"{value!r} is not a number"})
        return None
    if math.isnan(number) or math.isinf(number):
        problems.append({"waypoint": index, "field": name, "message": "is not a finite number"})
        return None
    if low is not None and number < low:
        problems.append({"waypoint": index, "field": name, "message": f"{number:g} is below {low:g}"})
    if high is not None and number > high:
        problems.append({"waypoint": index, "field": name, "message": f"{number:g} is above {high:g}"})
    return number


def parse_route(data: Any) -> list[Waypoint]:
    """Validate the stored/posted route; raise RouteError listing every problem by waypoint."""
    if not isinstance(data, list):
        raise RouteError([{"waypoint": None, "field": None, "message": "the route must be a list of waypoints"}])
    problems: list[dict[str, Any]] = []
    route = []
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            problems.append({"waypoint": index, "field": None, "message": "is not an object"})
            continue
        lat = _number(raw, "lat", index, problems)
        lon = _number(raw, "lon", index, problems)
        alt = _number(raw, "alt_m", index, problems, low=0.0)
        hold = _number(raw, "hold_s", index, problems, default=0.0, low=0.0, high=3600.0)
        speed = (
            _number(raw, "speed_mps", index, problems, low=0.5, high=40.0) if raw.get("speed_mps") is not None else None
        )
        speaker = raw.get("speaker")
        if speaker not in (None, True, False):
            problems.append({"waypoint": index, "field": "speaker", "message": "must be true, false or null"})
        if lat is not None and lon is not None:
            problem = point_problem(lat, lon)
            if problem:
                problems.append({"waypoint": index, "field": "lat", "message": problem})
                continue
        if None in (lat, lon, alt):
            continue
        route.append(Waypoint(lat, lon, alt, hold or 0.0, speaker, speed))
    if problems:
        raise RouteError(problems)
    return route
