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

``decompile_items`` reads such items back (also items made by other ground stations
in the same vocabulary), and refuses anything a route cannot represent, naming the item.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.geo import point_problem
from drones.missions.route import RouteError, Waypoint
from drones.vehicle import MissionItem

MAX_MISSION_ITEMS = 650  # ArduCopter 4.7: "Only 650 items are supported" (MISSION_COUNT includes home)
MAX_HOLD_S = 3600.0  # the route editor's limit (route.parse_route)
SPEED_RANGE_MPS = (0.5, 40.0)  # Mission.speed_mps validators

CMD_NAV_WAYPOINT = 16
CMD_NAV_LOITER_TIME = 19
CMD_NAV_RETURN_TO_LAUNCH = 20
CMD_NAV_TAKEOFF = 22
CMD_DO_CHANGE_SPEED = 178
CMD_DO_SET_RELAY = 181
CMD_DO_SET_SERVO = 183

FRAME_GLOBAL = 0  # altitude above mean sea level
FRAME_MISSION = 2  # no position (DO commands)
FRAME_GLOBAL_RELATIVE_ALT = 3  # altitude above home
FRAME_GLOBAL_RELATIVE_ALT_INT = 6  # the same, as MISSION_ITEM_INT; ArduCopter downloads it as 3
RELATIVE_FRAMES = frozenset({FRAME_GLOBAL_RELATIVE_ALT, FRAME_GLOBAL_RELATIVE_ALT_INT})
FRAME_NAMES = {
    0: "GLOBAL (height above mean sea level)",
    5: "GLOBAL_INT (height above mean sea level)",
    10: "GLOBAL_TERRAIN_ALT (height above terrain)",
    11: "GLOBAL_TERRAIN_ALT_INT (height above terrain)",
    1: "LOCAL_NED",
}

# Same place: MISSION_ITEM_INT carries 1e-7 degrees (about 1 cm), z is float32.
_SAME_DEG = 1.5e-7
_SAME_ALT_M = 0.01


def command_name(command: int) -> str:
    """``NAV_WAYPOINT (16)`` style name of a MAV_CMD number."""
    from pymavlink.dialects.v20 import ardupilotmega as mavlink

    entry = mavlink.enums["MAV_CMD"].get(command)
    if entry is None or entry.name.endswith("ENUM_END"):
        return f"command {command}"
    return f"{entry.name.removeprefix('MAV_CMD_')} ({command})"


