"""Kinematics of the simulated multicopter: a shaped-velocity point mass.

Frames: positions are local NED metres relative to the EKF origin (north_m, east_m) plus
height above the (flat) ground; velocities are NED m/s with ``vd_mps`` positive down.
Global positions are WGS-84 degrees; conversion is the flat-earth scaling ArduPilot itself
uses for short distances.

The controller is deliberately simple and tuned against the recordings (README §6):
speed toward a target is ``min(v_max, sqrt(2 * decel * distance))`` and the velocity moves
toward that with a bounded, jerk-limited acceleration; the last metre of a stop is an
exponential creep. With WPNAV_ACCEL 2.5 m/s² and a 1.25 m/s² approach profile, a 50 m GUIDED
goto peaks at ~8.9 m/s, is within 1 m after ~10.5 s and within 0.2 m after ~13.3 s (03:
8.45 m/s, 10.5 s, 13.4 s); a 10 m takeoff (1.0 / 0.5 m/s² vertical) reaches 9.7 m ~9.5 s
after the command.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Metres per 1e-7 degree of latitude (ArduPilot's LOCATION_SCALING_FACTOR).
LOCATION_SCALING_FACTOR = 0.011131884502145034
GRAVITY_MSS = 9.80665
# Approach (braking) profile as a fraction of the configured acceleration.
APPROACH_DECEL_RATIO = 0.5
VERTICAL_APPROACH_DECEL_MSS = 0.5
HORIZONTAL_JERK_MSSS = 5.0
SETTLE_GAIN_PER_S = 0.6
SETTLE_MIN_MPS = 0.05
SETTLE_RADIUS_M = 1.0


def offset_to_latlon(lat0_deg: float, lon0_deg: float, north_m: float, east_m: float) -> tuple[float, float]:
    """WGS-84 position ``north_m``/``east_m`` from (lat0, lon0)."""
    dlat_e7 = north_m / LOCATION_SCALING_FACTOR
    lat = lat0_deg + dlat_e7 * 1e-7
    scale = max(math.cos(math.radians(lat0_deg + 0.5 * dlat_e7 * 1e-7)), 0.01)
    lon = lon0_deg + east_m / (LOCATION_SCALING_FACTOR * scale) * 1e-7
    return lat, lon


def latlon_to_offset(lat0_deg: float, lon0_deg: float, lat_deg: float, lon_deg: float) -> tuple[float, float]:
    """(north_m, east_m) of a WGS-84 position relative to (lat0, lon0)."""
    dlat_e7 = (lat_deg - lat0_deg) * 1e7
    dlon_e7 = (lon_deg - lon0_deg) * 1e7
    scale = max(math.cos(math.radians((lat_deg + lat0_deg) * 0.5)), 0.01)
    return dlat_e7 * LOCATION_SCALING_FACTOR, dlon_e7 * LOCATION_SCALING_FACTOR * scale


def wrap_360(angle_deg: float) -> float:
    return angle_deg % 360.0


def wrap_180(angle_deg: float) -> float:
    return (angle_deg + 180.0) % 360.0 - 180.0


def bearing_deg(north_m: float, east_m: float) -> float:
    return wrap_360(math.degrees(math.atan2(east_m, north_m)))


@dataclass(slots=True)
class Kinematics:
    """State of the airframe. ``height_m`` is above the ground under the vehicle (>= 0)."""

    north_m: float = 0.0
    east_m: float = 0.0
    height_m: float = 0.0
    vn_mps: float = 0.0
    ve_mps: float = 0.0
    vd_mps: float = 0.0
    yaw_deg: float = 0.0
    yaw_rate_dps: float = 0.0
    an_mss: float = 0.0  # last horizontal acceleration, for attitude
    ae_mss: float = 0.0
    accel_mag_mss: float = 0.0  # magnitude of the last horizontal acceleration (jerk limit)

    @property
    def ground_speed_mps(self) -> float:
        return math.hypot(self.vn_mps, self.ve_mps)

    @property
    def climb_mps(self) -> float:
        return -self.vd_mps

    def stop(self) -> None:
        self.vn_mps = self.ve_mps = self.vd_mps = 0.0
        self.an_mss = self.ae_mss = self.accel_mag_mss = 0.0
        self.yaw_rate_dps = 0.0

    # --- horizontal -----------------------------------------------------------------

    def approach_speed(self, distance_m: float, speed_max_mps: float, decel_mss: float, end_speed_mps: float) -> float:
        """Speed to fly at ``distance_m`` before a target passed at ``end_speed_mps``."""
        if distance_m <= 1e-4:
            return end_speed_mps
        if end_speed_mps == 0.0:
            # the last metre of a stop: SITL overshoots ~0.8 m and settles back over ~3 s, so a
            # target counts as held 1.2-1.8 s after "within 1 m" (03). Braking aims to arrive
            # at SETTLE_RADIUS_M with the creep speed; inside it the approach is exponential.
            creep = SETTLE_GAIN_PER_S * SETTLE_RADIUS_M
            if distance_m <= SETTLE_RADIUS_M:
                return min(speed_max_mps, max(SETTLE_GAIN_PER_S * distance_m, SETTLE_MIN_MPS))
            return min(speed_max_mps, math.sqrt(creep * creep + 2.0 * decel_mss * (distance_m - SETTLE_RADIUS_M)))
        return min(speed_max_mps, math.sqrt(end_speed_mps * end_speed_mps + 2.0 * decel_mss * distance_m))

    def step_horizontal_to(
        self,
        target_north_m: float,
        target_east_m: float,
        *,
        speed_max_mps: float,
        accel_mss: float,
        dt_s: float,
        end_speed_mps: float = 0.0,
        decel_mss: float | None = None,
    ) -> float:
        """Fly toward a point; returns the remaining distance in metres."""
        dn = target_north_m - self.north_m
        de = target_east_m - self.east_m
        dist = math.hypot(dn, de)
        decel = accel_mss * APPROACH_DECEL_RATIO if decel_mss is None else decel_mss
        if dist < 1e-3 and self.ground_speed_mps < 0.05 and end_speed_mps == 0.0:
            self.north_m, self.east_m = target_north_m, target_east_m
            self.vn_mps = self.ve_mps = 0.0
            self.an_mss = self.ae_mss = self.accel_mag_mss = 0.0
            return 0.0
        speed = self.approach_speed(dist, speed_max_mps, decel, end_speed_mps)
        # never plan to pass the point within one step when it is meant to be a stop
        if end_speed_mps == 0.0:
            speed = min(speed, dist / max(dt_s, 1e-3))
        if dist > 1e-6:
            want_n, want_e = dn / dist * speed, de / dist * speed
        else:
            want_n = want_e = 0.0
        self._accelerate_horizontal(want_n, want_e, accel_mss, dt_s)
        return math.hypot(target_north_m - self.north_m, target_east_m - self.east_m)

    def step_horizontal_velocity(
        self, want_vn_mps: float, want_ve_mps: float, *, accel_mss: float, dt_s: float
    ) -> None:
        self._accelerate_horizontal(want_vn_mps, want_ve_mps, accel_mss, dt_s)

    def step_track_velocity(
        self, un: float, ue: float, want_along_mps: float, want_cross_mps: float, *,
        accel_along_mss: float, accel_cross_mss: float, dt_s: float, jerk_mss: float = HORIZONTAL_JERK_MSSS,
    ) -> None:  # fmt: skip
        """Velocity along a unit track (un, ue) and across it (+ = right), each with its own limit.

        Speeding up along the track is jerk-limited like ``_accelerate_horizontal``.
        """
        along = self.vn_mps * un + self.ve_mps * ue
        cross = -self.vn_mps * ue + self.ve_mps * un
        d_along = want_along_mps - along
        limit = accel_along_mss
        if abs(want_along_mps) > abs(along):
            # S-curve: acceleration builds at the jerk limit and tapers off into the cruise speed
            limit = min(
                limit, self.accel_mag_mss + jerk_mss * dt_s, math.sqrt(2.0 * jerk_mss * abs(d_along)) + jerk_mss * dt_s
            )
        d_along = max(-limit * dt_s, min(limit * dt_s, d_along))
        d_cross = max(-accel_cross_mss * dt_s, min(accel_cross_mss * dt_s, want_cross_mps - cross))
        along += d_along
        cross += d_cross
        old_n, old_e = self.vn_mps, self.ve_mps
        self.vn_mps = un * along - ue * cross
        self.ve_mps = ue * along + un * cross
        self.an_mss = (self.vn_mps - old_n) / dt_s if dt_s > 0 else 0.0
        self.ae_mss = (self.ve_mps - old_e) / dt_s if dt_s > 0 else 0.0
        self.accel_mag_mss = abs(d_along) / dt_s if dt_s > 0 else 0.0
        self.north_m += 0.5 * (old_n + self.vn_mps) * dt_s
        self.east_m += 0.5 * (old_e + self.ve_mps) * dt_s

    def _accelerate_horizontal(self, want_n: float, want_e: float, accel_mss: float, dt_s: float) -> None:
        dvn = want_n - self.vn_mps
        dve = want_e - self.ve_mps
        dv = math.hypot(dvn, dve)
        # speeding up, acceleration builds at HORIZONTAL_JERK_MSSS (03: ~1 m/s 0.75 s after a
        # goto from the hover); braking is not jerk-limited so stops and fence margins hold
        if want_n * want_n + want_e * want_e >= self.vn_mps * self.vn_mps + self.ve_mps * self.ve_mps:
            accel_mss = min(accel_mss, self.accel_mag_mss + HORIZONTAL_JERK_MSSS * dt_s)
        max_dv = accel_mss * dt_s
        if dv > max_dv > 0:
            dvn *= max_dv / dv
            dve *= max_dv / dv
        self.an_mss = dvn / dt_s if dt_s > 0 else 0.0
        self.ae_mss = dve / dt_s if dt_s > 0 else 0.0
        self.accel_mag_mss = math.hypot(self.an_mss, self.ae_mss)
        old_n, old_e = self.vn_mps, self.ve_mps
        self.vn_mps += dvn
        self.ve_mps += dve
        self.north_m += 0.5 * (old_n + self.vn_mps) * dt_s
        self.east_m += 0.5 * (old_e + self.ve_mps) * dt_s

    # --- vertical ---------------------------------------------------------------------

    def step_vertical_to(
        self,
        target_height_m: float,
        *,
        climb_max_mps: float,
        descent_max_mps: float,
        accel_mss: float,
        dt_s: float,
        decel_mss: float = VERTICAL_APPROACH_DECEL_MSS,
    ) -> float:
        """Climb or descend toward a height; returns the remaining height error."""
        err = target_height_m - self.height_m
        limit = climb_max_mps if err > 0 else descent_max_mps
        speed = min(limit, math.sqrt(2.0 * decel_mss * abs(err)), abs(err) / max(dt_s, 1e-3))
        want_climb = math.copysign(speed, err)
        self.step_vertical_rate(want_climb, accel_mss=accel_mss, dt_s=dt_s)
        return target_height_m - self.height_m

    def step_vertical_rate(self, want_climb_mps: float, *, accel_mss: float, dt_s: float) -> None:
        climb = -self.vd_mps
        dv = want_climb_mps - climb
        max_dv = accel_mss * dt_s
        if abs(dv) > max_dv:
            dv = math.copysign(max_dv, dv)
        new_climb = climb + dv
        self.height_m += 0.5 * (climb + new_climb) * dt_s
        self.vd_mps = -new_climb

    # --- yaw --------------------------------------------------------------------------

    def step_yaw_to(self, target_deg: float, *, rate_dps: float, dt_s: float, direction: int = 0) -> bool:
        """Turn toward ``target_deg``; ``direction`` +1 forces clockwise, -1 counter-clockwise.

        Returns True once the heading is reached.
        """
        if direction == 0:
            err = wrap_180(target_deg - self.yaw_deg)
        elif direction > 0:
            err = wrap_360(target_deg - self.yaw_deg)
        else:
            err = -wrap_360(self.yaw_deg - target_deg)
        step = rate_dps * dt_s
        if abs(err) <= step:
            self.yaw_deg = wrap_360(target_deg)
            self.yaw_rate_dps = 0.0
            return True
        self.yaw_deg = wrap_360(self.yaw_deg + math.copysign(step, err))
        self.yaw_rate_dps = math.copysign(rate_dps, err)
        return False

    # --- derived attitude -------------------------------------------------------------

    def attitude_rad(self) -> tuple[float, float]:
        """(roll, pitch) a multicopter would hold for the current acceleration and speed.

        Includes a drag term so cruising at 8 m/s shows ~15° nose-down, as SITL does.
        """
        if self.height_m <= 0.0 and self.ground_speed_mps < 0.01:
            return 0.0, 0.0
        yaw = math.radians(self.yaw_deg)
        cos_y, sin_y = math.cos(yaw), math.sin(yaw)
        a_n = self.an_mss + 0.5 * self.vn_mps
        a_e = self.ae_mss + 0.5 * self.ve_mps
        forward = a_n * cos_y + a_e * sin_y
        right = -a_n * sin_y + a_e * cos_y
        pitch = -math.atan2(forward, GRAVITY_MSS)
        roll = math.atan2(right, GRAVITY_MSS)
        return roll, pitch
