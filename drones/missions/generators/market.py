"""The market broadcast generator (``market_broadcast``): loudspeaker sweeps out and back along a
market's street, or a lawnmower sweep over its area, for a number of laps or minutes."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from shapely import affinity
from shapely import geometry as shp

from drones.missions.frame import LocalFrame
from drones.missions.generators.generated import KIND_MARKET_BROADCAST, GeneratedMission, GeneratorError
from drones.missions.generators.inputs import (
    _check_laps,
    _check_point,
    _check_positive,
    _check_speed,
    _finite,
    _line,
    _polygon,
)
from drones.missions.generators.paths import (
    ACCEL_MPS2,
    _flight_s,
    _operating_area,
    _out_and_back_m,
    _path_length,
    _waypoints,
)

MAX_MINUTES = 600.0


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
