"""Flight modes, takeoff, landing detection, disarm rules and GUIDED targets.

Timings from the recordings (README §6):

* takeoff: the climb starts 3.4 s after arming and at least 1 s after the takeoff command
  (GUIDED 03/06/08/09: ~3 s after NAV_TAKEOFF; AUTO 04: ~1 s after MISSION_START);
* touchdown prints the SITL-only ``SIM Hit ground at <v> m/s``; the land detector fires
  1.57 s later (STAT_FLTTIME/STAT_RUNTIME saved, status back to STANDBY) and, in LAND/RTL/AUTO,
  the motors disarm 2.07 s after touchdown;
* armed on the ground without taking off: "Disarming motors" after DISARM_DELAY.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulators.arducopter.modes import Mode, is_known_mode, mode_name, mode_traits
from simulators.arducopter.navigation import (
    Brake,
    Fall,
    Goto,
    Hold,
    Land,
    Nav,
    PilotThrottle,
    Takeoff,
    Velocity,
    YawControl,
    stopping_point,
)
from simulators.arducopter.physics import bearing_deg
from simulators.arducopter.rtl import Rtl

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

CLIMB_AFTER_ARM_S = 3.25
CLIMB_AFTER_COMMAND_S = 1.0
LAND_DETECT_AFTER_TOUCHDOWN_S = 1.57
IN_FLIGHT_YAW_ALIGN_AFTER_S = 2.35
FAILSAFE_LAND_PAUSE_S = 4.0
DISARM_AFTER_TOUCHDOWN_S = 2.07
STATS_PERIOD_S = 30.0
HOVER_THRUST = 0.372  # MOT_THST_HOVER learnt in flight at 12.6 V (04/06/09)

MAV_RESULT_ACCEPTED, MAV_RESULT_FAILED = 0, 4
# SET_POSITION_TARGET type_mask bits
_IGNORE_POSITION = 0x7
_IGNORE_VELOCITY = 0x38


@dataclass(frozen=True, slots=True)
class NavOutput:
    nav_bearing_deg: int
    target_bearing_deg: int
    wp_dist_m: int
    alt_error_m: float


class FlightController:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.nav: Nav = Nav()
        self.yaw = YawControl()
        self.flying = False
        self.touchdown_s: float | None = None
        self.landed_since_s = 0.0
        self.flight_time_s = 0.0
        self.has_flown = False
        self.paused_nav: Nav | None = None
        self._stats_flushed_s = 0.0
        self._land_disarm_pending = False

    # --- modes ---------------------------------------------------------------------------

    def mode_change_refusal(self, custom_mode: int) -> str | None:
        """The firmware's STATUSTEXT when it refuses ``custom_mode`` now, else None."""
        v = self.v
        if not is_known_mode(custom_mode):
            return f"No such mode {custom_mode}"
        name = mode_name(custom_mode)
        if not mode_traits(custom_mode).simulated:
            return f"Mode change to {name} failed: not simulated"
        if mode_traits(custom_mode).requires_position and v.armed and not v.ekf_has_position():
            return f"Mode change to {name} failed: requires position"
        if custom_mode == Mode.AUTO and v.armed and v.missions.mission_count() <= 1:
            return "Mode change to AUTO failed: init failed"
        if custom_mode == Mode.AUTO and v.armed and not self.flying and not v.auto.starts_with_takeoff():
            # ModeAuto::init refuses on the ground when the resume point is not a takeoff
            v.send_text(2, "Auto: Missing Takeoff Cmd")
            return "Mode change to AUTO failed: init failed"
        return None

    def try_set_mode(self, custom_mode: int, *, reason: str) -> bool:
        refusal = self.mode_change_refusal(custom_mode)
        if refusal is not None:
            self.v.send_text(4, refusal)
            return False
        self.apply_mode(custom_mode, reason=reason)
        return True

    def apply_mode(self, custom_mode: int, *, reason: str = "gcs") -> None:
        v = self.v
        old = v.mode
        if old == Mode.AUTO and custom_mode != Mode.AUTO:
            v.auto.stop()
        v.mode = custom_mode
        self.yaw = YawControl()
        self.paused_nav = None
        self._enter_mode(custom_mode, old, reason)

    def _enter_mode(self, mode: int, old: int, reason: str) -> None:
        v = self.v
        kin = v.kin
        if mode == Mode.AUTO:
            v.auto.start()
            return
        if not self.flying:
            if not (isinstance(self.nav, Takeoff) and mode == Mode.GUIDED):
                self.nav = Nav()
            return
        north, east = stopping_point(v)
        if mode == Mode.GUIDED:
            self.nav = Hold(north, east, kin.height_m)
        elif mode == Mode.LOITER:
            self.nav = PilotThrottle(north, east, manual=False, start_s=v.now_s)
        elif mode == Mode.STABILIZE:
            self.nav = PilotThrottle(north, east, manual=True, start_s=v.now_s)
        elif mode == Mode.BRAKE:
            self.nav = Brake()
        elif mode == Mode.LAND:
            # failsafes land "with pause": 4 s of hover first (07: descent began 4.3 s later)
            pause_s = FAILSAFE_LAND_PAUSE_S if reason.endswith("failsafe") else 0.0
            self.nav = Land(north, east, use_position=v.ekf_has_position(), pause_until_s=v.now_s + pause_s)
        elif mode == Mode.RTL:
            self.nav = Rtl(v)

    # --- arming hooks --------------------------------------------------------------------

    def on_armed(self) -> None:
        self.landed_since_s = self.v.now_s
        if self.v.mode == Mode.AUTO:
            self.v.auto.start()

    def on_disarmed(self) -> None:
        self._land_disarm_pending = False
        if self.flying:
            self.nav = Fall()
        else:
            self.nav = Nav()

    # --- takeoff / land ------------------------------------------------------------------

    def takeoff(self, height_rel_m: float, *, from_mission: bool = False) -> int:
        """NAV_TAKEOFF in GUIDED (or the mission's takeoff in AUTO)."""
        v = self.v
        if not v.armed or (v.mode != Mode.GUIDED and not from_mission) or self.flying:
            return MAV_RESULT_FAILED
        start = max(v.arm_time_s + CLIMB_AFTER_ARM_S, v.now_s + CLIMB_AFTER_COMMAND_S)
        if isinstance(self.nav, Takeoff) and not from_mission:
            start = self.nav.climb_start_s
        self.nav = Takeoff(v.kin_height_for_rel(max(height_rel_m, 1.0)), start)
        return MAV_RESULT_ACCEPTED

    @property
    def landed(self) -> bool:
        return not self.flying

    # --- GUIDED targets ------------------------------------------------------------------

    def guided_goto(self, north_m: float, east_m: float, height_m: float, *, speed_mps: float | None = None) -> bool:
        """Fly to a point in GUIDED. Silently ignored outside the fence or when not flying."""
        v = self.v
        if v.mode != Mode.GUIDED or not self.flying:
            return False
        if not v.fence.point_allowed(north_m, east_m, height_m):
            return False
        self.nav = Goto(north_m, east_m, height_m, speed_mps=speed_mps, yaw=self.yaw)
        return True

    def guided_velocity(self, vn_mps: float, ve_mps: float, vd_mps: float) -> bool:
        v = self.v
        if v.mode != Mode.GUIDED or not self.flying:
            return False
        if isinstance(self.nav, Velocity):
            self.nav.vn_mps, self.nav.ve_mps, self.nav.vd_mps = vn_mps, ve_mps, vd_mps
            self.nav.updated_s = v.now_s
        else:
            self.nav = Velocity(vn_mps, ve_mps, vd_mps, v.now_s)
        if math.hypot(vn_mps, ve_mps) > 0.5:
            self.yaw.face(bearing_deg(vn_mps, ve_mps))
        return True

    def set_speed(self, speed_mps: float) -> None:
        """DO_CHANGE_SPEED: applies to the target being flown (a new GUIDED goto starts at WPNAV_SPEED)."""
        if isinstance(self.nav, Goto):
            self.nav.speed_mps = speed_mps
        if self.v.mode == Mode.AUTO:
            self.v.auto.speed_override_mps = speed_mps  # in AUTO it holds for the rest of the mission

    def pause(self) -> bool:
        if self.paused_nav is not None or not self.flying:
            return self.paused_nav is not None
        north, east = stopping_point(self.v)
        self.paused_nav = self.nav
        self.nav = Hold(north, east, self.v.kin.height_m)
        return True

    def resume(self) -> bool:
        if self.paused_nav is None:
            return False
        self.nav, self.paused_nav = self.paused_nav, None
        if isinstance(self.nav, Goto):
            self.nav.restart_leg()
        return True

    def on_set_position_target_global_int(self, msg: Any) -> None:
        v = self.v
        if not v.addressed_to_me(msg):
            return
        mask = msg.type_mask
        if not mask & _IGNORE_POSITION:
            frame = msg.coordinate_frame
            north, east = v.offset_from_origin(msg.lat_int * 1e-7, msg.lon_int * 1e-7)
            if frame in (0, 5):  # MAV_FRAME_GLOBAL(_INT): AMSL
                height = float(msg.alt) - v.ground_amsl_m
            else:  # relative to home (3, 6) or terrain (10, 11; flat terrain here)
                height = v.kin_height_for_rel(float(msg.alt))
            self.guided_goto(north, east, height)
        elif not mask & _IGNORE_VELOCITY:
            self.guided_velocity(float(msg.vx), float(msg.vy), float(msg.vz))

    def on_set_position_target_local_ned(self, msg: Any) -> None:
        v = self.v
        if not v.addressed_to_me(msg):
            return
        mask = msg.type_mask
        frame = msg.coordinate_frame
        kin = v.kin
        if not mask & _IGNORE_POSITION:
            x, y, z = float(msg.x), float(msg.y), float(msg.z)
            if frame == 1:  # LOCAL_NED: from the EKF origin
                north, east, down_from_origin = x, y, z
                height = v.origin_alt_amsl_m - down_from_origin - v.ground_amsl_m
            elif frame in (7, 9):  # LOCAL_OFFSET_NED / BODY_OFFSET_NED: from the vehicle
                if frame == 9:
                    x, y = _body_to_ned(x, y, kin.yaw_deg)
                north, east, height = kin.north_m + x, kin.east_m + y, kin.height_m - z
            else:
                return
            self.guided_goto(north, east, height)
        elif not mask & _IGNORE_VELOCITY:
            vn, ve = float(msg.vx), float(msg.vy)
            if frame in (8, 9):  # BODY_NED / BODY_OFFSET_NED: rotate by yaw
                vn, ve = _body_to_ned(vn, ve, kin.yaw_deg)
            self.guided_velocity(vn, ve, float(msg.vz))

    # --- the physics step ----------------------------------------------------------------

    def step(self, dt_s: float) -> None:
        v = self.v
        kin = v.kin
        nav = self.nav
        if v.armed and not self.flying and isinstance(nav, Takeoff) and v.now_s >= nav.climb_start_s:
            self._liftoff()
        nav.step(v, dt_s)
        self.yaw.step(v, dt_s)
        if isinstance(nav, Takeoff) and nav.complete(v) and v.mode == Mode.GUIDED:
            self.nav = Hold(kin.north_m, kin.east_m, nav.height_m)
        if self.flying:
            self.flight_time_s += dt_s
            if kin.height_m <= 0.0 and self.touchdown_s is None:
                self._touchdown()
            elif kin.height_m > 0.5 and self.touchdown_s is not None:
                self.touchdown_s = None  # bounced / took off again
        if kin.height_m < 0.0:
            kin.height_m = 0.0
            if kin.vd_mps > 0:
                kin.vd_mps = 0.0
        if self.touchdown_s is not None:
            kin.vn_mps = kin.ve_mps = 0.0
            if self.flying and v.now_s - self.touchdown_s >= LAND_DETECT_AFTER_TOUCHDOWN_S:
                self._land_detected()
        if self._land_disarm_pending and self.touchdown_s is not None:
            if v.now_s - self.touchdown_s >= DISARM_AFTER_TOUCHDOWN_S:
                self._land_disarm_pending = False
                v.arming.disarm(reason="landed")
        self._auto_disarm_check()

    def _liftoff(self) -> None:
        if not self.has_flown:
            # the EKF finishes its in-flight yaw alignment ~2.35 s after the first liftoff (03/04/08)
            self.v.add_timer(IN_FLIGHT_YAW_ALIGN_AFTER_S, self._yaw_alignment_texts)
        self.flying = True
        self.has_flown = True
        self.touchdown_s = None

    def _yaw_alignment_texts(self) -> None:
        for imu in (0, 1):
            self.v.send_text(6, f"EKF3 IMU{imu} MAG0 in-flight yaw alignment complete")

    def _touchdown(self) -> None:
        v = self.v
        speed = max(0.0, v.kin.vd_mps)
        v.kin.stop()
        v.kin.height_m = 0.0
        self.touchdown_s = v.now_s
        v.send_text(6, f"SIM Hit ground at {speed:f} m/s")

    def _land_detected(self) -> None:
        v = self.v
        self.flying = False
        self.landed_since_s = v.now_s
        landing_nav = self.nav
        self.flush_stats()
        disarm_modes = (Mode.LAND, Mode.RTL, Mode.AUTO)
        if v.armed and (v.mode in disarm_modes or isinstance(landing_nav, Land)):
            self._land_disarm_pending = True
        self.nav = Nav()

    def _auto_disarm_check(self) -> None:
        v = self.v
        if not v.armed or self.flying or self._land_disarm_pending or type(self.nav) is not Nav:
            return
        delay = v.params.get("DISARM_DELAY")
        if delay <= 0:
            return
        if v.now_s - max(self.landed_since_s, v.arm_time_s) >= delay:
            v.arming.disarm(reason="auto")

    # --- statistics (STAT_RUNTIME every ~31 s, and at landing) -----------------------------

    def update_stats(self, now: float) -> None:
        if now - self._stats_flushed_s > STATS_PERIOD_S:
            self.flush_stats(now)

    def flush_stats(self, now: float | None = None) -> None:
        v = self.v
        self._stats_flushed_s = v.now_s if now is None else now
        if self.has_flown and "STAT_FLTTIME" in v.params:
            v.params.set("STAT_FLTTIME", round(self.flight_time_s), notify=False)
            v.notify_param("STAT_FLTTIME")
        if "STAT_RUNTIME" in v.params:
            v.params.set("STAT_RUNTIME", int(v.now_s + 0.098), notify=False)
            v.notify_param("STAT_RUNTIME")

    def hover_thrust(self) -> float:
        if not self.has_flown:
            return self.v.params.get("MOT_THST_HOVER")
        voltage = max(self.v.battery.voltage_v, 1.0)
        return min(0.8, HOVER_THRUST * 12.6 / voltage)

    # --- telemetry views -----------------------------------------------------------------

    def landed_state(self) -> int:
        """MAV_LANDED_STATE: 1 on ground, 2 in air, 3 taking off, 4 landing."""
        if not self.flying:
            return 1
        nav = self.nav
        if isinstance(nav, Takeoff):
            return 3
        return nav.landed_state

    def position_target_amsl(self) -> tuple[float, float, float] | None:
        nav = self.nav
        if not nav.reports_target or not self.flying:
            return None
        target = nav.target_neh()
        if target is None:
            return None
        lat, lon = self.v.latlon_at(target[0], target[1])
        return lat, lon, self.v.ground_amsl_m + target[2] + (self.v.altitude_amsl_m() - self.v.true_altitude_amsl_m())

    def nav_output(self) -> NavOutput:
        kin = self.v.kin
        target = self.nav.target_neh() if self.flying else None
        if target is None:
            heading = int(round(kin.yaw_deg)) % 360
            return NavOutput(heading, 0, 0, 0.0)
        dn, de = target[0] - kin.north_m, target[1] - kin.east_m
        bearing = int(round(bearing_deg(dn, de))) % 360 if math.hypot(dn, de) > 0.1 else int(round(kin.yaw_deg)) % 360
        return NavOutput(bearing, bearing, int(math.hypot(dn, de)), target[2] - kin.height_m)

    def throttle_pct(self) -> int:
        v = self.v
        if not v.armed or not self.flying:
            return 0
        return max(0, min(100, int(self.hover_thrust() * 100 + 8.0 * v.kin.climb_mps)))

    def motor_pwm(self) -> int:
        v = self.v
        if not v.armed:
            return 1000
        if not self.flying:
            return 1100
        return max(1100, min(1950, int(1000 + self.hover_thrust() * 1500 + 40.0 * v.kin.climb_mps)))

    def motor_rpm(self) -> int:
        return 0  # SITL's ESC telemetry reports 0 rpm


def _body_to_ned(forward: float, right: float, yaw_deg: float) -> tuple[float, float]:
    yaw = math.radians(yaw_deg)
    return forward * math.cos(yaw) - right * math.sin(yaw), forward * math.sin(yaw) + right * math.cos(yaw)
