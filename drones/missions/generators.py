"""Mission generators: school patrol loops, market corridor broadcasts, point broadcasts.

Each generator validates its input, does the geometry in metres in the local UTM
zone (``drones.missions.frame.LocalFrame``; EPSG:32650 for the demo county) with pyproj and
shapely, and returns a ``GeneratedMission``: WGS-84 ``Waypoint``s with heights in
metres above the launch point, the settings used (for ``Mission.params``), a
suggested operating area (GeoJSON Polygon, WGS-84: the route, the launch point and
a margin; the inclusion fence must contain the transit too, or the fence would send
the drone home on its way out) and rough length/duration estimates.

Time estimates use ArduCopter 4.7 defaults where the mission does not set them:
climb 2.5 m/s (WPNAV_SPEED_UP), acceleration 2.5 m/s² (WPNAV_ACCEL; every full stop
and restart costs about speed/accel seconds), descent 1.5 m/s then 0.5 m/s for the
last 10 m (WPNAV_SPEED_DN, LAND_SPEED). The endurance check proper lives in ``checks``.

Bad input raises ``GeneratorError`` with a message for the operator and the name
of the parameter (``field``) it is about.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import affinity
from shapely import geometry as shp
from shapely.geometry.polygon import orient

from common.geo import geometry_to_geojson, point_problem
from drones.missions.compile import MAX_HOLD_S, SPEED_RANGE_MPS
from drones.missions.frame import LocalFrame
from drones.missions.route import Waypoint

GUARD_LEAD_MIN = 20.0  # 护学岗: guards patrol and clear the gate area 20 min before dismissal (domain.md)
DEFAULT_CRUISE_MPS = 8.0  # Drone.cruise_speed_mps default, for estimates when no speed is set
CLIMB_MPS = 2.5  # WPNAV_SPEED_UP 250 cm/s
ACCEL_MPS2 = 2.5  # WPNAV_ACCEL 250 cm/s²
DESCENT_MPS, LAND_MPS, LAND_ALT_LOW_M = 1.5, 0.5, 10.0  # WPNAV_SPEED_DN, LAND_SPEED, LAND_ALT_LOW
MAX_LOOP_VERTICES = 24  # per patrol lap: enough for a rounded outline, few enough to edit on the map
MAX_LAPS = 100
MAX_MINUTES = 600.0

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


# --- geometry helpers ------------------------------------------------------------------------


_WHERE = re.compile(r"^(?P<reason>.*?)\s*\[(?P<x>[-+\d.eE]+) (?P<y>[-+\d.eE]+)\]$")


def invalid_reason(geom) -> str:
    """shapely's reason with the place as "near lat, lon" (GEOS says "Self-intersection[lon lat]")."""
    reason = shapely.is_valid_reason(geom)
    match = _WHERE.match(reason)
    if not match:
        return reason
    return _("%(reason)s near %(lat).6f, %(lon).6f (latitude, longitude)") % {
        "reason": match["reason"],
        "lat": float(match["y"]),
        "lon": float(match["x"]),
    }


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_point(point: Any, what: str, field: str) -> tuple[float, float]:
    """A (lat, lon) pair, WGS-84, checked for swapped or impossible coordinates."""
    if not isinstance(point, Sequence) or isinstance(point, str) or len(point) != 2:
        raise GeneratorError(_("%(what)s must be a (latitude, longitude) pair.") % {"what": what}, field=field)
    lat, lon = point
    if not (_finite(lat) and _finite(lon)):
        raise GeneratorError(_("%(what)s: latitude and longitude must be numbers.") % {"what": what}, field=field)
    problem = point_problem(float(lat), float(lon))
    if problem:
        raise GeneratorError(
            _("%(what)s: %(problem)s.") % {"what": what, "problem": problem}, field=field, code="coordinates"
        )
    return float(lat), float(lon)


def _check_positive(value: Any, name: str, label: str, *, high: float | None = None) -> float:
    if not _finite(value) or value <= 0:
        raise GeneratorError(
            _("%(label)s must be a number above 0 (it is %(value)s).") % {"label": label, "value": value}, field=name
        )
    if high is not None and value > high:
        raise GeneratorError(
            _("%(label)s must be at most %(high)g (it is %(value)s).") % {"label": label, "high": high, "value": value},
            field=name,
        )
    return float(value)


