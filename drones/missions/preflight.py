"""The preflight checklist: what must hold before a mission may arm.

Blocking items (all must pass): link, GPS fix and satellites, EKF, battery for
the planned flight plus the reserve, the failsafe parameters the bureau
requires (GCS loss -> RTL, fence enabled with RTL action, altitude fence not
above the ceiling, a circle fence (when on) wide enough for the mission, RTL
altitude), the pilot's licence, a recorded flight approval reference, the
mission's checks, and the operator's own confirmation.

ArduCopter's ``FENCE_TYPE`` bit 2 is a circle around home of ``FENCE_RADIUS``
metres (150 m with SITL's copter defaults), which ends any mission that goes
farther. The checklist keeps the circle as a backstop but requires its radius to
reach past the mission's farthest point from the launch point plus
``CIRCLE_FENCE_MARGIN_M``, and never below ``DRONE_MAX_DISTANCE_M``.

``REQUIRED_PARAMS`` says what each failsafe parameter must be and what to set
when it is not; ``preflight_fix_values`` gives the values to apply.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from common.geo import haversine_m

# ArduCopter 4.7 names (MAV_* / FENCE_* / RTL_*; RTL_ALT in centimetres).
FS_GCS_RETURNING = {1, 3, 6}  # RTL; SmartRTL or RTL; DO_LAND_START or RTL
FENCE_TYPE_ALT_MAX = 1
FENCE_TYPE_CIRCLE = 2
FENCE_TYPE_POLYGON = 4
CIRCLE_FENCE_MARGIN_M = 50.0


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: str
    ok: bool
    detail: str
    fixable: bool = False  # a parameter the system can set

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ceiling_m() -> float:
    return float(settings.DRONE_MAX_HEIGHT_M)


def mission_max_distance_m(launch: tuple[float, float] | None, points: Iterable[tuple[float, float]]) -> float:
    """The farthest horizontal distance (m, great circle) from the launch point to any of ``points`` (WGS-84)."""
    if launch is None:
        return 0.0
    return max((haversine_m(launch[0], launch[1], lat, lon) for lat, lon in points), default=0.0)


def circle_fence_radius_m(mission_max_distance_m: float = 0.0) -> float:
    """The smallest acceptable FENCE_RADIUS: past the mission's farthest point with a margin, never below
    the bureau's line-of-sight limit ``DRONE_MAX_DISTANCE_M`` (whole metres, rounded up)."""
    return float(math.ceil(max(mission_max_distance_m + CIRCLE_FENCE_MARGIN_M, float(settings.DRONE_MAX_DISTANCE_M))))


def _circle_on(params: dict[str, float | None] | None) -> bool:
    """Whether the circle fence is (or, unread, may be) on: FENCE_TYPE bit 2."""
    fence_type = (params or {}).get("FENCE_TYPE")
    return fence_type is None or bool(int(fence_type) & FENCE_TYPE_CIRCLE)


# SERVOn_FUNCTION values on which ArduPilot obeys DO_SET_SERVO (AP_ServoRelayEvents): none, manual
# (pass-through) and RCIN1-16; any other function owns the output ("Channel n is already in use").
SERVO_FUNCTIONS_FREE = frozenset({0, 1, *range(51, 67)})
RELAY_FUNCTION_RELAY = 1


def speaker_params(speaker: Any | None) -> dict[str, tuple[Callable[[float], bool], float, str]]:
    """The loudspeaker output's own parameters (``speaker``: a ``compile.SpeakerConfig``, or None when the
    mission does not switch the loudspeaker): a servo output ArduCopter lets DO_SET_SERVO drive, or a
    relay configured as a relay. Otherwise the mission flies silent, with every DO item "done"."""
    if speaker is None:
        return {}
    if speaker.output == "servo":
        return {
            f"SERVO{speaker.servo}_FUNCTION": (
                lambda v: int(v) in SERVO_FUNCTIONS_FREE,
                0,
                _("loudspeaker output SERVO%(n)s free for mission commands (function 0)") % {"n": speaker.servo},
            )
        }
    return {
        f"RELAY{speaker.relay + 1}_FUNCTION": (
            lambda v: int(v) == RELAY_FUNCTION_RELAY,
            RELAY_FUNCTION_RELAY,
            _("loudspeaker relay RELAY%(n)s set up as a relay (function 1)") % {"n": speaker.relay + 1},
        )
    }


