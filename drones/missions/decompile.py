"""Mission items back to a route, the inverse of ``drones.missions.compile.compile_route``.

``decompile`` reads items made here and items made by other ground stations in the same vocabulary
(``drones.missions.items``: take-off, waypoints with holds, timed loiters, speed changes, the loudspeaker
switch, a return to launch) into a WGS-84 route with heights above the launch point, notes what does not
carry over (a yaw angle, a missing take-off or return), and refuses anything a route cannot represent
with a ``DecompileError`` naming the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.geo import point_problem
from drones.missions.items import (
    CMD_DO_CHANGE_SPEED,
    CMD_DO_SET_RELAY,
    CMD_DO_SET_SERVO,
    CMD_NAV_LOITER_TIME,
    CMD_NAV_RETURN_TO_LAUNCH,
    CMD_NAV_TAKEOFF,
    CMD_NAV_WAYPOINT,
    FRAME_NAMES,
    MAX_HOLD_S,
    RELATIVE_FRAMES,
    SPEED_RANGE_MPS,
    DecompileError,
    command_name,
    finite,
    same_place,
)
from drones.missions.route import Waypoint
from drones.missions.speaker import DEFAULT_SPEAKER, SpeakerConfig
from drones.vehicle import MissionItem


@dataclass
class Decompiled:
    """A route read back from mission items, with what did not carry over in ``notes``."""

    route: list[Waypoint]
    takeoff_alt_m: float
    speed_mps: float | None
    launch: tuple[float, float] | None
    notes: list[str] = field(default_factory=list)


_HINTS = {
    17: gettext_lazy("it hovers until the pilot takes over; use a waypoint with a hold time"),
    18: gettext_lazy("use waypoints around the point, or a hold time"),
    21: gettext_lazy("missions here end with a return to launch; replace the landing with a return"),
    82: gettext_lazy("use ordinary waypoints"),
    112: gettext_lazy("use a waypoint with a hold time"),
    177: gettext_lazy("repeat the waypoints instead (laps)"),
}


def _unsupported(seq: int, item: MissionItem) -> DecompileError:
    hint = _HINTS.get(item.command)
    text = _(
        "Mission item %(seq)d is %(name)s, which this system cannot represent: routes here consist of a take-off, "
        "waypoints (with holds), timed loiters, speed changes, the loudspeaker switch and a return to launch."
    ) % {"seq": seq, "name": command_name(item.command)}
    if hint:
        text += " " + _("Hint: %(hint)s.") % {"hint": hint}
    return DecompileError(text, seq=seq, code="unsupported_command")


def _location(seq: int, item: MissionItem) -> tuple[float, float, float]:
    """(lat, lon, height above launch) of a positioned item, or DecompileError naming the item."""
    name = command_name(item.command)
    if item.frame not in RELATIVE_FRAMES:
        frame = FRAME_NAMES.get(item.frame, str(item.frame))
        raise DecompileError(
            _(
                "Mission item %(seq)d (%(name)s) uses frame %(frame)s; only heights above the launch point (frame 3, "
                "GLOBAL_RELATIVE_ALT; 'Relative' in QGroundControl) can be imported."
            )
            % {"seq": seq, "name": name, "frame": frame},
            seq=seq,
            code="frame",
        )
    if not (finite(item.x) and finite(item.y)):
        raise DecompileError(
            _("Mission item %(seq)d (%(name)s) has no latitude/longitude.") % {"seq": seq, "name": name},
            seq=seq,
            code="coordinates",
        )
    problem = point_problem(item.x, item.y)
    if problem:
        raise DecompileError(
            _("Mission item %(seq)d (%(name)s): %(problem)s.") % {"seq": seq, "name": name, "problem": problem},
            seq=seq,
            code="coordinates",
        )
    if not finite(item.z) or item.z <= 0:
        raise DecompileError(
            _(
                "Mission item %(seq)d (%(name)s) is at height %(alt)g m; it must be above 0 m (ArduCopter reads 0 as "
                "'stay at the current height')."
            )
            % {"seq": seq, "name": name, "alt": item.z},
            seq=seq,
            code="altitude",
        )
    return float(item.x), float(item.y), float(item.z)


def _hold(seq: int, item: MissionItem) -> float:
    hold = item.param1 if finite(item.param1) else 0.0
    if not 0 <= hold <= MAX_HOLD_S:
        raise DecompileError(
            _("Mission item %(seq)d (%(name)s) holds %(hold)g s; holds must be 0-%(max)g s.")
            % {"seq": seq, "name": command_name(item.command), "hold": hold, "max": MAX_HOLD_S},
            seq=seq,
            code="hold",
        )
    return float(hold)


def _speed(seq: int, item: MissionItem) -> float:
    name = command_name(item.command)
    if item.param1 not in (0.0, 1.0):
        raise DecompileError(
            _(
                "Mission item %(seq)d (%(name)s) changes speed type %(type)g (climb or descent speed); only the "
                "horizontal speed (type 0 or 1) can be represented."
            )
            % {"seq": seq, "name": name, "type": item.param1},
            seq=seq,
            code="speed",
        )
    low, high = SPEED_RANGE_MPS
    if not finite(item.param2) or not low <= item.param2 <= high:
        raise DecompileError(
            _("Mission item %(seq)d (%(name)s) sets %(speed)s m/s; the speed must be %(low)g-%(high)g m/s.")
            % {"seq": seq, "name": name, "speed": item.param2, "low": low, "high": high},
            seq=seq,
            code="speed",
        )
    return float(item.param2)


def decompile(items: Sequence[MissionItem], *, speaker: SpeakerConfig = DEFAULT_SPEAKER) -> Decompiled:
    """Read a route back from mission items (item 0 = home), the inverse of ``compile_route``.

    For a route that switches the loudspeaker off itself (every generated route
    does), ``decompile(compile_route(route)).route == route`` and compiling that again
    gives the same items. A route that leaves the loudspeaker on reads back with the
    automatic switch-off as its own: at the last waypoint, or at the same place after
    its hold (a last waypoint that switches it on without a hold reads back as off:
    on and off at once is off).

    A LOITER_TIME at the place of the hold-less waypoint just before it becomes that
    waypoint's hold; DO items after a hold become a waypoint at the same place. Accepts
    frames 3 and 6 for positions (6 is how MISSION_ITEM_INT says 3), any frame for DO
    items. Raises ``DecompileError`` naming the first item it cannot represent.
    """
    if not items:
        raise DecompileError(_("There are no mission items."), code="empty")
    notes: list[str] = []
    home = items[0]
    launch: tuple[float, float] | None = None
    if finite(home.x) and finite(home.y) and (home.x, home.y) != (0.0, 0.0):
        problem = point_problem(home.x, home.y)
        if problem:
            raise DecompileError(
                _("Mission item 0 (home): %(problem)s.") % {"problem": problem}, seq=0, code="coordinates"
            )
        launch = (float(home.x), float(home.y))

    seq = 1
    takeoff_alt_m: float | None = None
    if len(items) > 1 and items[1].command == CMD_NAV_TAKEOFF:
        takeoff = items[1]
        if takeoff.frame not in RELATIVE_FRAMES:
            raise DecompileError(
                _(
                    "Mission item 1 (%(name)s) uses frame %(frame)s; the take-off height must be above the "
                    "launch point (frame 3)."
                )
                % {"name": command_name(takeoff.command), "frame": FRAME_NAMES.get(takeoff.frame, str(takeoff.frame))},
                seq=1,
                code="frame",
            )
        if not finite(takeoff.z) or takeoff.z <= 0:
            raise DecompileError(
                _("Mission item 1 (%(name)s) climbs to %(alt)g m; it must be above 0 m.")
                % {"name": command_name(takeoff.command), "alt": takeoff.z},
                seq=1,
                code="altitude",
            )
        takeoff_alt_m = float(takeoff.z)
        seq = 2

    speed_mps: float | None = None
    while seq < len(items) and items[seq].command in (CMD_DO_CHANGE_SPEED, CMD_DO_SET_RELAY, CMD_DO_SET_SERVO):
        item = items[seq]
        if item.command != CMD_DO_CHANGE_SPEED:
            raise DecompileError(
                _(
                    "Mission item %(seq)d (%(name)s) switches the loudspeaker before the first waypoint; a route can "
                    "only switch it on arrival at a waypoint. Move it after a waypoint."
                )
                % {"seq": seq, "name": command_name(item.command)},
                seq=seq,
                code="speaker_position",
            )
        speed_mps = _speed(seq, item)
        seq += 1

    route: list[Waypoint] = []
    attach: int | None = None  # the waypoint DO items switch on arrival at; None right after a hold
    merge: int | None = None  # a hold-0 waypoint a LOITER_TIME at the same place extends
    rtl_seq: int | None = None
    first_nav = seq
    for seq in range(first_nav, len(items)):
        item = items[seq]
        command = item.command
        if rtl_seq is not None:
            raise DecompileError(
                _(
                    "Mission item %(seq)d (%(name)s) comes after the return to launch (item %(rtl)d) and would never "
                    "be flown."
                )
                % {"seq": seq, "name": command_name(command), "rtl": rtl_seq},
                seq=seq,
                code="after_rtl",
            )
        if command in (CMD_NAV_WAYPOINT, CMD_NAV_LOITER_TIME):
            lat, lon, alt = _location(seq, item)
            hold = _hold(seq, item)
            here = Waypoint(lat, lon, alt, hold)
            if command == CMD_NAV_LOITER_TIME and merge is not None and same_place(route[merge], here):
                route[merge] = replace(route[merge], hold_s=hold)
                index = merge
            else:
                route.append(here)
                index = len(route) - 1
            attach = index if route[index].hold_s == 0 else None
            merge = index if command == CMD_NAV_WAYPOINT and hold == 0 else None
            if command == CMD_NAV_WAYPOINT and finite(item.param4) and item.param4 != 0:
                notes.append(
                    _("Mission item %(seq)d: the yaw angle %(yaw)g° is not kept.") % {"seq": seq, "yaw": item.param4}
                )
        elif command in (CMD_DO_CHANGE_SPEED, CMD_DO_SET_RELAY, CMD_DO_SET_SERVO):
            if not route:  # pragma: no cover - the prelude loop takes these
                raise _unsupported(seq, item)
            if attach is None:
                # After a hold: the switch happens when the hold ends, before leaving.
                src = route[-1]
                route.append(Waypoint(src.lat, src.lon, src.alt_m, 0.0))
                attach = len(route) - 1
                merge = None
            if command == CMD_DO_CHANGE_SPEED:
                route[attach] = replace(route[attach], speed_mps=_speed(seq, item))
            else:
                route[attach] = replace(route[attach], speaker=speaker.reads(item, seq))
        elif command == CMD_NAV_RETURN_TO_LAUNCH:
            rtl_seq = seq
        elif command == CMD_NAV_TAKEOFF:
            raise DecompileError(
                _("Mission item %(seq)d is a second take-off (%(name)s); a route has one take-off, as item 1.")
                % {"seq": seq, "name": command_name(command)},
                seq=seq,
                code="unsupported_command",
            )
        else:
            raise _unsupported(seq, item)

    if not route:
        raise DecompileError(_("The mission has no waypoints."), code="no_waypoints")
    if takeoff_alt_m is None:
        takeoff_alt_m = route[0].alt_m
        notes.append(
            _("The mission had no take-off item; take-off to the first waypoint's height (%(alt)g m).")
            % {"alt": takeoff_alt_m}
        )
    if rtl_seq is None:
        notes.append(_("The mission did not end with a return to launch; one is added."))
    return Decompiled(route, takeoff_alt_m, speed_mps, launch, notes)


def decompile_items(
    items: Sequence[MissionItem], *, speaker: SpeakerConfig = DEFAULT_SPEAKER
) -> tuple[list[Waypoint], float, float | None]:
    """(route, takeoff_alt_m, speed_mps) from mission items; see ``decompile``."""
    result = decompile(items, speaker=speaker)
    return result.route, result.takeoff_alt_m, result.speed_mps
