"""The plan both file formats carry: ``MissionPlan`` (route, take-off height, speed, home, geofence and
rally points, WGS-84) with the mission items and ``Mission`` fields it gives, the geofence shapes
(``FencePolygon``, ``FenceCircle``), and ``plan_from_mission`` for a stored ``Mission``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely import geometry as shp

from drones.missions.compile import compile_route
from drones.missions.frame import LocalFrame
from drones.missions.interop.errors import PlanFileError
from drones.missions.route import Waypoint, parse_route
from drones.missions.speaker import DEFAULT_SPEAKER, SpeakerConfig
from drones.vehicle import MissionItem

FENCE_POLYGON_VERTEX_INCLUSION = 5001  # MAV_CMD_NAV_FENCE_*, as drones.missions.fence uploads them
FENCE_CIRCLE_INCLUSION, FENCE_CIRCLE_EXCLUSION = 5003, 5004


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

    def operating_area(self, launch: tuple[float, float] | None = None) -> dict[str, Any] | None:
        """The ``Mission.operating_area`` the geofence gives (WGS-84 GeoJSON Polygon), or None.

        Where every inclusion shape overlaps (ArduPilot keeps the drone inside each inclusion fence;
        circles as polygons inside them), else the checks' default area around the route from
        ``launch`` (the plan's home first) when there are exclusions; the exclusion shapes cut out
        (circles as polygons around them), so that the checks and the uploaded fence keep the drone out
        of them. PlanFileError, naming the shapes, when no single polygon is left.
        """
        return _fence_area(self, launch)[0]

    def area_notes(self, launch: tuple[float, float] | None = None) -> list[str]:
        """What ``operating_area`` made of each geofence shape, for the import result."""
        return _fence_area(self, launch)[1]

    def mission_fields(self, *, launch: tuple[float, float] | None = None) -> dict[str, Any]:
        """Values for the ``Mission`` fields an import fills in (``launch``: where it takes off when the
        plan has no home, e.g. the drone's home)."""
        return {
            "waypoints": [wp.as_dict() for wp in self.route],
            "takeoff_alt_m": self.takeoff_alt_m,
            "speed_mps": self.speed_mps,
            "launch_lat": self.home[0] if self.home else None,
            "launch_lon": self.home[1] if self.home else None,
            "operating_area": self.operating_area(launch),
            "rally_points": [{"lat": lat, "lon": lon, "alt_m": alt} for lat, lon, alt in self.rally_points],
        }


ImportedPlan = MissionPlan

# A fence circle becomes a 16-sided polygon (shapely's buffer with 4 segments a quarter): inside the
# circle for an inclusion (the area only shrinks), around it for an exclusion (the no-fly area only grows).
CIRCLE_QUAD_SEGS = 4
CIRCLE_SIDES = 4 * CIRCLE_QUAD_SEGS


def _shape_name(shape: FencePolygon | FenceCircle, number: int) -> str:
    if isinstance(shape, FenceCircle):
        return _("geofence circle %(n)d (%(kind)s, radius %(r)g m)") % {
            "n": number,
            "kind": _("inclusion") if shape.inclusion else _("exclusion"),
            "r": shape.radius_m,
        }
    return _("geofence polygon %(n)d (%(kind)s)") % {
        "n": number,
        "kind": _("inclusion") if shape.inclusion else _("exclusion"),
    }


def _circle_polygon(circle: FenceCircle) -> shp.Polygon:
    """The circle as a WGS-84 (lon, lat) polygon: inside it for an inclusion, around it for an exclusion."""
    frame = LocalFrame(circle.lat, circle.lon)
    x, y = frame.point_xy(circle.lat, circle.lon)
    radius = circle.radius_m if circle.inclusion else circle.radius_m / math.cos(math.pi / CIRCLE_SIDES)
    return frame.to_wgs84(shp.Point(x, y).buffer(radius, quad_segs=CIRCLE_QUAD_SEGS))


def _fence_area(plan: MissionPlan, launch: tuple[float, float] | None) -> tuple[dict[str, Any] | None, list[str]]:
    polygons = [(p, n) for n, p in enumerate(plan.fence_polygons, start=1)]
    circles = [(c, n) for n, c in enumerate(plan.fence_circles, start=1)]
    inclusions = [(p, n) for p, n in polygons if p.inclusion] + [(c, n) for c, n in circles if c.inclusion]
    exclusions = [(p, n) for p, n in polygons if not p.inclusion] + [(c, n) for c, n in circles if not c.inclusion]
    if not exclusions and len(inclusions) == 1 and isinstance(inclusions[0][0], FencePolygon):
        return inclusions[0][0].to_geojson(), []  # as drawn, vertex for vertex
    if not inclusions and not exclusions:
        return None, []

    def shape(s):
        return (
            _circle_polygon(s) if isinstance(s, FenceCircle) else shp.Polygon([(lon, lat) for lat, lon in s.vertices])
        )

    notes: list[str] = []
    if inclusions:
        area = shape(inclusions[0][0])
        for s, _n in inclusions[1:]:
            area = area.intersection(shape(s))
        names = ", ".join(_shape_name(s, n) for s, n in inclusions)
        if len(inclusions) > 1:
            if area.is_empty or area.geom_type != "Polygon":
                raise PlanFileError(
                    _(
                        "The geofence's inclusion shapes (%(names)s) do not overlap in one area; ArduPilot keeps the "
                        "drone inside every one of them, so there is nowhere to fly. Keep one inclusion shape."
                    )
                    % {"names": names},
                    code="fence",
                )
            notes.append(
                _("The operating area is where %(names)s overlap (the drone must stay inside every inclusion fence).")
                % {"names": names}
            )
        for s, n in inclusions:
            if isinstance(s, FenceCircle):
                notes.append(
                    _("The %(name)s is kept as a %(sides)d-sided polygon inside the circle.")
                    % {"name": _shape_name(s, n), "sides": CIRCLE_SIDES}
                )
    else:
        from drones.missions.checks.area import default_operating_area

        start = plan.launch or launch or ((plan.route[0].lat, plan.route[0].lon) if plan.route else None)
        if start is None:
            raise PlanFileError(_("The plan has geofence exclusions but no route or home to place them."), code="fence")
        area = shp.shape(default_operating_area(plan.route, start))
        notes.append(
            _(
                "The plan has no inclusion fence: the operating area is the default one around the route, with the "
                "geofence exclusions cut out of it."
            )
        )
    for s, n in exclusions:
        name = _shape_name(s, n)
        cut = shape(s)
        if not area.intersects(cut):
            notes.append(
                _("The %(name)s lies outside the operating area; the drone is kept out of it there already.")
                % {"name": name}
            )
            continue
        area = area.difference(cut)
        if area.is_empty:
            raise PlanFileError(
                _("The %(name)s covers the whole operating area; there is nowhere left to fly.") % {"name": name},
                code="fence",
            )
        if area.geom_type != "Polygon":
            parts = len(getattr(area, "geoms", [])) or 1
            raise PlanFileError(
                _(
                    "The %(name)s cuts the operating area into %(parts)d separate parts; the autopilot's inclusion "
                    "fence must be one polygon. Make it smaller, or draw the operating area around one side only."
                )
                % {"name": name, "parts": parts},
                code="fence",
            )
        kept = (
            _("a %(sides)d-sided polygon around the circle") % {"sides": CIRCLE_SIDES}
            if isinstance(s, FenceCircle)
            else _("as drawn")
        )
        notes.append(
            _(
                "The %(name)s is kept as a no-fly area of the mission (%(kept)s): the checks and the uploaded fence "
                "keep the drone out of it."
            )
            % {"name": name, "kept": kept}
        )
    return json.loads(shapely.to_geojson(shapely.normalize(area))), notes


def fence_from_items(items: list[MissionItem]) -> tuple[list[FencePolygon], list[FenceCircle]]:
    """Fence polygons and circles of fence mission items (``drones.missions.fence``: one item a vertex,
    ``param1`` its polygon's vertex count; circles 5003/5004 with ``param1`` the radius), WGS-84."""
    polygons: list[FencePolygon] = []
    circles: list[FenceCircle] = []
    index = 0
    while index < len(items):
        item = items[index]
        if item.command in (FENCE_CIRCLE_INCLUSION, FENCE_CIRCLE_EXCLUSION):
            circles.append(FenceCircle(item.command == FENCE_CIRCLE_INCLUSION, item.x, item.y, item.param1))
            index += 1
            continue
        count = max(int(item.param1), 1)
        ring = items[index : index + count]
        polygons.append(FencePolygon(item.command == FENCE_POLYGON_VERTEX_INCLUSION, tuple((v.x, v.y) for v in ring)))
        index += count
    return polygons, circles


def plan_from_mission(mission, *, with_fence: bool = True) -> MissionPlan:
    """A ``MissionPlan`` from a ``Mission`` (its route, launch point or the drone's home with the drone's
    home altitude, the drone's loudspeaker output) with the geofence and rally points a flight of it
    uploads (``planning.mission_fence``: the operating area, or the default one, with the no-fly zones
    in force; MissionInvalid when they cannot be built). ``with_fence=False``: the route alone (waypoint
    text carries no fence)."""
    from drones.missions.planning import mission_fence

    route = parse_route(mission.waypoints)
    drone = mission.drone
    home = None
    if mission.launch_lat is not None and mission.launch_lon is not None:
        home = (mission.launch_lat, mission.launch_lon, drone.home_alt_msl_m or 0.0)
    elif drone.home_lat is not None and drone.home_lon is not None:
        home = (drone.home_lat, drone.home_lon, drone.home_alt_msl_m or 0.0)
    fence, rally = mission_fence(mission) if with_fence else ([], [])
    polygons, circles = fence_from_items(fence)
    return MissionPlan(
        route=route,
        takeoff_alt_m=mission.takeoff_alt_m,
        speed_mps=mission.speed_mps,
        home=home,
        fence_polygons=polygons,
        fence_circles=circles,
        rally_points=[(item.x, item.y, item.z) for item in rally],
        speaker=drone.speaker_config(),
    )
