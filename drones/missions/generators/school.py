"""The school patrol generator (``school_patrol``): laps of a loop outside a school's campus outline or
around its gates, timed so that the drone is over the school from before dismissal (护学岗)."""

from __future__ import annotations

import datetime as dt
import math

from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import geometry as shp
from shapely.geometry.polygon import orient

from common.geo import point_problem
from drones.missions.frame import LocalFrame
from drones.missions.generators.generated import KIND_SCHOOL_PATROL, GeneratedMission, GeneratorError
from drones.missions.generators.inputs import (
    _check_laps,
    _check_point,
    _check_positive,
    _check_speed,
    _finite,
    _polygon,
)
from drones.missions.generators.paths import (
    CLIMB_MPS,
    DEFAULT_CRUISE_MPS,
    _flight_s,
    _operating_area,
    _waypoints,
)

GUARD_LEAD_MIN = 20.0  # 护学岗: guards patrol and clear the gate area 20 min before dismissal (domain.md)
MAX_LOOP_VERTICES = 24  # per patrol lap: enough for a rounded outline, few enough to edit on the map


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
