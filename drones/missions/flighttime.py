"""How long ArduCopter takes to fly a route: a kinematic model of its waypoint navigation.

ArduCopter 4.7 (AC_WPNav with S-curves) flies every leg as a jerk-limited
profile: from rest it ramps its acceleration up at WPNAV_JERK (1 m/s³) to
WPNAV_ACCEL (2.5 m/s²), reaches WPNAV_SPEED (10 m/s) and brakes the same way.
Getting to 10 m/s takes 6.5 s and 32.5 m, so a leg shorter than 65 m never
reaches cruise speed (a 15 m leg peaks at 3.8 m/s). At a waypoint the next leg
starts while this one is still braking, when the corner allows it: on a
straight continuation the two profiles add up to an unbroken cruise, at a right
angle about half of the braking overlaps, and a reversal is a full stop. A leg
also ends in a full stop before a hold, before the return to launch and around
a zero-length leg (two waypoints at one place).

So a leg of length ``L`` takes ``T(L)``, the stop-to-stop profile time, and each
corner of turn angle ``θ`` gives back ``(1 + cos θ) / 2`` of the shorter of the
two ramps it joins. Climbs and descents run at the same time as the horizontal
motion (WPNAV_SPEED_UP 2.5 m/s, WPNAV_SPEED_DN 1.5 m/s, WPNAV_ACCEL_Z 1 m/s²):
a leg takes the longer of the two.

Calibration (vehicle time, from ``time_boot_ms``; the SITL recordings, shared/ardupilot/README.md):

- recording 04 (SITL, AUTO): three 100 m legs with two right-angle corners took
  15.25 + 12.75 + 14.75 = 42.75 s; the model gives 43.0 s. The take-off to 20 m took
  12.0 s from MISSION_START (model 12.0 s); the RTL over 100 m at 20 m, with
  hover and landing, 51.75 s to touchdown (model 52.0 s);
- scenario 06: the RTL descent from 20 m took 28 s to touchdown, disarm 2.1 s later;
- the sample school patrol (33 legs, 15-232 m, turns of 15-30°, 40 m high):
  401 s on a real ArduCopter 4.7 SITL; the model gives 395 s (the old constant-speed
  estimate said 289 s).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Kinematics:
    """ArduCopter 4.7 defaults (params_copter_4.7.json) and timings observed on SITL, SI units."""

    accel_mps2: float = 2.5  # WPNAV_ACCEL 250 cm/s²
    jerk_mps3: float = 1.0  # WPNAV_JERK 1 m/s³
    climb_mps: float = 2.5  # WPNAV_SPEED_UP 250 cm/s
    descent_mps: float = 1.5  # WPNAV_SPEED_DN 150 cm/s
    accel_z_mps2: float = 1.0  # WPNAV_ACCEL_Z 100 cm/s²
    land_mps: float = 0.5  # LAND_SPEED 50 cm/s
    land_alt_low_m: float = 10.0  # LAND_ALT_LOW 1000 cm
    rtl_alt_m: float = 15.0  # RTL_ALT 1500 cm
    rtl_loiter_s: float = 5.0  # RTL_LOIT_TIME 5000 ms
    takeoff_start_s: float = 0.5  # MISSION_START to the climb (04: 20 m in 12.0 s)
    rtl_start_s: float = 1.5  # RTL mode change to moving (06)
    rtl_hover_extra_s: float = 1.0  # hovered ~6 s for RTL_LOIT_TIME 5 s (06)
    descent_settle_s: float = 1.3  # 06: 28 s from 20 m against 26.7 s at the nominal rates
    disarm_s: float = 2.1  # touchdown to "Disarming motors" (03, 06)


DEFAULT_KINEMATICS = Kinematics()


def ramp(speed_mps: float, accel_mps2: float, jerk_mps3: float) -> tuple[float, float]:
    """Time (s) and distance (m) to go from rest to ``speed_mps`` with a jerk-limited, symmetric profile.

    The acceleration rises at ``jerk_mps3``, holds at ``accel_mps2`` if the speed change is
    large enough, and falls again; by symmetry the mean speed is half the final one.
    """
    if speed_mps <= 0:
        return 0.0, 0.0
    if speed_mps >= accel_mps2 * accel_mps2 / jerk_mps3:
        time_s = speed_mps / accel_mps2 + accel_mps2 / jerk_mps3
    else:
        time_s = 2.0 * math.sqrt(speed_mps / jerk_mps3)
    return time_s, speed_mps * time_s / 2.0


def leg_time(length_m: float, speed_mps: float, accel_mps2: float, jerk_mps3: float) -> tuple[float, float]:
    """A stop-to-stop leg: (total time, time of one ramp), seconds.

    A leg too short to reach ``speed_mps`` peaks where accelerating and braking meet.
    """
    if length_m <= 0 or speed_mps <= 0:
        return 0.0, 0.0
    ramp_s, ramp_m = ramp(speed_mps, accel_mps2, jerk_mps3)
    if 2.0 * ramp_m <= length_m:
        return 2.0 * ramp_s + (length_m - 2.0 * ramp_m) / speed_mps, ramp_s
    ramp_s, _ramp_m = ramp(peak_speed(length_m, accel_mps2, jerk_mps3), accel_mps2, jerk_mps3)
    return 2.0 * ramp_s, ramp_s


def peak_speed(length_m: float, accel_mps2: float, jerk_mps3: float) -> float:
    """The speed (m/s) at which a ramp up and its mirror image down cover exactly ``length_m``.

    Solves ``2 * ramp(v)[1] == length_m`` in closed form (it was a 50-step bisection, which every
    check ran about 100 times a leg, issue 14). Without an acceleration plateau (``v < a²/j``) the
    distance is ``2 v^1.5 / sqrt(j)``; with one it is ``v²/a + v a/j``, a quadratic in ``v``.
    """
    plateau_from = accel_mps2 * accel_mps2 / jerk_mps3
    speed = (length_m * math.sqrt(jerk_mps3) / 2.0) ** (2.0 / 3.0)
    if speed < plateau_from:
        return speed
    b = accel_mps2 / jerk_mps3
    return accel_mps2 * (math.sqrt(b * b + 4.0 * length_m / accel_mps2) - b) / 2.0


def corner_overlap(turn_deg: float) -> float:
    """The share of the shorter ramp the next leg overlaps at a corner of ``turn_deg`` (0 straight on, 180 back)."""
    return (1.0 + math.cos(math.radians(min(abs(turn_deg), 180.0)))) / 2.0


def turn_deg(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    """The change of heading at ``b`` flying a -> b -> c (degrees, 0-180); 180 if either leg has no length."""
    h1 = math.atan2(b[1] - a[1], b[0] - a[0])
    h2 = math.atan2(c[1] - b[1], c[0] - b[0])
    if math.dist(a, b) < 0.01 or math.dist(b, c) < 0.01:
        return 180.0
    return abs((math.degrees(h2 - h1) + 180.0) % 360.0 - 180.0)


@dataclass(frozen=True)
class RoutePoint:
    """A waypoint in the local frame: metres east/north of the launch point, height above it."""

    x_m: float
    y_m: float
    alt_m: float
    hold_s: float = 0.0
    speed_mps: float | None = None  # the speed from here on (DO_CHANGE_SPEED after the waypoint)
    speaker: bool | None = None  # loudspeaker switched on arrival


@dataclass
class FlightTime:
    """The estimate's parts, seconds. ``total_s`` is MISSION_START to disarm after landing."""

    takeoff_s: float = 0.0
    cruise_s: float = 0.0  # every horizontal metre at the mission speed
    manoeuvre_s: float = 0.0  # accelerating, braking and turning at waypoints
    climb_s: float = 0.0  # climbing longer than the horizontal motion takes
    descent_s: float = 0.0
    hold_s: float = 0.0
    return_s: float = 0.0  # RTL: start, climb to RTL_ALT, the way home
    landing_s: float = 0.0  # RTL hover, descent, disarm
    broadcast_s: float = 0.0  # loudspeaker on (part of the above)
    leg_s: list[float] = field(default_factory=list)  # each leg into a waypoint, corners shared

    @property
    def total_s(self) -> float:
        return (
            self.takeoff_s
            + self.cruise_s
            + self.manoeuvre_s
            + self.climb_s
            + self.descent_s
            + self.hold_s
            + self.return_s
            + self.landing_s
        )

    def breakdown(self) -> dict[str, float]:
        names = ("takeoff_s", "cruise_s", "manoeuvre_s", "climb_s", "descent_s", "hold_s", "return_s", "landing_s")
        return {name: round(float(getattr(self, name)), 1) for name in names}