def required_params(
    mission_max_alt_m: float = 0.0,
    mission_max_distance_m: float = 0.0,
    params: dict[str, float | None] | None = None,
    speaker: Any | None = None,
) -> dict[str, tuple[Callable[[float], bool], float, str]]:
    """name -> (is it acceptable, value to set, what is required).

    The altitude fence must let the mission fly (above its highest waypoint, with
    5 m to spare) and stay at or below the legal ceiling. The circle fence, when
    ``FENCE_TYPE`` in ``params`` has it on, must reach past the mission's farthest
    point (``circle_fence_radius_m``); with it off, ``FENCE_RADIUS`` is not used.
    ``speaker`` adds the loudspeaker output's parameters (``speaker_params``).
    """
    ceiling = _ceiling_m()
    fence_floor = min(mission_max_alt_m + 5.0, ceiling)
    radius = circle_fence_radius_m(mission_max_distance_m)
    circle_on = _circle_on(params)
    if not circle_on:
        radius_requirement = _("circle fence off (FENCE_TYPE without bit 2): its radius is not used")
    elif mission_max_distance_m + CIRCLE_FENCE_MARGIN_M >= float(settings.DRONE_MAX_DISTANCE_M):
        radius_requirement = _(
            "circle fence kept as a backstop at %(r)s m or more: the farthest waypoint is %(d)s m from the launch "
            "point, plus %(margin)s m"
        ) % {"r": f"{radius:g}", "d": round(mission_max_distance_m), "margin": f"{CIRCLE_FENCE_MARGIN_M:g}"}
    else:
        radius_requirement = _(
            "circle fence kept as a backstop at %(r)s m or more: the maximum distance from the launch point "
            "(the farthest waypoint is %(d)s m away)"
        ) % {"r": f"{radius:g}", "d": round(mission_max_distance_m)}
    return {
        "FS_GCS_ENABLE": (lambda v: int(v) in FS_GCS_RETURNING, 1, _("return home when the ground station is lost")),
        "FENCE_ENABLE": (lambda v: int(v) == 1, 1, _("geofence enabled")),
        "FENCE_ACTION": (lambda v: int(v) == 1, 1, _("fence breach returns home (RTL)")),
        "FENCE_TYPE": (
            lambda v: int(v) & (FENCE_TYPE_ALT_MAX | FENCE_TYPE_POLYGON) == (FENCE_TYPE_ALT_MAX | FENCE_TYPE_POLYGON),
            7,
            _("altitude and polygon fences on"),
        ),
        "FENCE_ALT_MAX": (
            lambda v: fence_floor <= float(v) <= ceiling,
            ceiling,
            _("altitude fence between %(low)s m and %(m)s m") % {"low": f"{fence_floor:g}", "m": f"{ceiling:g}"},
        ),
        "FENCE_RADIUS": (
            lambda v: not circle_on or float(v) >= radius,
            radius,
            radius_requirement,
        ),
        "RTL_ALT": (
            lambda v: 1500 <= float(v) <= ceiling * 100,
            min(3000, ceiling * 100),
            _("return-home height between 15 m and %(m)s m") % {"m": f"{ceiling:g}"},
        ),
        **speaker_params(speaker),
    }


