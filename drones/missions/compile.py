"""Routes to the MAVLink mission items ArduCopter 4.7 accepts and flies, and back.

A route (``drones.missions.route.Waypoint``) is WGS-84 with heights in metres
above the launch point. ``compile_route`` turns it into mission items:

====  ===========================  =======  ==============================================
seq   command                      frame    meaning
====  ===========================  =======  ==============================================
0     NAV_WAYPOINT (16)            0        home placeholder: launch position, alt 0. ArduCopter
                                            keeps its own home in slot 0 whatever is uploaded.
1     NAV_TAKEOFF (22)             3        climb to ``takeoff_alt_m`` (lat/lon 0: straight up)
(2)   DO_CHANGE_SPEED (178)        2        p1 1 (ground speed), p2 m/s, p3 -1 (throttle unchanged)
...   NAV_WAYPOINT (16)            3        p1 = hold in s; x/y lat/lon, z height above launch
...   NAV_LOITER_TIME (19)         3        p1 = hold in s, at the waypoint just reached (see below)
...   DO_SET_RELAY (181)           2        p1 relay instance (0 = RELAY1), p2 1 on / 0 off
...   DO_SET_SERVO (183)           2        p1 output channel, p2 PWM in µs
last  NAV_RETURN_TO_LAUNCH (20)    2        fly home and land
====  ===========================  =======  ==============================================

Where the loudspeaker switch goes. ArduCopter runs the DO items that follow a NAV
item as soon as that NAV item completes, and a NAV_WAYPOINT with a hold (param1)
only completes at the *end* of the hold. So:

- a waypoint without a hold: ``WP``, then its DO items (they run on arrival);
- a waypoint with a hold and a speaker switch (or a speed change): ``WP`` (hold 0),
  its DO items, then ``NAV_LOITER_TIME`` at the same place for the hold. The speaker
  switches on arrival and the hover happens with it switched. LOITER_TIME is the
  firmware's own timed hover (the 04 recording: a 10 s LOITER_TIME lasted 10.0 s);
- a waypoint with a hold and nothing to switch: ``WP`` with the hold in param1;
- a waypoint at the same place as a holding waypoint just before it, with no hold of
  its own but something to switch, adds no NAV item, only its DO items: they run when
  the hold ends, i.e. "switch off before leaving" (point broadcasts use this);
- if the loudspeaker is still on after the last waypoint, a switch-off goes right
  before the return to launch.

``drones.missions.decompile`` reads such items back. The item vocabulary is ``drones.missions.items``, the
loudspeaker's switch items ``drones.missions.speaker``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from common.geo import point_problem
from drones.missions.items import (
    CMD_NAV_LOITER_TIME,
    CMD_NAV_WAYPOINT,
    FRAME_GLOBAL_RELATIVE_ALT,
    MAX_HOLD_S,
    MAX_MISSION_ITEMS,
    SPEED_RANGE_MPS,
    finite,
    home_item,
    rtl_item,
    same_place,
    speed_item,
    takeoff_item,
)
from drones.missions.route import RouteError, Waypoint
from drones.missions.speaker import DEFAULT_SPEAKER, SpeakerConfig
from drones.vehicle import MissionItem


def _nav(command: int, wp: Waypoint, hold_s: float) -> MissionItem:
    return MissionItem(command, FRAME_GLOBAL_RELATIVE_ALT, x=wp.lat, y=wp.lon, z=wp.alt_m, param1=float(hold_s))


def _body(route: Sequence[Waypoint], speaker: SpeakerConfig) -> list[MissionItem]:
    """The items after take-off and mission speed: waypoints, holds, switches, the final RTL."""
    items: list[MissionItem] = []
    speaker_on = False
    previous: Waypoint | None = None
    for wp in route:
        dos: list[MissionItem] = []
        if wp.speed_mps is not None:
            dos.append(speed_item(wp.speed_mps))
        if wp.speaker is not None:
            dos.append(speaker.item(wp.speaker))
            speaker_on = wp.speaker
        if dos and previous is not None and previous.hold_s > 0 and wp.hold_s == 0 and same_place(previous, wp):
            items.extend(dos)  # already there: switch when the previous hold ends
        elif dos and wp.hold_s > 0:
            items.extend([_nav(CMD_NAV_WAYPOINT, wp, 0.0), *dos, _nav(CMD_NAV_LOITER_TIME, wp, wp.hold_s)])
        else:
            items.extend([_nav(CMD_NAV_WAYPOINT, wp, wp.hold_s), *dos])
        previous = wp
    if speaker_on:
        items.append(speaker.item(False))
    items.append(rtl_item())
    return items


def item_count(route: Sequence[Waypoint], *, speed_mps: float | None = None) -> int:
    """How many items ``compile_route`` makes of ``route``, home included (ArduCopter takes at most 650)."""
    return 2 + (1 if speed_mps else 0) + len(_body(route, DEFAULT_SPEAKER))


def route_problems(
    route: Sequence[Waypoint], *, takeoff_alt_m: float | None = None, speed_mps: float | None = None
) -> list[dict[str, Any]]:
    """What keeps ``route`` from being compiled, as ``RouteError`` problems (waypoint index 0-based)."""
    problems: list[dict[str, Any]] = []
    if len(route) == 0:
        problems.append({"waypoint": None, "field": None, "message": _("the route has no waypoints")})
    elif len(route) == 1:
        problems.append(
            {
                "waypoint": None,
                "field": None,
                "message": _(
                    "the route has only one waypoint; a route needs at least two (to hover at one place, use a point "
                    "broadcast or give the waypoint a hold time and a second waypoint)"
                ),
            }
        )
    if takeoff_alt_m is not None and (not finite(takeoff_alt_m) or takeoff_alt_m <= 0):
        problems.append(
            {
                "waypoint": None,
                "field": "takeoff_alt_m",
                "message": _("the take-off height must be above 0 m (it is %(alt)s)") % {"alt": takeoff_alt_m},
            }
        )
    if speed_mps is not None and (not finite(speed_mps) or not SPEED_RANGE_MPS[0] <= speed_mps <= SPEED_RANGE_MPS[1]):
        problems.append(
            {
                "waypoint": None,
                "field": "speed_mps",
                "message": _("the speed must be between %(low)g and %(high)g m/s (it is %(speed)s)")
                % {"low": SPEED_RANGE_MPS[0], "high": SPEED_RANGE_MPS[1], "speed": speed_mps},
            }
        )
    for index, wp in enumerate(route):
        if not (finite(wp.lat) and finite(wp.lon)):
            problems.append({"waypoint": index, "field": "lat", "message": _("latitude and longitude are required")})
            continue
        problem = point_problem(wp.lat, wp.lon)
        if problem:
            problems.append({"waypoint": index, "field": "lat", "message": problem})
        if not finite(wp.alt_m) or wp.alt_m <= 0:
            problems.append(
                {
                    "waypoint": index,
                    "field": "alt_m",
                    "message": _(
                        "the height must be above 0 m (it is %(alt)s); ArduCopter reads 0 as 'stay at the current "
                        "height'"
                    )
                    % {"alt": wp.alt_m},
                }
            )
        if not finite(wp.hold_s) or not 0 <= wp.hold_s <= MAX_HOLD_S:
            problems.append(
                {
                    "waypoint": index,
                    "field": "hold_s",
                    "message": _("the hold must be between 0 and %(max)g s (it is %(hold)s)")
                    % {"max": MAX_HOLD_S, "hold": wp.hold_s},
                }
            )
        if wp.speed_mps is not None and (
            not finite(wp.speed_mps) or not SPEED_RANGE_MPS[0] <= wp.speed_mps <= SPEED_RANGE_MPS[1]
        ):
            problems.append(
                {
                    "waypoint": index,
                    "field": "speed_mps",
                    "message": _("the speed must be between %(low)g and %(high)g m/s (it is %(speed)s)")
                    % {"low": SPEED_RANGE_MPS[0], "high": SPEED_RANGE_MPS[1], "speed": wp.speed_mps},
                }
            )
    return problems


def compile_route(
    route: Sequence[Waypoint],
    *,
    launch: tuple[float, float] | None,
    takeoff_alt_m: float,
    speed_mps: float | None,
    speaker: SpeakerConfig = DEFAULT_SPEAKER,
) -> list[MissionItem]:
    """The mission items for ``route`` (item 0 = home placeholder), ready for ``Vehicle.upload_mission``.

    ``launch`` is (lat, lon) WGS-84 of the launch point, used for the home
    placeholder only (ArduCopter keeps its own home). ``takeoff_alt_m`` and the
    waypoint heights are metres above the launch point; ``speed_mps`` is the
    horizontal speed for the whole mission (None = the vehicle's WPNAV_SPEED).

    Raises ``RouteError`` (problems by waypoint) for an empty or one-point route,
    swapped or impossible coordinates, heights <= 0, bad holds or speeds, and for
    more items than ArduCopter's 650.
    """
    problems = route_problems(route, takeoff_alt_m=takeoff_alt_m, speed_mps=speed_mps)
    if launch is not None:
        problem = point_problem(*launch) if all(finite(v) for v in launch) else _("latitude and longitude are required")
        if problem:
            problems.append(
                {"waypoint": None, "field": "launch", "message": _("launch point: %(problem)s") % {"problem": problem}}
            )
    if problems:
        raise RouteError(problems)
    items = [home_item(launch), takeoff_item(takeoff_alt_m)]
    if speed_mps:
        items.append(speed_item(speed_mps))
    items.extend(_body(route, speaker))
    if len(items) > MAX_MISSION_ITEMS:
        raise RouteError(
            [
                {
                    "waypoint": None,
                    "field": None,
                    "message": _(
                        "the route makes %(count)d mission items; ArduCopter takes at most %(max)d "
                        "(use fewer waypoints, laps or switches)"
                    )
                    % {"count": len(items), "max": MAX_MISSION_ITEMS},
                }
            ]
        )
    return items


def route_uses_speaker(route: Sequence[Waypoint]) -> bool:
    """Whether the route switches the loudspeaker (the drone then needs one)."""
    return any(wp.speaker is not None for wp in route)
