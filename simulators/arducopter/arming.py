"""Arming checks, the periodic "PreArm:" report, arm and disarm.

The failing checks follow the boot timeline (README §2 02/05/09): "System not initialised"
before "ArduPilot Ready"; "Accels inconsistent" then "Gyros inconsistent" until ~23.4 s;
"EKF attitude is bad" and "AHRS: not using configured AHRS type" until the EKF has attitude;
in modes that need a position "AHRS: waiting for home" before the EKF origin and
"Need Position Estimate" until the EKF uses GPS (~41.4 s). A refused arm is COMMAND_ACK 4
followed by one ``Arm: <reason>`` STATUSTEXT (severity 2) per reason; a force-arm
(param2 21196) does not bypass them.

The unasked report uses ``PreArm: <reason>``: at most every 30 s (the first slot ~30.5 s
after boot), or one update after checks that were passing start failing, if the last report
slot is more than 4 s old (02 at 27.4 s, 04 at 226 s, 07 after the battery failsafe landing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulators.arducopter.modes import Mode, mode_traits

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

REPORT_PERIOD_S = 30.0
REPORT_IMMEDIATE_MIN_GAP_S = 4.0
MAV_SEVERITY_CRITICAL = 2
MAV_SEVERITY_INFO = 6


class Arming:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self.prearm_ok = False
        self._last_report_slot_s = 0.0
        self._report_immediately = False
        self._was_passing = False

    def reasons(self, *, force: bool = False) -> list[str]:
        """Why arming would fail now, in the firmware's order (empty: armable)."""
        v = self.v
        boot = v.boot
        if not boot.reached("ready"):
            return ["System not initialised"]
        out: list[str] = []
        if force and not boot.reached("ahrs_ekf"):
            out.append("AHRS: not using configured AHRS type")  # mandatory check, run first
        checks_enabled = v.params.get("ARMING_CHECK") != 0
        if checks_enabled:
            if not boot.reached("accels_consistent"):
                out.append("Accels inconsistent")
            elif not boot.reached("gyros_consistent"):
                out.append("Gyros inconsistent")
            if not boot.reached("ekf_attitude"):
                out.append("EKF attitude is bad")
        if not boot.reached("ahrs_ekf"):
            out.append("AHRS: not using configured AHRS type")
        if mode_traits(v.mode).requires_position:
            if not boot.reached("origin"):
                out.append("AHRS: waiting for home")
            elif not v.ekf_has_position():
                out.append("Need Position Estimate")
        if v.fence.enabled and v.home is None:
            out.append("Fence requires position")
        if checks_enabled and v.failsafe.battery_level:
            out.extend(("Battery 1 low voltage failsafe", "Battery failsafe"))
        if v.mode == Mode.AUTO and v.missions.mission_count() <= 1:
            out.append("Mode requires mission")
        return out

    # --- the 1 Hz pre-arm update -----------------------------------------------------------

    def update(self, now: float) -> None:
        """The 1 Hz pre-arm check; ``now`` is the nominal time of this update."""
        v = self.v
        display = False
        since_slot = now - self._last_report_slot_s
        if (self._report_immediately and since_slot > REPORT_IMMEDIATE_MIN_GAP_S) or since_slot > REPORT_PERIOD_S:
            self._report_immediately = False
            display = True
            self._last_report_slot_s = now
        if v.armed:
            self._was_passing = True
            return
        reasons = self.reasons()
        passing = not reasons
        self.prearm_ok = passing
        if not passing:
            if display:
                for reason in reasons:
                    v.send_text(MAV_SEVERITY_CRITICAL, f"PreArm: {reason}")
            elif self._was_passing:
                self._report_immediately = True
        self._was_passing = passing

    def refresh(self) -> None:
        """Re-evaluate the SYS_STATUS pre-arm bit now (sensor milestones; 02: the bit rose at
        23.42 s and 41.42 s, with the sensors), without reporting."""
        if not self.v.armed:
            self.prearm_ok = not self.reasons()

    # --- arm / disarm ----------------------------------------------------------------------

    def check_arm(self, *, force: bool) -> list[str]:
        """Reasons that refuse arming; records the attempt (the logger starts either way)."""
        self.v.last_arming_activity_s = self.v.now_s
        if self.v.armed:
            return []
        return self.reasons(force=force)

    def report_refusal(self, reasons: list[str]) -> None:
        for reason in reasons:
            self.v.send_text(MAV_SEVERITY_CRITICAL, f"Arm: {reason}")

    def do_arm(self) -> None:
        v = self.v
        if v.armed:
            return
        v.armed = True
        v.arm_time_s = v.now_s
        self.prearm_ok = True
        if v.home is not None and v.ekf_has_position():
            lat, lon = v.position_latlon()
            v.home = type(v.home)(lat, lon, v.altitude_amsl_m())
        if v.home is not None:
            v.send_home_and_origin()
            v.missions.on_home_set()
        v.send_text(MAV_SEVERITY_INFO, "Arming motors")
        v.flight.on_armed()

    def disarm(self, *, reason: str) -> None:
        v = self.v
        if not v.armed:
            return
        v.auto.before_disarm()
        v.armed = False
        v.last_arming_activity_s = v.now_s
        v.send_text(MAV_SEVERITY_INFO, "Disarming motors")
        if "MOT_THST_HOVER" in v.params:
            v.params.set("MOT_THST_HOVER", v.flight.hover_thrust(), notify=False)
            v.notify_param("MOT_THST_HOVER")
        v.flight.on_disarmed()
        v.auto.after_disarm()
