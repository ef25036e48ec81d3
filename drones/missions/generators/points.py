"""The point broadcast generator (``point_broadcast``): hover at each point in turn with the loudspeaker
on, silent on the way between them."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from drones.missions.frame import LocalFrame
from drones.missions.generators.generated import KIND_POINT_BROADCAST, GeneratedMission, GeneratorError
from drones.missions.generators.inputs import _check_point, _check_positive, _check_speed
from drones.missions.generators.paths import (
    ACCEL_MPS2,
    DEFAULT_CRUISE_MPS,
    _flight_s,
    _operating_area,
    _out_and_back_m,
    _path_length,
)
from drones.missions.items import MAX_HOLD_S
from drones.missions.route import Waypoint


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