@dataclass(frozen=True, slots=True)
class SpeakerConfig:
    """How the loudspeaker (喊话器) is switched: a relay (DO_SET_RELAY) or a servo output (DO_SET_SERVO).

    ``relay`` is ArduPilot's 0-based relay instance: 0 = RELAY1, which SITL has on
    pin 13 (RELAY1_FUNCTION 1, RELAY1_PIN 13). ``servo`` is the 1-based output channel
    (SERVOn); its ``SERVOn_FUNCTION`` must be 0 (disabled / "RCPassThru" free) so that
    DO_SET_SERVO may drive it; ``on_pwm``/``off_pwm`` in microseconds.
    """

    output: Literal["relay", "servo"] = "relay"
    relay: int = 0
    servo: int = 9
    on_pwm: int = 1900
    off_pwm: int = 1100

    def __post_init__(self) -> None:
        if self.output not in ("relay", "servo"):
            raise ValueError(
                _("The loudspeaker output must be 'relay' or 'servo', not %(output)r.") % {"output": self.output}
            )
        if not 0 <= self.relay <= 15:
            raise ValueError(_("Relay instance %(relay)s is out of range (0-15; 0 = RELAY1).") % {"relay": self.relay})
        if not 1 <= self.servo <= 32:
            raise ValueError(_("Servo output %(servo)s is out of range (1-32).") % {"servo": self.servo})
        for pwm in (self.on_pwm, self.off_pwm):
            if not 500 <= pwm <= 2500:
                raise ValueError(_("PWM %(pwm)s µs is out of range (500-2500).") % {"pwm": pwm})
        if self.output == "servo" and self.on_pwm == self.off_pwm:
            raise ValueError(_("The on and off PWM of the loudspeaker servo must differ."))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SpeakerConfig:
        return cls(**(data or {}))

    def as_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "relay": self.relay,
            "servo": self.servo,
            "on_pwm": self.on_pwm,
            "off_pwm": self.off_pwm,
        }

    def describe(self) -> str:
        if self.output == "relay":
            return _("relay RELAY%(n)d (DO_SET_RELAY %(instance)d)") % {"n": self.relay + 1, "instance": self.relay}
        return _("servo output %(servo)d (DO_SET_SERVO, on %(on)d µs, off %(off)d µs)") % {
            "servo": self.servo,
            "on": self.on_pwm,
            "off": self.off_pwm,
        }

    def item(self, on: bool) -> MissionItem:
        """The DO item switching the loudspeaker on or off."""
        if self.output == "relay":
            return MissionItem(CMD_DO_SET_RELAY, FRAME_MISSION, param1=float(self.relay), param2=1.0 if on else 0.0)
        pwm = self.on_pwm if on else self.off_pwm
        return MissionItem(CMD_DO_SET_SERVO, FRAME_MISSION, param1=float(self.servo), param2=float(pwm))

    def reads(self, item: MissionItem, seq: int) -> bool:
        """Whether ``item`` (a DO_SET_RELAY/DO_SET_SERVO) switches the loudspeaker on; DecompileError if it
        switches something else or in a way a route cannot say."""
        name = command_name(item.command)
        if item.command == CMD_DO_SET_RELAY:
            if self.output != "relay" or item.param1 != self.relay:
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) switches relay instance %(relay)g (RELAY%(number)g), but the "
                        "loudspeaker is on %(speaker)s."
                    )
                    % {
                        "seq": seq,
                        "name": name,
                        "relay": item.param1,
                        "number": item.param1 + 1,
                        "speaker": self.describe(),
                    },
                    seq=seq,
                    code="speaker_output",
                )
            if item.param2 not in (0.0, 1.0):
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) sets the relay to %(state)g; only 1 (on) and 0 (off) can "
                        "be represented (2 = toggle cannot)."
                    )
                    % {"seq": seq, "name": name, "state": item.param2},
                    seq=seq,
                    code="speaker_state",
                )
            return item.param2 == 1.0
        if item.command == CMD_DO_SET_SERVO:
            if self.output != "servo" or item.param1 != self.servo:
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) drives servo output %(servo)g, but the loudspeaker is on "
                        "%(speaker)s."
                    )
                    % {"seq": seq, "name": name, "servo": item.param1, "speaker": self.describe()},
                    seq=seq,
                    code="speaker_output",
                )
            if item.param2 not in (float(self.on_pwm), float(self.off_pwm)):
                raise DecompileError(
                    _(
                        "Mission item %(seq)d (%(name)s) sets PWM %(pwm)g µs; the loudspeaker is on at %(on)d µs "
                        "and off at %(off)d µs."
                    )
                    % {"seq": seq, "name": name, "pwm": item.param2, "on": self.on_pwm, "off": self.off_pwm},
                    seq=seq,
                    code="speaker_state",
                )
            return item.param2 == float(self.on_pwm)
        raise ValueError(f"not a loudspeaker command: {item.command}")


DEFAULT_SPEAKER = SpeakerConfig()


class DecompileError(ValueError):
    """Mission items that a route cannot represent. ``seq`` is the MAVLink sequence number (0 = home)."""

    def __init__(self, message: str, *, seq: int | None = None, code: str = "not_representable"):
        super().__init__(message)
        self.message = message
        self.seq = seq
        self.code = code

    def __str__(self) -> str:
        return self.message


# --- compiling ---------------------------------------------------------------------------------


def home_item(launch: tuple[float, float] | None) -> MissionItem:
    lat, lon = launch if launch is not None else (0.0, 0.0)
    return MissionItem(CMD_NAV_WAYPOINT, FRAME_GLOBAL, x=lat, y=lon, z=0.0)


