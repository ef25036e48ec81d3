"""The plan both file formats carry: ``MissionPlan`` (route, take-off height, speed, home, geofence and
rally points, WGS-84) with the mission items and ``Mission`` fields it gives, the geofence shapes
(``FencePolygon``, ``FenceCircle``), and ``plan_from_mission`` for a stored ``Mission``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drones.missions.compile import compile_route
from drones.missions.route import Waypoint, parse_route
from drones.missions.speaker import DEFAULT_SPEAKER, SpeakerConfig
from drones.vehicle import MissionItem


@dataclass(frozen=True)
class FencePolygon:
    """A geofence polygon: (lat, lon) vertices, WGS-84, not closed; inclusion (stay inside) or exclusion."""

    inclusion: bool
    vertices: tuple[tuple[float, float], ...]

    def to_geojson(self) -> dict[str, Any]:
        ring = [[lon, lat] for lat, lon in self.vertices]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@dataclass(frozen=True)
class FenceCircle:
    inclusion: bool
    lat: float
    lon: float
    radius_m: float


def fence_from_geojson(geometry: dict[str, Any] | None, *, inclusion: bool = True) -> list[FencePolygon]:
    """Fence polygons from a GeoJSON Polygon/MultiPolygon (e.g. ``Mission.operating_area``); holes are dropped."""
    if not geometry:
        return []
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    fence = []
    for rings in polygons:
        ring = [(float(lat), float(lon)) for lon, lat in rings[0]]
        if len(ring) > 1 and ring[0] == ring[-1]:
            ring = ring[:-1]
        fence.append(FencePolygon(inclusion, tuple(ring)))
    return fence


@dataclass
class MissionPlan:
    """A mission as the files carry it: the route (WGS-84, heights above the launch point), take-off
    height (m), mission speed (m/s, None = the vehicle's default), planned home (lat, lon, alt AMSL m),
    geofence and rally points ((lat, lon, alt m above home)). ``notes`` say what an import changed;
    ``speaker`` is how the loudspeaker is switched (the drone's output; RELAY1 unless told)."""

    route: list[Waypoint]
    takeoff_alt_m: float
    speed_mps: float | None = None
    home: tuple[float, float, float] | None = None
    fence_polygons: list[FencePolygon] = field(default_factory=list)
    fence_circles: list[FenceCircle] = field(default_factory=list)
    rally_points: list[tuple[float, float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list, compare=False)
    speaker: SpeakerConfig = field(default=DEFAULT_SPEAKER, compare=False)

    @property
    def launch(self) -> tuple[float, float] | None:
        return (self.home[0], self.home[1]) if self.home else None

    def items(self, speaker: SpeakerConfig | None = None) -> list[MissionItem]:
        """The mission items (``compile_route``) switching ``speaker`` (default: the plan's own);
        RouteError if the route cannot be flown."""
        return compile_route(
            self.route,
            launch=self.launch,
            takeoff_alt_m=self.takeoff_alt_m,
            speed_mps=self.speed_mps,
            speaker=speaker or self.speaker,
        )

    def operating_area(self) -> dict[str, Any] | None:
        """The first inclusion polygon as GeoJSON (``Mission.operating_area``), or None."""
        polygon = next((p for p in self.fence_polygons if p.inclusion), None)
        return polygon.to_geojson() if polygon else None

    def mission_fields(self) -> dict[str, Any]:
        """Values for the ``Mission`` fields an import fills in."""
        return {
            "waypoints": [wp.as_dict() for wp in self.route],
            "takeoff_alt_m": self.takeoff_alt_m,
            "speed_mps": self.speed_mps,
            "launch_lat": self.home[0] if self.home else None,
            "launch_lon": self.home[1] if self.home else None,
            "operating_area": self.operating_area(),
            "rally_points": [{"lat": lat, "lon": lon, "alt_m": alt} for lat, lon, alt in self.rally_points],
        }


ImportedPlan = MissionPlan


def _rally_tuple(point: Any) -> tuple[float, float, float]:
    if isinstance(point, dict):
        return float(point["lat"]), float(point["lon"]), float(point.get("alt_m", point.get("alt", 0.0)))
    lat, lon, *rest = point
    return float(lat), float(lon), float(rest[0]) if rest else 0.0


def plan_from_mission(mission) -> MissionPlan:
    """A ``MissionPlan`` from a ``Mission`` (its route, launch point or the drone's home, fence, rally points,
    the drone's loudspeaker output)."""
    route = parse_route(mission.waypoints)
    drone = mission.drone
    home = None
    if mission.launch_lat is not None and mission.launch_lon is not None:
        home = (mission.launch_lat, mission.launch_lon, drone.home_alt_msl_m or 0.0)
    elif drone.home_lat is not None and drone.home_lon is not None:
        home = (drone.home_lat, drone.home_lon, drone.home_alt_msl_m or 0.0)
    return MissionPlan(
        route=route,
        takeoff_alt_m=mission.takeoff_alt_m,
        speed_mps=mission.speed_mps,
        home=home,
        fence_polygons=fence_from_geojson(mission.operating_area),
        rally_points=[_rally_tuple(p) for p in mission.rally_points or []],
        speaker=drone.speaker_config(),
    )
