"""Navigation behaviours: what the position controller is doing right now.

Each behaviour moves ``vehicle.kin`` for one physics step. Frames: local NED metres from the
EKF origin, heights above the (flat) ground. Speeds and accelerations come from the vehicle's
parameters at every step, so PARAM_SET takes effect at once:

* horizontal: WPNAV_SPEED, WPNAV_ACCEL (approach at 0.4 x accel, see physics);
* vertical: WPNAV_SPEED_UP / WPNAV_SPEED_DN, WPNAV_ACCEL_Z;
* landing: LAND_SPEED below LAND_ALT_LOW, LAND_SPEED_HIGH (or WPNAV_SPEED_DN) above;
* pilot (LOITER/STABILIZE with the SITL RC throttle at 1000): PILOT_SPEED_DN (0 = PILOT_SPEED_UP),
  PILOT_ACCEL_Z. That is why LOITER entered in flight descends at 2.5 m/s (03b).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulators.arducopter.physics import APPROACH_DECEL_RATIO, Kinematics, bearing_deg

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

YAW_RATE_DPS = 45.0  # observed turn rate toward a new course (04, 06)
BRAKE_ACCEL_MSS = 2.5
BRAKE_VERTICAL_ACCEL_MSS = 0.85  # 03b: a 2.45 m/s descent stopped within ~3.6 m
FACE_TARGET_MIN_DIST_M = 2.0
# Track keeping: WPNav flies the line between waypoints. The cross-track error is steered
# back at this rate (1/s), with up to CROSS_TRACK_ACCEL_RATIO x WPNAV_ACCEL sideways
# (the position controller may lean further than the path's acceleration): SITL holds 100 m
# legs with 90-degree corners within ~1 m (04).
CROSS_TRACK_GAIN = 1.5
CROSS_TRACK_ACCEL_RATIO = 2.0
# Braking into a corner (a waypoint passed at speed) at this fraction of WPNAV_ACCEL: 04's
# 90-degree corners slowed from 9.8 to 3.0 m/s within ~3.5 s.
CORNER_DECEL_RATIO = 0.8
PILOT_RESPONSE_DELAY_S = 0.35


class Nav:
    """Base behaviour: hold still on the ground."""

    name = "idle"
    reports_target = False  # POSITION_TARGET_GLOBAL_INT while active
    landed_state = 1  # MAV_LANDED_STATE for EXTENDED_SYS_STATE when flying

    def step(self, v: Vehicle, dt_s: float) -> None:
        v.kin.stop()

    def target_neh(self) -> tuple[float, float, float] | None:
        """Target as (north_m, east_m, height_m) for NAV_CONTROLLER_OUTPUT/POSITION_TARGET."""
        return None


def horizontal_limits(v: Vehicle) -> tuple[float, float]:
    params = v.params
    return params.get("WPNAV_SPEED") / 100.0, params.get("WPNAV_ACCEL") / 100.0


def vertical_limits(v: Vehicle) -> tuple[float, float, float]:
    params = v.params
    return (
        params.get("WPNAV_SPEED_UP") / 100.0,
        params.get("WPNAV_SPEED_DN") / 100.0,
        params.get("WPNAV_ACCEL_Z") / 100.0,
    )


def stopping_point(v: Vehicle) -> tuple[float, float]:
    """Where the vehicle would stop braking at WPNAV_ACCEL (ArduPilot's stopping point)."""
    kin = v.kin
    _, accel = horizontal_limits(v)
    speed = kin.ground_speed_mps
    if speed < 0.05 or accel <= 0:
        return kin.north_m, kin.east_m
    dist = speed * speed / (2.0 * accel)
    return kin.north_m + kin.vn_mps / speed * dist, kin.east_m + kin.ve_mps / speed * dist


class YawControl:
    """Heading target shared by behaviours: CONDITION_YAW or the course to the target."""

    __slots__ = ("target_deg", "rate_dps", "direction", "fixed")

    def __init__(self) -> None:
        self.target_deg: float | None = None
        self.rate_dps = YAW_RATE_DPS
        self.direction = 0
        self.fixed = False

    def set_fixed(self, target_deg: float, rate_dps: float, direction: int) -> None:
        self.target_deg = target_deg % 360.0
        self.rate_dps = rate_dps if rate_dps > 0 else YAW_RATE_DPS
        self.direction = direction
        self.fixed = True

    def face(self, bearing: float) -> None:
        if not self.fixed:
            self.target_deg = bearing
            self.rate_dps = YAW_RATE_DPS
            self.direction = 0

    def step(self, v: Vehicle, dt_s: float) -> None:
        if self.target_deg is None:
            v.kin.yaw_rate_dps = 0.0
            return
        if v.kin.step_yaw_to(self.target_deg, rate_dps=self.rate_dps, dt_s=dt_s, direction=self.direction):
            self.target_deg = None
            self.direction = 0


class Hold(Nav):
    """Hold a point (or fly to it without reporting it as a position target)."""

    name = "hold"
    landed_state = 2

    def __init__(self, north_m: float, east_m: float, height_m: float) -> None:
        self.north_m, self.east_m, self.height_m = north_m, east_m, height_m

    def step(self, v: Vehicle, dt_s: float) -> None:
        speed, accel = horizontal_limits(v)
        up, down, accel_z = vertical_limits(v)
        v.kin.step_horizontal_to(self.north_m, self.east_m, speed_max_mps=speed, accel_mss=accel, dt_s=dt_s)
        v.kin.step_vertical_to(self.height_m, climb_max_mps=up, descent_max_mps=down, accel_mss=accel_z, dt_s=dt_s)

    def target_neh(self) -> tuple[float, float, float] | None:
        return self.north_m, self.east_m, self.height_m


class Goto(Hold):
    """Fly to a point at WPNAV speeds (GUIDED position target, AUTO waypoint, RTL return)."""

    name = "goto"
    reports_target = True

    def __init__(
        self,
        north_m: float,
        east_m: float,
        height_m: float,
        *,
        speed_mps: float | None = None,
        end_speed_mps: float = 0.0,
        face_course: bool = True,
        yaw: YawControl | None = None,
        jerk_param: str = "PSC_JERK_XY",
    ) -> None:
        """``jerk_param``: the jerk limit speeding up - WPNAV_JERK (1 m/s³) for AUTO's S-curves,
        PSC_JERK_XY (5 m/s³) for GUIDED targets (04 vs 03: 7 s vs 4 s from hover to cruise)."""
        super().__init__(north_m, east_m, height_m)
        self.jerk_param = jerk_param
        self.speed_mps = speed_mps
        self.end_speed_mps = end_speed_mps
        self.remaining_m = math.inf
        self._yaw = yaw if face_course else None
        self._started = False
        self._start_height_m = height_m
        self._leg_m = 0.0
        self._origin_ne = (north_m, east_m)
        self._jerk = 5.0

    def restart_leg(self) -> None:
        """Fly on from wherever the vehicle is now (after a pause): new leg, heading re-aimed."""
        self._started = False

    def step(self, v: Vehicle, dt_s: float) -> None:
        kin = v.kin
        if not self._started:
            self._started = True
            dn, de = self.north_m - kin.north_m, self.east_m - kin.east_m
            self._leg_m = math.hypot(dn, de)
            self._start_height_m = kin.height_m
            self._origin_ne = (kin.north_m, kin.east_m)
            if self._yaw is not None and self._leg_m > FACE_TARGET_MIN_DIST_M:
                self._yaw.face(bearing_deg(dn, de))
        speed, accel = horizontal_limits(v)
        if self.speed_mps is not None and self.speed_mps > 0:
            speed = self.speed_mps
        self._jerk = v.params.get(self.jerk_param) if self.jerk_param in v.params else 5.0
        up, down, accel_z = vertical_limits(v)
        climb_m = self.height_m - self._start_height_m
        if self._leg_m > FACE_TARGET_MIN_DIST_M and abs(climb_m) > 0.5:
            # one 3D line: the horizontal speed is cut so the climb or descent along it stays
            # within WPNAV_SPEED_UP / _DN (09: 6.9 m/s on a 60 m leg descending 11 m)
            vertical = up if climb_m > 0 else down
            speed = min(speed, vertical * self._leg_m / abs(climb_m))
        end_speed = min(self.end_speed_mps, speed)
        if self._leg_m > FACE_TARGET_MIN_DIST_M:
            self.remaining_m = self._step_along_track(kin, speed, accel, end_speed, dt_s)
        else:
            self.remaining_m = kin.step_horizontal_to(
                self.north_m, self.east_m, speed_max_mps=speed, accel_mss=accel, dt_s=dt_s, end_speed_mps=end_speed
            )
        # waypoints are flown along the straight 3D line, so the height follows the track
        height = self.height_m
        if self._leg_m > FACE_TARGET_MIN_DIST_M:
            fraction = min(1.0, self.remaining_m / self._leg_m)
            height = self.height_m + (self._start_height_m - self.height_m) * fraction
        kin.step_vertical_to(height, climb_max_mps=up, descent_max_mps=down, accel_mss=accel_z, dt_s=dt_s)

    def _step_along_track(self, kin: Kinematics, speed: float, accel: float, end_speed: float, dt_s: float) -> float:
        """Fly the line from the leg's start to the target; returns the distance left."""
        on, oe = self._origin_ne
        ln, le = self.north_m - on, self.east_m - oe
        length = math.hypot(ln, le)
        un, ue = ln / length, le / length
        rn, re = kin.north_m - on, kin.east_m - oe
        along = rn * un + re * ue
        cross = -rn * ue + re * un  # + is right of the track
        dist = math.hypot(self.north_m - kin.north_m, self.east_m - kin.east_m)
        ahead = max(0.0, length - along)
        decel = accel * (CORNER_DECEL_RATIO if end_speed > 0 else APPROACH_DECEL_RATIO)
        if dist < 2.0 * max(abs(cross), 0.5) and end_speed == 0.0:
            # the last metres (or well off the line): straight at the point
            return kin.step_horizontal_to(
                self.north_m, self.east_m, speed_max_mps=speed, accel_mss=accel, dt_s=dt_s, end_speed_mps=0.0
            )
        v_along = kin.approach_speed(ahead, speed, decel, end_speed)
        if end_speed == 0.0:
            v_along = min(v_along, ahead / max(dt_s, 1e-3))
        v_cross = max(-speed, min(speed, -CROSS_TRACK_GAIN * cross))
        kin.step_track_velocity(
            un, ue, v_along, v_cross, accel_along_mss=accel, accel_cross_mss=accel * CROSS_TRACK_ACCEL_RATIO,
            dt_s=dt_s, jerk_mss=self._jerk,
        )  # fmt: skip
        return math.hypot(self.north_m - kin.north_m, self.east_m - kin.east_m)

    def distance_3d_m(self, v: Vehicle) -> float:
        kin = v.kin
        return math.sqrt(
            (self.north_m - kin.north_m) ** 2 + (self.east_m - kin.east_m) ** 2 + (self.height_m - kin.height_m) ** 2
        )


class Velocity(Nav):
    """GUIDED velocity target (NED m/s); stops after GUID_TIMEOUT without an update."""

    name = "velocity"
    landed_state = 2

    def __init__(self, vn_mps: float, ve_mps: float, vd_mps: float, now_s: float) -> None:
        self.vn_mps, self.ve_mps, self.vd_mps = vn_mps, ve_mps, vd_mps
        self.updated_s = now_s

    def step(self, v: Vehicle, dt_s: float) -> None:
        _, accel = horizontal_limits(v)
        up, down, accel_z = vertical_limits(v)
        vn, ve, vd = self.vn_mps, self.ve_mps, self.vd_mps
        if v.now_s - self.updated_s > v.params.get("GUID_TIMEOUT"):
            vn = ve = vd = 0.0
        vn, ve = v.fence.limit_velocity(vn, ve)
        v.kin.step_horizontal_velocity(vn, ve, accel_mss=accel, dt_s=dt_s)
        climb = max(-down, min(up, -vd))
        v.kin.step_vertical_rate(climb, accel_mss=accel_z, dt_s=dt_s)


class Takeoff(Nav):
    """Motors spin up, then climb vertically to ``height_m`` above home."""

    name = "takeoff"
    landed_state = 3

    def __init__(self, height_m: float, climb_start_s: float) -> None:
        self.height_m = height_m
        self.climb_start_s = climb_start_s
        self.north_m: float | None = None
        self.east_m = 0.0

    def step(self, v: Vehicle, dt_s: float) -> None:
        kin = v.kin
        if v.now_s < self.climb_start_s:
            kin.stop()
            return
        if self.north_m is None:
            self.north_m, self.east_m = kin.north_m, kin.east_m
        up, down, accel_z = vertical_limits(v)
        _, accel = horizontal_limits(v)
        kin.step_horizontal_to(self.north_m, self.east_m, speed_max_mps=1.0, accel_mss=accel, dt_s=dt_s)
        kin.step_vertical_to(self.height_m, climb_max_mps=up, descent_max_mps=down, accel_mss=accel_z, dt_s=dt_s)

    @property
    def climbing(self) -> bool:
        return self.north_m is not None

    def complete(self, v: Vehicle) -> bool:
        return self.climbing and abs(self.height_m - v.kin.height_m) < 0.1 and abs(v.kin.vd_mps) < 0.2

    def target_neh(self) -> tuple[float, float, float] | None:
        if self.north_m is None:
            return None
        return self.north_m, self.east_m, self.height_m


def land_descent_speed(v: Vehicle) -> float:
    """Descent rate for landing: fast above LAND_ALT_LOW, slowing so LAND_SPEED is reached there."""
    params = v.params
    height = max(v.height_above_home_m(), v.kin.height_m)
    low_speed = params.get("LAND_SPEED") / 100.0
    alt_low = params.get("LAND_ALT_LOW") / 100.0
    if height <= alt_low:
        return low_speed
    high = params.get("LAND_SPEED_HIGH")
    fast = (high if high > 0 else params.get("WPNAV_SPEED_DN")) / 100.0
    accel = params.get("WPNAV_ACCEL_Z") / 100.0
    return min(fast, math.sqrt(low_speed * low_speed + 2.0 * accel * (height - alt_low)))


class Land(Nav):
    """Descend in place to touchdown (LAND mode, RTL/AUTO final descent, failsafes)."""

    name = "land"
    landed_state = 4

    def __init__(self, north_m: float, east_m: float, *, use_position: bool = True, pause_until_s: float = 0.0) -> None:
        self.north_m, self.east_m = north_m, east_m
        self.use_position = use_position
        self.pause_until_s = pause_until_s

    def step(self, v: Vehicle, dt_s: float) -> None:
        kin = v.kin
        _, accel = horizontal_limits(v)
        _, _, accel_z = vertical_limits(v)
        if self.use_position:
            kin.step_horizontal_to(self.north_m, self.east_m, speed_max_mps=2.0, accel_mss=accel, dt_s=dt_s)
        else:
            kin.step_horizontal_velocity(0.0, 0.0, accel_mss=1.0, dt_s=dt_s)
        descent = 0.0 if v.now_s < self.pause_until_s else land_descent_speed(v)
        kin.step_vertical_rate(-descent, accel_mss=accel_z, dt_s=dt_s)

    def target_neh(self) -> tuple[float, float, float] | None:
        return self.north_m, self.east_m, 0.0


class Brake(Nav):
    """BRAKE mode: stop as fast as allowed, then hold."""

    name = "brake"
    landed_state = 2

    def step(self, v: Vehicle, dt_s: float) -> None:
        kin = v.kin
        kin.step_horizontal_velocity(0.0, 0.0, accel_mss=BRAKE_ACCEL_MSS, dt_s=dt_s)
        kin.step_vertical_rate(0.0, accel_mss=BRAKE_VERTICAL_ACCEL_MSS, dt_s=dt_s)


class PilotThrottle(Nav):
    """LOITER / STABILIZE flown by the (simulated) RC sticks: centred roll/pitch, throttle from RC3.

    SITL's RC throttle rests at 1000, so in LOITER the vehicle descends at the full pilot rate
    until it lands (03b) - a SITL quirk reproduced on purpose. In STABILIZE throttle 1000 means
    motors at minimum: the vehicle drops.
    """

    name = "pilot"
    landed_state = 2

    def __init__(self, north_m: float, east_m: float, *, manual: bool, start_s: float = 0.0) -> None:
        self.north_m, self.east_m = north_m, east_m
        self.manual = manual
        self.start_s = start_s

    def step(self, v: Vehicle, dt_s: float) -> None:
        kin = v.kin
        params = v.params
        # the sticks act ~0.35 s after the mode change (03b: LOITER descent starts 0.3-0.5 s later)
        pwm = v.rc_throttle_pwm() if v.now_s - self.start_s >= PILOT_RESPONSE_DELAY_S else 1500
        if self.manual:
            kin.step_horizontal_velocity(0.0, 0.0, accel_mss=1.0, dt_s=dt_s)
            if pwm <= 1050:
                kin.step_vertical_rate(-20.0, accel_mss=6.0, dt_s=dt_s)
            else:
                kin.step_vertical_rate((pwm - 1500) / 500.0 * 5.0, accel_mss=3.0, dt_s=dt_s)
            return
        _, accel = horizontal_limits(v)
        kin.step_horizontal_to(self.north_m, self.east_m, speed_max_mps=5.0, accel_mss=accel, dt_s=dt_s)
        up = params.get("PILOT_SPEED_UP") / 100.0
        down = params.get("PILOT_SPEED_DN") / 100.0 or up
        deadzone = 50
        if pwm < 1500 - deadzone:
            climb = -down * min(1.0, (1500 - deadzone - pwm) / (500 - deadzone))
        elif pwm > 1500 + deadzone:
            climb = up * min(1.0, (pwm - 1500 - deadzone) / (500 - deadzone))
        else:
            climb = 0.0
        kin.step_vertical_rate(climb, accel_mss=params.get("PILOT_ACCEL_Z") / 100.0, dt_s=dt_s)


class Fall(Nav):
    """Motors stopped in the air (forced disarm): ballistic until the ground."""

    name = "fall"
    landed_state = 2

    def step(self, v: Vehicle, dt_s: float) -> None:
        kin = v.kin
        kin.step_horizontal_velocity(0.0, 0.0, accel_mss=1.0, dt_s=dt_s)
        kin.step_vertical_rate(-40.0, accel_mss=9.8, dt_s=dt_s)