def takeoff_item(alt_m: float) -> MissionItem:
    # ArduCopter's NAV_TAKEOFF climbs straight up; latitude/longitude 0 say "here".
    return MissionItem(CMD_NAV_TAKEOFF, FRAME_GLOBAL_RELATIVE_ALT, z=float(alt_m))


def speed_item(speed_mps: float) -> MissionItem:
    return MissionItem(CMD_DO_CHANGE_SPEED, FRAME_MISSION, param1=1.0, param2=float(speed_mps), param3=-1.0)


def rtl_item() -> MissionItem:
    return MissionItem(CMD_NAV_RETURN_TO_LAUNCH, FRAME_MISSION)


def _nav(command: int, wp: Waypoint, hold_s: float) -> MissionItem:
    return MissionItem(command, FRAME_GLOBAL_RELATIVE_ALT, x=wp.lat, y=wp.lon, z=wp.alt_m, param1=float(hold_s))


def same_place(a: Waypoint, b: Waypoint) -> bool:
    return abs(a.lat - b.lat) <= _SAME_DEG and abs(a.lon - b.lon) <= _SAME_DEG and abs(a.alt_m - b.alt_m) <= _SAME_ALT_M


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


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
    if takeoff_alt_m is not None and (not _finite(takeoff_alt_m) or takeoff_alt_m <= 0):
        problems.append(
            {
                "waypoint": None,
                "field": "takeoff_alt_m",
                "message": _("the take-off height must be above 0 m (it is %(alt)s)") % {"alt": takeoff_alt_m},
            }
        )
    if speed_mps is not None and (not _finite(speed_mps) or not SPEED_RANGE_MPS[0] <= speed_mps <= SPEED_RANGE_MPS[1]):
        problems.append(
            {
                "waypoint": None,
                "field": "speed_mps",
                "message": _("the speed must be between %(low)g and %(high)g m/s (it is %(speed)s)")
                % {"low": SPEED_RANGE_MPS[0], "high": SPEED_RANGE_MPS[1], "speed": speed_mps},
            }
        )
    for index, wp in enumerate(route):
        if not (_finite(wp.lat) and _finite(wp.lon)):
            problems.append({"waypoint": index, "field": "lat", "message": _("latitude and longitude are required")})
            continue
        problem = point_problem(wp.lat, wp.lon)
        if problem:
            problems.append({"waypoint": index, "field": "lat", "message": problem})
        if not _finite(wp.alt_m) or wp.alt_m <= 0:
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
        if not _finite(wp.hold_s) or not 0 <= wp.hold_s <= MAX_HOLD_S:
            problems.append(
                {
                    "waypoint": index,
                    "field": "hold_s",
                    "message": _("the hold must be between 0 and %(max)g s (it is %(hold)s)")
                    % {"max": MAX_HOLD_S, "hold": wp.hold_s},
                }
            )
        if wp.speed_mps is not None and (
            not _finite(wp.speed_mps) or not SPEED_RANGE_MPS[0] <= wp.speed_mps <= SPEED_RANGE_MPS[1]
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
        problem = (
            point_problem(*launch) if all(_finite(v) for v in launch) else _("latitude and longitude are required")
        )
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


# --- decompiling -------------------------------------------------------------------------------


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
    if not (_finite(item.x) and _finite(item.y)):
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
    if not _finite(item.z) or item.z <= 0:
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
    hold = item.param1 if _finite(item.param1) else 0.0
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
    if not _finite(item.param2) or not low <= item.param2 <= high:
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
    if _finite(home.x) and _finite(home.y) and (home.x, home.y) != (0.0, 0.0):
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
        if not _finite(takeoff.z) or takeoff.z <= 0:
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
            if command == CMD_NAV_WAYPOINT and _finite(item.param4) and item.param4 != 0:
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


def route_uses_speaker(route: Sequence[Waypoint]) -> bool:
    """Whether the route switches the loudspeaker (the drone then needs one)."""
    return any(wp.speaker is not None for wp in route)
