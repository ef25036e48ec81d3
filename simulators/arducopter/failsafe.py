"""Failsafes: GCS link loss, battery, and loss of the EKF position (GPS).

Observed (README §2 06/07):

* GCS: with FS_GCS_ENABLE set, FS_GCS_TIMEOUT after the last HEARTBEAT from MAV_GCS_SYSID
  (5.14 s in 06) -> HEARTBEAT with the action's mode (1: RTL) and system_status 5, then
  "GCS Failsafe" (sev 4): the heartbeat always goes out first (also for the battery). The
  first new heartbeat clears it ("GCS Failsafe Cleared" ~0.16 s later); the mode stays.
* Battery: SIM_BATT_VOLTAGE below BATT_LOW_VOLT (BATT_CRT_VOLT) for BATT_LOW_TIMER (10.25 s in
  07) -> "Battery 1 is low 10.30V used 318 mAh" / "... is critical ...", "Battery Failsafe",
  BATT_FS_LOW_ACT / BATT_FS_CRT_ACT; latched until reboot (status 5, pre-arm failures).
* EKF (not recorded; ArduCopter's documented EKF failsafe): without GPS the EKF loses its
  position ~1 s later (flags 831 -> 167); flying in a mode that needs a position, after 1 s
  more the vehicle switches to LAND (FS_EKF_ACTION 1, 3; 2 = ALT_HOLD is not simulated and also
  lands) and reports status 5 until the position is back. The texts are the simulator's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulators.arducopter.modes import Mode, mode_traits

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

MAV_SEVERITY_CRITICAL, MAV_SEVERITY_WARNING, MAV_SEVERITY_INFO = 2, 4, 6
BATTERY_TIMER_EXTRA_S = 0.25
EKF_POSITION_LOSS_AFTER_S = 1.0
EKF_POSITION_REGAIN_AFTER_S = 3.0
EKF_FAILSAFE_AFTER_S = 1.0

# FS_OPTIONS bits relevant to the GCS failsafe
FS_OPTION_CONTINUE_AUTO = 2
FS_OPTION_CONTINUE_LANDING = 8
FS_OPTION_CONTINUE_PILOT_MODES = 16
FS_OPTION_CONTINUE_GUIDED = 64
PILOT_CONTROLLED_MODES = frozenset({Mode.STABILIZE, Mode.LOITER})


# FS_GCS_ENABLE actions -> mode. SmartRTL (3, 4) and "Auto DO_LAND_START" (6) are not simulated
# and take their documented fallback, RTL; 2 is the deprecated "RTL, or continue AUTO".
GCS_FAILSAFE_MODES = {1: Mode.RTL, 2: Mode.RTL, 3: Mode.RTL, 4: Mode.RTL, 5: Mode.LAND, 6: Mode.RTL}
# BATT_FS_*_ACT actions -> mode (5 = terminate: disarm; 7 = BRAKE or LAND -> LAND).
BATTERY_FAILSAFE_MODES = {1: Mode.LAND, 2: Mode.RTL, 3: Mode.RTL, 4: Mode.RTL, 6: Mode.RTL, 7: Mode.LAND}


class GcsFailsafe:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.last_heartbeat_s: float | None = None
        self.active = False

    def on_gcs_heartbeat(self) -> None:
        self.last_heartbeat_s = self.v.now_s

    def update(self) -> None:
        v = self.v
        if self.last_heartbeat_s is None:
            return
        timed_out = v.now_s - self.last_heartbeat_s > v.params.get("FS_GCS_TIMEOUT")
        if self.active and not timed_out:
            self.active = False
            v.send_text(MAV_SEVERITY_WARNING, "GCS Failsafe Cleared")
            return
        if self.active or not timed_out or not v.armed:
            return
        enable = v.params.get_int("FS_GCS_ENABLE")
        if enable == 0:
            return
        self.active = True
        # ArduCopter's CRITICAL heartbeat (with the new mode) goes out before the text (06)
        if v.flight.flying:
            self._act(enable)
        else:
            v.arming.disarm(reason="gcs failsafe")
        v.send_text(MAV_SEVERITY_WARNING, "GCS Failsafe")

    def _act(self, enable: int) -> None:
        v = self.v
        options = v.params.get_int("FS_OPTIONS")
        mode = v.mode
        if (
            (mode == Mode.AUTO and (options & FS_OPTION_CONTINUE_AUTO or enable == 2))
            or (mode == Mode.GUIDED and options & FS_OPTION_CONTINUE_GUIDED)
            or (mode in PILOT_CONTROLLED_MODES and options & FS_OPTION_CONTINUE_PILOT_MODES)
            or (mode == Mode.LAND and options & FS_OPTION_CONTINUE_LANDING)
        ):
            v.send_heartbeat()
            return
        target = GCS_FAILSAFE_MODES.get(enable)
        if target is not None and mode != target and mode != Mode.LAND:
            if v.set_mode(int(target), reason="gcs failsafe") or v.set_mode(int(Mode.LAND), reason="gcs failsafe"):
                return
        v.send_heartbeat()


class BatteryFailsafe:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.level = 0  # 0 none, 1 low, 2 critical (latched)
        self._low_since_s: float | None = None
        self._crit_since_s: float | None = None

    def update(self) -> None:
        v = self.v
        battery = v.battery
        if not battery.healthy or not v.armed:
            self._low_since_s = self._crit_since_s = None
            return
        params = v.params
        now = v.now_s
        voltage = battery.voltage_v
        timer = params.get("BATT_LOW_TIMER") + BATTERY_TIMER_EXTRA_S
        crit_v, low_v = params.get("BATT_CRT_VOLT"), params.get("BATT_LOW_VOLT")
        crit_mah, low_mah = params.get("BATT_CRT_MAH"), params.get("BATT_LOW_MAH")
        self._crit_since_s = (self._crit_since_s or now) if 0 < crit_v and voltage < crit_v else None
        self._low_since_s = (self._low_since_s or now) if 0 < low_v and voltage < low_v else None
        if self.level < 2 and (
            (self._crit_since_s is not None and now - self._crit_since_s >= timer)
            or (crit_mah > 0 and battery.remaining_mah < crit_mah)
        ):
            self._trigger(2)
        elif self.level < 1 and (
            (self._low_since_s is not None and now - self._low_since_s >= timer)
            or (low_mah > 0 and battery.remaining_mah < low_mah)
        ):
            self._trigger(1)

    def _trigger(self, level: int) -> None:
        v = self.v
        self.level = level
        word = "critical" if level == 2 else "low"
        battery = v.battery
        texts = (
            f"Battery 1 is {word} {battery.voltage_v:.2f}V used {battery.consumed_mah:.0f} mAh",
            "Battery Failsafe",
        )
        # the CRITICAL heartbeat with the new mode comes first, then the texts (07)
        self._act(level)
        for text in texts:
            v.send_text(MAV_SEVERITY_WARNING, text)

    def _act(self, level: int) -> None:
        v = self.v
        action = v.params.get_int("BATT_FS_CRT_ACT" if level == 2 else "BATT_FS_LOW_ACT")
        if action == 0:
            v.send_heartbeat()
            return
        if not v.flight.flying or action == 5:  # on the ground, or terminate
            v.arming.disarm(reason="battery failsafe")
            v.send_heartbeat()
            return
        target = BATTERY_FAILSAFE_MODES.get(action)
        if target is None or v.mode == Mode.LAND or (target == Mode.RTL and v.mode == Mode.RTL):
            v.send_heartbeat()
            return
        if not v.set_mode(int(target), reason="battery failsafe") and not v.set_mode(
            int(Mode.LAND), reason="battery failsafe"
        ):
            v.send_heartbeat()


class EkfModel:
    """Whether the EKF has a horizontal position, and the EKF failsafe."""

    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.has_position = False
        self.failsafe_active = False
        self._gps_lost_s: float | None = None
        self._gps_back_s: float | None = None
        self._bad_since_s: float | None = None

    def on_boot_gps(self) -> None:
        if self.v.gps.has_fix:
            self.has_position = True

    def update(self) -> None:
        v = self.v
        if not v.boot.reached("ekf_gps"):
            return
        now = v.now_s
        if v.gps.has_fix:
            self._gps_lost_s = None
            if not self.has_position:
                self._gps_back_s = self._gps_back_s or now
                if now - self._gps_back_s >= EKF_POSITION_REGAIN_AFTER_S:
                    self.has_position = True
                    self._gps_back_s = None
                    v.send_text(MAV_SEVERITY_INFO, "EKF3 IMU0 is using GPS")
                    v.send_text(MAV_SEVERITY_INFO, "EKF3 IMU1 is using GPS")
        else:
            self._gps_back_s = None
            self._gps_lost_s = self._gps_lost_s or now
            if self.has_position and now - self._gps_lost_s >= EKF_POSITION_LOSS_AFTER_S:
                self.has_position = False
                v.send_text(MAV_SEVERITY_WARNING, "EKF3 IMU0 stopped aiding")
                v.send_text(MAV_SEVERITY_WARNING, "EKF3 IMU1 stopped aiding")
        self._update_failsafe(now)

    def _update_failsafe(self, now: float) -> None:
        v = self.v
        if self.has_position:
            self._bad_since_s = None
            if self.failsafe_active:
                self.failsafe_active = False
            return
        if not (v.armed and v.flight.flying):
            self._bad_since_s = None
            return
        self._bad_since_s = self._bad_since_s or now
        if self.failsafe_active or now - self._bad_since_s < EKF_FAILSAFE_AFTER_S:
            return
        action = v.params.get_int("FS_EKF_ACTION")
        if action == 0:
            return
        if not mode_traits(v.mode).requires_position and action != 3:
            return
        self.failsafe_active = True
        v.send_text(MAV_SEVERITY_CRITICAL, "EKF variance")
        if v.mode != Mode.LAND:
            v.set_mode(int(Mode.LAND), reason="ekf failsafe")


class Failsafes:
    def __init__(self, vehicle: Vehicle) -> None:
        self.gcs = GcsFailsafe(vehicle)
        self.battery = BatteryFailsafe(vehicle)
        self.ekf = EkfModel(vehicle)

    @property
    def battery_level(self) -> int:
        return self.battery.level

    @property
    def any_critical(self) -> bool:
        return self.gcs.active or self.battery.level > 0 or self.ekf.failsafe_active

    def update(self) -> None:
        self.ekf.update()
        self.gcs.update()
        self.battery.update()