def preflight_items(
    *,
    telemetry: dict[str, Any] | None,
    params: dict[str, float | None],
    required_battery_pct: float,
    licence_ok: bool,
    licence_detail: str,
    approval_ref: str,
    mission_ok: bool,
    mission_detail: str,
    confirmed: bool,
    mission_max_alt_m: float = 0.0,
    mission_max_distance_m: float = 0.0,
    launch: tuple[float, float] | None = None,
    speaker: Any | None = None,
) -> list[CheckItem]:
    """Evaluate every blocking item from the vehicle's state and parameters and the flight's paperwork."""
    t = telemetry or {}
    items = [
        CheckItem(
            "link",
            _("Link to the drone"),
            bool(t.get("link_ok")),
            _("connected") if t.get("link_ok") else (t.get("error") or _("no link")),
        )
    ]
    if launch is not None:
        # The checks assumed this take-off point (line of sight, fence, return leg): the drone must be there.
        tolerance = float(getattr(settings, "DRONE_LAUNCH_TOLERANCE_M", 30.0))
        if t.get("lat") is None:
            items.append(CheckItem("position", _("Drone at the launch point"), False, _("no position yet")))
        else:
            off = haversine_m(t["lat"], t["lon"], launch[0], launch[1])
            detail = _("%(d)s m from the planned launch point (at most %(max)s m)") % {
                "d": round(off),
                "max": round(tolerance),
            }
            items.append(CheckItem("position", _("Drone at the launch point"), off <= tolerance, detail))
    fix, sats = int(t.get("gps_fix") or 0), t.get("satellites")
    min_sats = getattr(settings, "DRONE_MIN_SATELLITES", 6)
    items.append(
        CheckItem(
            "gps",
            _("GPS fix and satellites"),
            fix >= 3 and (sats or 0) >= min_sats,
            _("fix %(fix)s, %(sats)s satellites (needs 3D and %(min)s)")
            % {"fix": fix, "sats": sats if sats is not None else "?", "min": min_sats},
        )
    )
    items.append(
        CheckItem(
            "ekf", _("EKF (position estimate)"), bool(t.get("ekf_ok")), _("good") if t.get("ekf_ok") else _("not ready")
        )
    )
    battery = t.get("battery_pct")
    items.append(
        CheckItem(
            "battery",
            _("Battery"),
            battery is not None and battery >= required_battery_pct,
            _("%(have)s%% now, the flight needs %(need)s%% including the reserve")
            % {"have": battery if battery is not None else "?", "need": round(required_battery_pct)},
        )
    )
    for name, (acceptable, _value, requirement) in required_params(
        mission_max_alt_m, mission_max_distance_m, params, speaker
    ).items():
        value = params.get(name)
        ok = value is not None and acceptable(value)
        detail = (
            _("%(name)s = %(value)s: %(req)s") % {"name": name, "value": f"{value:g}", "req": requirement}
            if value is not None
            else _("%(name)s could not be read") % {"name": name}
        )
        items.append(CheckItem(f"param:{name}", requirement, ok, detail, fixable=value is not None and not ok))
    items.append(CheckItem("licence", _("Pilot licence valid"), licence_ok, licence_detail))
    items.append(
        CheckItem(
            "approval",
            _("Flight approval reference recorded"),
            bool(approval_ref.strip()),
            approval_ref.strip() or _("missing: flights need an approved application (飞行计划申请)"),
        )
    )
    items.append(
        CheckItem("mission", _("Mission passes the airspace and endurance checks"), mission_ok, mission_detail)
    )
    items.append(
        CheckItem(
            "confirmed",
            _("Operator's confirmation"),
            confirmed,
            _("confirmed") if confirmed else _("tick the confirmation box"),
        )
    )
    return items


def preflight_fix_values(
    params: dict[str, float | None],
    mission_max_alt_m: float = 0.0,
    mission_max_distance_m: float = 0.0,
    speaker: Any | None = None,
) -> dict[str, float]:
    """The failsafe parameters to set, and to what, so the checklist passes.

    FENCE_TYPE keeps the bits it has (the circle stays on as a backstop); a circle
    fence too small for the mission gets the radius ``circle_fence_radius_m``.
    """
    fixes = {}
    for name, (acceptable, value, _req) in required_params(
        mission_max_alt_m, mission_max_distance_m, params, speaker
    ).items():
        current = params.get(name)
        if current is not None and not acceptable(current):
            fixes[name] = (
                value if name != "FENCE_TYPE" else float(int(current) | FENCE_TYPE_ALT_MAX | FENCE_TYPE_POLYGON)
            )
    return fixes


# --- checks other apps add (campaigns: the sortie's flight application) -------------------------

PreflightCheck = Callable[[Any], "CheckItem | None"]
_REGISTERED_CHECKS: dict[str, PreflightCheck] = {}


def preflight_check_register(key: str, fn: PreflightCheck) -> None:
    """Add a blocking item to every flight's preflight: ``fn(flight)`` returns a ``CheckItem``, or None when
    the check says nothing about that flight. An app registers in its ``AppConfig.ready()``, so drones
    never imports it; registering a key again replaces the earlier check."""
    _REGISTERED_CHECKS[key] = fn


def preflight_check_unregister(key: str) -> None:
    _REGISTERED_CHECKS.pop(key, None)


def preflight_registered_items(flight) -> list[CheckItem]:
    """The items of the registered checks for ``flight``, in registration order.

    A check that raises fails closed: its item blocks the flight and names the error, so a broken check
    can never let a flight through unchecked."""
    items = []
    for key, fn in list(_REGISTERED_CHECKS.items()):
        try:
            item = fn(flight)
        except Exception as exc:  # noqa: BLE001 - any failure of another app's check blocks, it never passes
            item = CheckItem(key, key, False, _("the check could not run: %(error)s") % {"error": type(exc).__name__})
        if item is not None:
            items.append(item)
    return items