def _check_speed(speed_mps: Any, *, required: bool) -> float | None:
    if speed_mps is None and not required:
        return None
    low, high = SPEED_RANGE_MPS
    if not _finite(speed_mps) or not low <= speed_mps <= high:
        raise GeneratorError(
            _("The speed must be between %(low)g and %(high)g m/s (it is %(speed)s).")
            % {"low": low, "high": high, "speed": speed_mps},
            field="speed_mps",
        )
    return float(speed_mps)


def _check_laps(laps: Any) -> int:
    if isinstance(laps, bool) or not isinstance(laps, int) or not 1 <= laps <= MAX_LAPS:
        raise GeneratorError(
            _("Laps must be a whole number from 1 to %(max)d (it is %(laps)s).") % {"max": MAX_LAPS, "laps": laps},
            field="laps",
        )
    return laps


def _polygon(geojson: Any, what: str, field: str):
    """A valid shapely Polygon/MultiPolygon (WGS-84, x = lon) from GeoJSON, or GeneratorError saying why and where."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        found = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
        raise GeneratorError(
            _("%(what)s must be a GeoJSON Polygon (found %(found)s).") % {"what": what, "found": found}, field=field
        )
    try:
        geom = shp.shape(geojson)
    except Exception as exc:  # noqa: BLE001 - shapely raises several types for malformed coordinates
        raise GeneratorError(
            _("%(what)s has malformed coordinates: %(error)s.") % {"what": what, "error": exc}, field=field
        ) from None
    for index, (lon, lat) in enumerate(shapely.get_coordinates(geom), start=1):
        problem = point_problem(float(lat), float(lon))
        if problem:
            raise GeneratorError(
                _("%(what)s, vertex %(index)d: %(problem)s.") % {"what": what, "index": index, "problem": problem},
                field=field,
                code="coordinates",
            )
    if geom.is_empty:
        raise GeneratorError(_("%(what)s is empty.") % {"what": what}, field=field)
    if not geom.is_valid:
        raise GeneratorError(
            _("%(what)s is not a valid polygon: %(reason)s. Redraw it so that its edges do not cross.")
            % {"what": what, "reason": invalid_reason(geom)},
            field=field,
            code="invalid_polygon",
        )
    if geom.area == 0:
        raise GeneratorError(_("%(what)s has no area.") % {"what": what}, field=field)
    return geom


def _line(geojson: Any, what: str, field: str) -> shp.LineString:
    if not isinstance(geojson, dict) or geojson.get("type") != "LineString":
        found = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
        raise GeneratorError(
            _("%(what)s must be a GeoJSON LineString (found %(found)s).") % {"what": what, "found": found}, field=field
        )
    try:
        line = shp.shape(geojson)
    except Exception as exc:  # noqa: BLE001 - shapely raises several types for malformed coordinates
        raise GeneratorError(
            _("%(what)s has malformed coordinates: %(error)s.") % {"what": what, "error": exc}, field=field
        ) from None
    for index, (lon, lat) in enumerate(shapely.get_coordinates(line), start=1):
        problem = point_problem(float(lat), float(lon))
        if problem:
            raise GeneratorError(
                _("%(what)s, point %(index)d: %(problem)s.") % {"what": what, "index": index, "problem": problem},
                field=field,
                code="coordinates",
            )
    return line


def _waypoints(
    local: LocalFrame, points_xy: Sequence[tuple[float, float]], alt_m: float, *, speaker: bool = False
) -> list[Waypoint]:
    """WGS-84 waypoints; with ``speaker`` the first switches the loudspeaker on and the last off."""
    route = []
    for x, y in points_xy:
        lat, lon = local.point_latlon(x, y)
        route.append(Waypoint(round(lat, 8), round(lon, 8), alt_m))  # 1e-8° ≈ 1 mm
    if speaker and route:
        route[0] = Waypoint(route[0].lat, route[0].lon, alt_m, speaker=True)
        route[-1] = Waypoint(route[-1].lat, route[-1].lon, alt_m, speaker=False)
    return route


def _path_length(points_xy: Sequence[tuple[float, float]]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points_xy, points_xy[1:], strict=False))


def _operating_area(local: LocalFrame, points_xy: Sequence[tuple[float, float]], margin_m: float) -> dict[str, Any]:
    """The convex hull of the route and launch point, at least ``margin_m`` wider, as a WGS-84 GeoJSON Polygon.

    Few vertices (each is a fence item): mitred corners (bevelled past twice the margin) and square
    ends lie outside the round buffer, so every point of the route keeps at least ``margin_m``.
    """
    hull = shp.MultiPoint(list(points_xy)).convex_hull
    hull = hull.buffer(margin_m, cap_style="square", join_style="mitre", mitre_limit=2.0)
    return geometry_to_geojson(orient(local.to_wgs84(hull), sign=1.0))


def _out_and_back_m(local: LocalFrame, start: tuple[float, float], points_xy: Sequence[tuple[float, float]]) -> float:
    """Metres from the launch point (WGS-84 lat, lon) to the first point and from the last point back."""
    home = local.point_xy(*start)
    return math.dist(home, points_xy[0]) + math.dist(points_xy[-1], home)


def _flight_s(route_s: float, *, alt_m: float, transit_m: float, speed_mps: float) -> float:
    """Take-off, transit out and back, the route, and the landing (RTL descent), in seconds."""
    climb = alt_m / CLIMB_MPS
    descent = max(0.0, alt_m - LAND_ALT_LOW_M) / DESCENT_MPS + min(alt_m, LAND_ALT_LOW_M) / LAND_MPS
    return climb + transit_m / speed_mps + route_s + descent


def _aware(moment: dt.datetime | dt.time, on_date: dt.date | None) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if isinstance(moment, dt.time):
        day = on_date or timezone.localdate()
        return timezone.make_aware(dt.datetime.combine(day, moment.replace(tzinfo=None)))
    raise GeneratorError(
        _("The dismissal time must be a time or a date and time (it is %(value)r).") % {"value": moment},
        field="dismissal",
    )


def _gates(school) -> list:
    if getattr(school, "pk", None) is None:
        return []
    return list(school.gates.all())


# --- school patrol ---------------------------------------------------------------------------


def school_patrol(
    school,
    *,
    buffer_m: float = 30.0,
    alt_m: float = 40.0,
    laps: int = 2,
    speed_mps: float | None = None,
    around: str = "campus",
    start_at: tuple[float, float] | None = None,
    dismissal: dt.datetime | dt.time | None = None,
    on_date: dt.date | None = None,
    lead_min: float = GUARD_LEAD_MIN,
    cruise_speed_mps: float = DEFAULT_CRUISE_MPS,
    margin_m: float = 30.0,
) -> GeneratedMission:
    """A loop ``buffer_m`` outside a school's campus outline (or around its gates), flown ``laps`` times.

    ``around="campus"`` buffers the campus polygon; without a campus outline, or
    with ``around="gates"``, it buffers the convex hull of the gates (one gate: a
    circle around it). The loop is simplified to at most ``MAX_LOOP_VERTICES``
    vertices (the vertices stay on the buffered outline; the straight legs between
    them cut inside it by at most a few per cent of ``buffer_m``), runs clockwise and
    starts at the vertex nearest ``start_at`` (the launch point, (lat, lon)), or the
    northernmost vertex. The route is the loop ``laps`` times, closed back at its
    first vertex, at ``alt_m`` above the launch point; no holds, no loudspeaker.

    ``dismissal`` (an aware or naive local datetime, or a time on ``on_date``/today)
    times the patrol: the drone is over the school from ``lead_min`` minutes before
    dismissal (the guards' gate clearing), so ``planned_start`` (rounded down to the
    minute) is that moment minus the take-off and transit time. ``speed_mps`` (None:
    the drone's cruise speed, ``cruise_speed_mps``, for the estimates) is the mission speed.
    """
    name = str(school)
    position_problem = point_problem(getattr(school, "lat", None), getattr(school, "lon", None))
    if position_problem:
        raise GeneratorError(
            _("The position of %(school)s: %(problem)s.") % {"school": name, "problem": position_problem},
            field="school",
            code="coordinates",
        )
    if around not in ("campus", "gates"):
        raise GeneratorError(_("Fly around 'campus' or 'gates', not %(around)r.") % {"around": around}, field="around")
    buffer_m = _check_positive(buffer_m, "buffer_m", _("The distance from the campus"), high=1000)
    alt_m = _check_positive(alt_m, "alt_m", _("The height"))
    laps = _check_laps(laps)
    speed_mps = _check_speed(speed_mps, required=False)
    cruise_speed_mps = _check_speed(cruise_speed_mps, required=True)
    margin_m = _check_positive(margin_m, "margin_m", _("The operating area margin"))
    if not _finite(lead_min) or lead_min < 0:
        raise GeneratorError(
            _("The lead time before dismissal must be 0 minutes or more (it is %(lead)s).") % {"lead": lead_min},
            field="lead_min",
        )
    start = _check_point(start_at, _("The launch point"), "start_at") if start_at is not None else None

    local = LocalFrame(float(school.lat), float(school.lon))
    used = around
    if around == "campus" and getattr(school, "campus", None):
        campus = _polygon(school.campus, _("The campus outline of %(school)s") % {"school": name}, "campus")
        base = local.to_local(campus)
    else:
        gates = _gates(school)
        if not gates:
            if around == "gates":
                message = _("%(school)s has no gates recorded; add its gates or fly around the campus outline.")
            else:
                message = _("%(school)s has neither a campus outline nor gates; draw the campus or add its gates.")
            raise GeneratorError(message % {"school": name}, field="school", code="no_geometry")
        points = []
        for gate in gates:
            lat, lon = _check_point((gate.lat, gate.lon), _("Gate %(gate)s") % {"gate": gate.name}, "gates")
            points.append(local.point_xy(lat, lon))
        base = shp.MultiPoint(points).convex_hull
        used = "gates"

    outline = base.buffer(buffer_m, quad_segs=3)
    if outline.geom_type != "Polygon":
        outline = outline.convex_hull
    outline = shp.Polygon(outline.exterior)  # holes do not matter to a loop around
    tolerance = max(0.5, 0.03 * buffer_m)
    loop = outline.simplify(tolerance)
    while len(loop.exterior.coords) - 1 > MAX_LOOP_VERTICES:
        tolerance *= 1.5
        loop = outline.simplify(tolerance)
    loop = orient(loop, sign=-1.0)  # clockwise
    vertices = [tuple(c) for c in loop.exterior.coords[:-1]]
    if start is not None:
        anchor = local.point_xy(*start)
        first = min(range(len(vertices)), key=lambda i: math.dist(vertices[i], anchor))
    else:
        first = max(range(len(vertices)), key=lambda i: vertices[i][1])
    ring = vertices[first:] + vertices[:first]
    points_xy = ring * laps + [ring[0]]
    route = _waypoints(local, points_xy, alt_m)

    loop_m = loop.exterior.length
    route_m = loop_m * laps
    estimate_mps = speed_mps or cruise_speed_mps
    route_s = route_m / estimate_mps
    transit_m = math.dist(local.point_xy(*start), ring[0]) if start is not None else 0.0
    flight_s = _flight_s(route_s, alt_m=alt_m, transit_m=2 * transit_m, speed_mps=estimate_mps)

    planned_start = over_from = over_until = None
    if dismissal is not None:
        at = _aware(dismissal, on_date)
        over_from = at - dt.timedelta(minutes=lead_min)
        to_school_s = alt_m / CLIMB_MPS + transit_m / estimate_mps
        planned_start = (over_from - dt.timedelta(seconds=to_school_s)).replace(second=0, microsecond=0)
        over_until = over_from + dt.timedelta(seconds=route_s)

    params = {
        "around": used,
        "buffer_m": buffer_m,
        "alt_m": alt_m,
        "laps": laps,
        "speed_mps": speed_mps,
        "start_at": list(start) if start else None,
        "dismissal": _aware(dismissal, on_date).isoformat() if dismissal is not None else None,
        "lead_min": lead_min,
        "loop_vertices": len(ring),
        "loop_length_m": round(loop_m, 1),
        "over_school_from": over_from.isoformat() if over_from else None,
        "over_school_until": over_until.isoformat() if over_until else None,
    }
    area_points = points_xy + ([local.point_xy(*start)] if start else [])
    return GeneratedMission(
        kind=KIND_SCHOOL_PATROL,
        waypoints=route,
        takeoff_alt_m=alt_m,
        speed_mps=speed_mps,
        operating_area=_operating_area(local, area_points, margin_m),
        params=params,
        route_length_m=route_m,
        route_duration_s=route_s,
        flight_duration_s=flight_s,
        planned_start=planned_start,
    )


# --- market corridor broadcast ---------------------------------------------------------------


def _sweep_passes(area_xy, spacing_m: float) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Parallel passes ``spacing_m`` apart along the polygon's long axis, in sweep order.

    Each pass covers a strip ``spacing_m`` wide (half the spacing either side) and
    spans the polygon's extent within that strip, so the strips together cover the
    whole polygon. Passes alternate direction (a lawnmower pattern).
    """
    rect = area_xy.minimum_rotated_rectangle
    corners = list(rect.exterior.coords)
    sides = [(corners[0], corners[1]), (corners[1], corners[2])]
    (ax, ay), (bx, by) = max(sides, key=lambda side: math.dist(*side))
    angle = math.degrees(math.atan2(by - ay, bx - ax))
    origin = area_xy.centroid
    flat = affinity.rotate(area_xy, -angle, origin=origin)
    minx, miny, maxx, maxy = flat.bounds
    count = max(1, math.ceil((maxy - miny) / spacing_m - 1e-9))
    y0 = miny + ((maxy - miny) - (count - 1) * spacing_m) / 2
    passes = []
    for i in range(count):
        y = y0 + i * spacing_m
        strip = flat.intersection(shp.box(minx - 1, y - spacing_m / 2, maxx + 1, y + spacing_m / 2))
        if strip.is_empty:
            continue
        x0, _y0, x1, _y1 = strip.bounds
        if x1 - x0 < 0.5:
            continue
        ends = [(x0, y), (x1, y)] if len(passes) % 2 == 0 else [(x1, y), (x0, y)]
        line = affinity.rotate(shp.LineString(ends), angle, origin=origin)
        a, b = line.coords
        passes.append((tuple(a), tuple(b)))
    return passes


def _sweep_path(passes, start_xy: tuple[float, float] | None) -> list[tuple[float, float]]:
    """The passes joined end to end, starting at the corner nearest ``start_xy``."""
    forward = [point for ends in passes for point in ends]
    flipped = [point for a, b in passes for point in (b, a)]
    candidates = [forward, forward[::-1], flipped, flipped[::-1]]
    if start_xy is None:
        return forward
    return min(candidates, key=lambda path: math.dist(path[0], start_xy))


def market_broadcast(
    market,
    *,
    alt_m: float = 40.0,
    speed_mps: float = 5.0,
    laps: int | None = None,
    minutes: float | None = None,
    spacing_m: float = 40.0,
    over: str | None = None,
    start_at: tuple[float, float] | None = None,
    margin_m: float = 30.0,
) -> GeneratedMission:
    """Back-and-forth loudspeaker sweeps over a market, ``laps`` times or for about ``minutes``.

    Over the market street (``over="street"``, the default when the market has one):
    out along the LineString and back is one lap. Over the market area
    (``over="area"``, the default otherwise): a lawnmower sweep of passes
    ``spacing_m`` apart along the polygon's long axis covers it once per lap; the
    next lap sweeps back the other way. Either way the sweep starts at the end
    nearest ``start_at`` (the launch point), at ``alt_m`` above the launch point
    (not below the market's minimum height), at ``speed_mps``. The loudspeaker is
    switched on at the first waypoint over the market and off at the last.

    Give exactly one of ``laps`` (whole number) and ``minutes``: with ``minutes``,
    the laps are the most whole laps that fit (at least one), from the lap length,
    the speed and a full stop at each end of a pass.
    """
    name = str(market)
    if (laps is None) == (minutes is None):
        if laps is None:
            message = _("Give either the number of laps or the minutes to broadcast.")
        else:
            message = _("Give either the number of laps or the minutes to broadcast, not both.")
        raise GeneratorError(message, field="laps", code="laps_or_minutes")
    if laps is not None:
        laps = _check_laps(laps)
    if minutes is not None:
        minutes = _check_positive(minutes, "minutes", _("The broadcast minutes"), high=MAX_MINUTES)
    alt_m = _check_positive(alt_m, "alt_m", _("The height"))
    speed_mps = _check_speed(speed_mps, required=True)
    margin_m = _check_positive(margin_m, "margin_m", _("The operating area margin"))
    min_alt = getattr(market, "min_alt_m", None)
    if _finite(min_alt) and alt_m < min_alt:
        raise GeneratorError(
            _("%(alt)g m is below the %(min)g m minimum height over %(market)s.")
            % {"alt": alt_m, "min": min_alt, "market": name},
            field="alt_m",
            code="below_minimum",
        )
    street, area = getattr(market, "street", None), getattr(market, "area", None)
    if over is None:
        if not street and not area:
            raise GeneratorError(
                _("%(market)s has neither a street line nor an area; draw one of them first.") % {"market": name},
                field="market",
                code="no_geometry",
            )
        over = "street" if street else "area"
    if over not in ("street", "area"):
        raise GeneratorError(_("Fly over 'street' or 'area', not %(over)r.") % {"over": over}, field="over")
    if over == "street" and not street:
        raise GeneratorError(
            _("%(market)s has no street line; draw it or sweep its area.") % {"market": name},
            field="market",
            code="no_geometry",
        )
    if over == "area" and not area:
        raise GeneratorError(
            _("%(market)s has no area; draw it or fly along its street.") % {"market": name},
            field="market",
            code="no_geometry",
        )
    start = _check_point(start_at, _("The launch point"), "start_at") if start_at is not None else None

    stop_s = speed_mps / ACCEL_MPS2
    if over == "street":
        line_wgs = _line(street, _("The street of %(market)s") % {"market": name}, "street")
        local = LocalFrame(line_wgs.coords[0][1], line_wgs.coords[0][0])
        line = local.to_local(line_wgs).simplify(0.5)
        if line.length < 5:
            raise GeneratorError(
                _("The street of %(market)s is only %(length).1f m long; draw at least 5 m.")
                % {"market": name, "length": line.length},
                field="street",
            )
        vertices = [tuple(c) for c in line.coords]
        if start is not None:
            anchor = local.point_xy(*start)
            if math.dist(vertices[-1], anchor) < math.dist(vertices[0], anchor):
                vertices.reverse()
        lap_path = vertices[1:] + vertices[-2::-1]
        lap_m = 2 * line.length
        lap_s = lap_m / speed_mps + 2 * stop_s
        passes = 1
    else:
        spacing_m = _check_positive(spacing_m, "spacing_m", _("The spacing between passes"), high=1000)
        area_wgs = _polygon(area, _("The area of %(market)s") % {"market": name}, "area")
        centre = area_wgs.centroid
        local = LocalFrame(centre.y, centre.x)
        area_xy = local.to_local(area_wgs)
        sweep = _sweep_path(_sweep_passes(area_xy, spacing_m), local.point_xy(*start) if start else None)
        passes = len(sweep) // 2
        lap_m = _path_length(sweep)
        lap_s = lap_m / speed_mps + (len(sweep) - 1) * stop_s
        vertices = sweep

    if minutes is not None:
        laps = max(1, math.floor(minutes * 60 / lap_s + 1e-9))
    assert laps is not None
    if over == "street":
        points_xy = [vertices[0]] + lap_path * laps
    else:
        points_xy = list(vertices)
        for lap in range(1, laps):
            points_xy += (vertices[::-1] if lap % 2 else vertices)[1:]
    route = _waypoints(local, points_xy, alt_m, speaker=True)

    route_m = _path_length(points_xy)
    route_s = laps * lap_s
    transit_m = _out_and_back_m(local, start, points_xy) if start else 0
    params = {
        "over": over,
        "alt_m": alt_m,
        "speed_mps": speed_mps,
        "laps": laps,
        "minutes": minutes,
        "spacing_m": spacing_m if over == "area" else None,
        "passes": passes,
        "lap_length_m": round(lap_m, 1),
        "lap_s": round(lap_s, 1),
        "start_at": list(start) if start else None,
    }
    area_points = points_xy + ([local.point_xy(*start)] if start else [])
    return GeneratedMission(
        kind=KIND_MARKET_BROADCAST,
        waypoints=route,
        takeoff_alt_m=alt_m,
        speed_mps=speed_mps,
        operating_area=_operating_area(local, area_points, margin_m),
        params=params,
        route_length_m=route_m,
        route_duration_s=route_s,
        flight_duration_s=_flight_s(route_s, alt_m=alt_m, transit_m=transit_m, speed_mps=speed_mps),
    )


# --- point broadcast -------------------------------------------------------------------------


def point_broadcast(
    points: Sequence[tuple[float, float]],
    *,
    alt_m: float = 40.0,
    hold_s: float = 60.0,
    speed_mps: float | None = None,
    start_at: tuple[float, float] | None = None,
    cruise_speed_mps: float = DEFAULT_CRUISE_MPS,
    margin_m: float = 30.0,
) -> GeneratedMission:
    """Hover ``hold_s`` seconds at each of ``points`` ((lat, lon), WGS-84, in order) with the loudspeaker on.

    Each point gives two waypoints at the same place: the first switches the
    loudspeaker on on arrival and holds (compiled as NAV_WAYPOINT, DO on,
    NAV_LOITER_TIME), the second switches it off when the hold ends (a DO item
    only), so the drone is silent on its way between points: the message is meant
    for the crowd at each point, not for the houses along the way.
    """
    if isinstance(points, str | bytes) or not isinstance(points, Sequence) or len(points) < 1:
        raise GeneratorError(_("Give at least one point to broadcast at."), field="points", code="no_points")
    checked = [
        _check_point(point, _("Point %(index)d") % {"index": index}, "points")
        for index, point in enumerate(points, start=1)
    ]
    alt_m = _check_positive(alt_m, "alt_m", _("The height"))
    hold_s = _check_positive(hold_s, "hold_s", _("The hold time"), high=MAX_HOLD_S)
    speed_mps = _check_speed(speed_mps, required=False)
    cruise_speed_mps = _check_speed(cruise_speed_mps, required=True)
    margin_m = _check_positive(margin_m, "margin_m", _("The operating area margin"))
    start = _check_point(start_at, _("The launch point"), "start_at") if start_at is not None else None

    local = LocalFrame(*checked[0])
    route: list[Waypoint] = []
    for lat, lon in checked:
        route.append(Waypoint(lat, lon, alt_m, hold_s, speaker=True))
        route.append(Waypoint(lat, lon, alt_m, 0.0, speaker=False))
    points_xy = [local.point_xy(lat, lon) for lat, lon in checked]
    estimate_mps = speed_mps or cruise_speed_mps
    legs_m = _path_length(points_xy)
    # Each point: stop, hold, restart.
    route_s = legs_m / estimate_mps + len(points_xy) * (hold_s + estimate_mps / ACCEL_MPS2)
    transit_m = _out_and_back_m(local, start, points_xy) if start else 0
    params = {
        "points": [list(p) for p in checked],
        "alt_m": alt_m,
        "hold_s": hold_s,
        "speed_mps": speed_mps,
        "start_at": list(start) if start else None,
    }
    area_points = points_xy + ([local.point_xy(*start)] if start else [])
    return GeneratedMission(
        kind=KIND_POINT_BROADCAST,
        waypoints=route,
        takeoff_alt_m=alt_m,
        speed_mps=speed_mps,
        operating_area=_operating_area(local, area_points, margin_m),
        params=params,
        route_length_m=legs_m,
        route_duration_s=route_s,
        flight_duration_s=_flight_s(route_s, alt_m=alt_m, transit_m=transit_m, speed_mps=estimate_mps),
    )
