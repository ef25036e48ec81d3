"""What a generator returns and raises: ``GeneratedMission`` (the route, the settings used, a suggested
operating area and estimates), its ``kind`` values, and ``GeneratorError``, which names the parameter at
fault."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from drones.missions.route import Waypoint

KIND_SCHOOL_PATROL = "school_patrol"  # Mission.Kind values
KIND_MARKET_BROADCAST = "market_broadcast"
KIND_POINT_BROADCAST = "point_broadcast"


class GeneratorError(ValueError):
    """Input a generator cannot use. ``field`` names the parameter (or model field) at fault."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return self.message


@dataclass
class GeneratedMission:
    """A generated route and what the mission page stores with it.

    ``waypoints``: WGS-84, heights above the launch point. ``operating_area``: GeoJSON
    Polygon (WGS-84). ``planned_start``: aware datetime or None. Durations in
    seconds; ``flight_duration_s`` includes take-off, transit from and back to
    ``start_at`` and landing when ``start_at`` was given.
    """

    kind: str
    waypoints: list[Waypoint]
    takeoff_alt_m: float
    speed_mps: float | None
    operating_area: dict[str, Any]
    params: dict[str, Any]
    route_length_m: float
    route_duration_s: float
    flight_duration_s: float
    planned_start: dt.datetime | None = None

    def route_json(self) -> list[dict[str, Any]]:
        """The route as stored in ``Mission.waypoints``."""
        return [wp.as_dict() for wp in self.waypoints]