def _vertical_s(dz_m: float, k: Kinematics) -> tuple[float, float]:
    speed = k.climb_mps if dz_m > 0 else k.descent_mps
    return leg_time(abs(dz_m), speed, k.accel_z_mps2, k.jerk_mps3)


def route_flight_time(
    route: Sequence[RoutePoint],
    *,
    takeoff_alt_m: float,
    speed_mps: float,
    return_speed_mps: float | None = None,
    kinematics: Kinematics = DEFAULT_KINEMATICS,
) -> FlightTime:
    """The time to fly ``route`` as an AUTO mission: take-off at the launch point (0, 0), the
    waypoints in order, then RTL (at ``return_speed_mps``, default the speed in force at the end) and landing."""
    k = kinematics
    out = FlightTime()
    if takeoff_alt_m > 0:
        out.takeoff_s = k.takeoff_start_s + _vertical_s(takeoff_alt_m, k)[0]
    if not route:
        return out
    speed = speed_mps
    prev = (0.0, 0.0, takeoff_alt_m)
    legs: list[tuple[float, float, float]] = []  # (time, ramp time, horizontal-only time)
    speaker = False
    speaker_on_leg: list[bool] = []
    for point in route:
        length = math.hypot(point.x_m - prev[0], point.y_m - prev[1])
        dz = point.alt_m - prev[2]
        horizontal_s, horizontal_ramp_s = leg_time(length, speed, k.accel_mps2, k.jerk_mps3)
        vertical_s, vertical_ramp_s = _vertical_s(dz, k)
        out.cruise_s += length / speed if speed > 0 else 0.0
        if vertical_s > horizontal_s:
            if dz > 0:
                out.climb_s += vertical_s - horizontal_s
            else:
                out.descent_s += vertical_s - horizontal_s
            legs.append((vertical_s, vertical_ramp_s, horizontal_s))
        else:
            legs.append((horizontal_s, horizontal_ramp_s, horizontal_s))
        speaker_on_leg.append(speaker)
        if point.speaker is not None:
            speaker = point.speaker
        if point.speed_mps:
            speed = point.speed_mps
        out.hold_s += point.hold_s
        if speaker:
            out.broadcast_s += point.hold_s
        prev = (point.x_m, point.y_m, point.alt_m)
    out.manoeuvre_s = sum(h for _t, _r, h in legs) - out.cruise_s
    leg_s = [t for t, _r, _h in legs]
    # Corners between two waypoint legs; the first leg starts from the take-off hover and the last
    # ends in a stop before the return.
    points = [(0.0, 0.0), *((p.x_m, p.y_m) for p in route)]
    for i in range(len(route) - 1):
        if route[i].hold_s > 0:
            continue
        angle = turn_deg(points[i], points[i + 1], points[i + 2])
        overlap = corner_overlap(angle) * min(legs[i][1], legs[i + 1][1])
        out.manoeuvre_s -= overlap
        leg_s[i] -= overlap / 2.0
        leg_s[i + 1] -= overlap / 2.0
    out.leg_s = [round(t, 1) for t in leg_s]
    out.broadcast_s += sum(t for t, on in zip(leg_s, speaker_on_leg, strict=True) if on)
    # RTL: climb to RTL_ALT if lower, fly home, hover, descend, land, disarm.
    last = route[-1]
    return_alt = max(last.alt_m, k.rtl_alt_m)
    home_m = math.hypot(last.x_m, last.y_m)
    out.return_s = (
        k.rtl_start_s
        + _vertical_s(return_alt - last.alt_m, k)[0]
        + leg_time(home_m, return_speed_mps or speed, k.accel_mps2, k.jerk_mps3)[0]
    )
    high_m = max(return_alt - k.land_alt_low_m, 0.0)
    low_m = return_alt - high_m
    out.landing_s = (
        k.rtl_loiter_s
        + k.rtl_hover_extra_s
        + high_m / k.descent_mps
        + low_m / k.land_mps
        + k.descent_settle_s
        + k.disarm_s
    )
    return out  # a loudspeaker still on is switched off before the return (``compile``)
