"""Normalizing ArduCopter telemetry: a dict from message type to handler (MAVProxy's ``mavlink_packet`` shape).

The state is a plain mutable object updated in place on the hot path (every
received message); ``snapshot()`` builds the frozen ``Telemetry`` only when
someone asks for it (the bridge at its UI rate, a waiting command).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from drones.mavlink.modes import mode_name
from drones.vehicle import Telemetry

log = logging.getLogger(__name__)

# EKF_STATUS_FLAGS bits.
EKF_ATTITUDE = 1
EKF_VEL_HORIZ = 2
EKF_POS_HORIZ_ABS = 16
EKF_POS_VERT_ABS = 32
EKF_CONST_POS_MODE = 128
EKF_PRED_POS_HORIZ_ABS = 512
_EKF_NEEDED = EKF_ATTITUDE | EKF_VEL_HORIZ | EKF_POS_VERT_ABS

MAV_MODE_FLAG_SAFETY_ARMED = 128
SERVO_OUTPUTS = 16  # SERVO_OUTPUT_RAW port 0: servo1_raw .. servo16_raw
MAV_STATE_NAMES = {
    0: "UNINIT",
    1: "BOOT",
    2: "CALIBRATING",
    3: "STANDBY",
    4: "ACTIVE",
    5: "CRITICAL",
    6: "EMERGENCY",
    7: "POWEROFF",
    8: "FLIGHT_TERMINATION",
}


# What a vehicle may plausibly report, in this project's units (WGS-84 degrees, metres, m/s, volts,
# percent). Anything else (NaN or Inf from a failed sensor, a latitude of 214 degrees from a wrapped
# integer) is a fault of the vehicle or the link: one such value made the fleet API answer 500, every
# viewer's snapshot invalid JSON and the stored track unreadable, so it never enters the state.
ALT_LIMITS_M = (-1000.0, 20000.0)
VALUE_LIMITS: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "alt_rel_m": ALT_LIMITS_M,
    "alt_msl_m": ALT_LIMITS_M,
    "heading_deg": (0.0, 360.0),
    "groundspeed_mps": (0.0, 200.0),
    "climb_mps": (-200.0, 200.0),
    "battery_v": (0.0, 100.0),
    "battery_pct": (0.0, 100.0),
    "home_lat": (-90.0, 90.0),
    "home_lon": (-180.0, 180.0),
    "home_alt_msl_m": ALT_LIMITS_M,
}
_INTEGER_VALUES = frozenset({"battery_pct"})
DROP_LOG_PERIOD_S = 60.0  # a vehicle repeating a bad value at 10 Hz is logged once a minute per field


def vehicle_value(name: str, value: object) -> float | int | None:
    """``value`` for the telemetry field ``name`` if it is a finite number within ``VALUE_LIMITS``, else None."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    low, high = VALUE_LIMITS[name]
    if not (math.isfinite(number) and low <= number <= high):
        return None
    return int(number) if name in _INTEGER_VALUES else number


def ekf_flags_ok(flags: int) -> bool:
    """Attitude, horizontal velocity, vertical position and an absolute horizontal position,
    and not in constant-position mode (which ArduPilot uses before it has GPS)."""
    if flags & EKF_CONST_POS_MODE:
        return False
    if flags & _EKF_NEEDED != _EKF_NEEDED:
        return False
    return bool(flags & (EKF_POS_HORIZ_ABS | EKF_PRED_POS_HORIZ_ABS))


class TelemetryState:
    """The latest value of every normalized field, for one vehicle."""

    __slots__ = (
        "link_ok",
        "custom_mode",
        "armed",
        "system_status",
        "lat",
        "lon",
        "alt_rel_m",
        "alt_msl_m",
        "heading_deg",
        "groundspeed_mps",
        "climb_mps",
        "battery_v",
        "battery_pct",
        "gps_fix",
        "satellites",
        "ekf_ok",
        "mission_seq",
        "mission_total",
        "home_lat",
        "home_lon",
        "home_alt_msl_m",
        "relay_on",
        "speaker_relay",
        "speaker_servo",
        "speaker_on_pwm",
        "speaker_off_pwm",
        "vehicle_time_ms",
        "landed_state",
        "last_heartbeat",
        "updated",
        "dropped_values",
        "_drop_logged_at",
        "handlers",
    )

    def __init__(self) -> None:
        self.link_ok = False
        self.custom_mode: int | None = None
        self.armed = False
        self.system_status = 0
        self.lat = self.lon = self.alt_rel_m = self.alt_msl_m = None
        self.heading_deg = self.groundspeed_mps = self.climb_mps = None
        self.battery_v = None
        self.battery_pct = None
        self.gps_fix = 0
        self.satellites = None
        self.ekf_ok = False
        self.mission_seq = self.mission_total = None
        self.home_lat = self.home_lon = self.home_alt_msl_m = None
        self.relay_on: bool | None = None  # the loudspeaker, on whichever output it hangs
        self.speaker_relay = 0  # relay instance (0 = RELAY1) read from RELAY_STATUS ...
        self.speaker_servo: int | None = None  # ... unless it is on this servo output (SERVO_OUTPUT_RAW)
        self.speaker_on_pwm = 1900
        self.speaker_off_pwm = 1100
        self.vehicle_time_ms: int | None = None
        self.landed_state = 0
        self.last_heartbeat = 0.0  # time.monotonic() of the last vehicle HEARTBEAT
        self.updated = 0.0  # time.time() of the last change
        # Values refused by ``accept``, per field. Replaced, never changed in place, so a snapshot can share it.
        self.dropped_values: dict[str, int] = {}
        self._drop_logged_at: dict[str, float] = {}
        self.handlers: dict[str, Callable] = {
            "HEARTBEAT": self._heartbeat,
            "GLOBAL_POSITION_INT": self._global_position_int,
            "VFR_HUD": self._vfr_hud,
            "SYS_STATUS": self._sys_status,
            "BATTERY_STATUS": self._battery_status,
            "GPS_RAW_INT": self._gps_raw_int,
            "EKF_STATUS_REPORT": self._ekf_status_report,
            "MISSION_CURRENT": self._mission_current,
            "HOME_POSITION": self._home_position,
            "RELAY_STATUS": self._relay_status,
            "EXTENDED_SYS_STATE": self._extended_sys_state,
        }

    def watch_speaker(
        self, *, relay: int = 0, servo: int | None = None, on_pwm: int = 1900, off_pwm: int = 1100
    ) -> None:
        """Where ``relay_on`` (the loudspeaker) is read from: relay instance ``relay`` (0 = RELAY1) in
        RELAY_STATUS, or, with ``servo`` (output 1-16), that output's PWM (µs) in SERVO_OUTPUT_RAW:
        on from the middle of ``off_pwm`` and ``on_pwm`` towards ``on_pwm``."""
        if servo is not None and not 1 <= servo <= SERVO_OUTPUTS:
            raise ValueError(f"servo output {servo} is not reported by SERVO_OUTPUT_RAW (1-{SERVO_OUTPUTS})")
        if servo is not None and on_pwm == off_pwm:
            raise ValueError("the loudspeaker's on and off PWM must differ")
        self.speaker_relay, self.speaker_servo = relay, servo
        self.speaker_on_pwm, self.speaker_off_pwm = on_pwm, off_pwm
        self.relay_on = None
        self.handlers.pop("RELAY_STATUS", None)
        self.handlers.pop("SERVO_OUTPUT_RAW", None)
        if servo is None:
            self.handlers["RELAY_STATUS"] = self._relay_status
        else:
            self.handlers["SERVO_OUTPUT_RAW"] = self._servo_output_raw

    def apply(self, msg) -> bool:
        """Update from one message; True if it was a telemetry message."""
        handler = self.handlers.get(msg.get_type())
        if handler is None:
            return False
        handler(msg)
        self.updated = time.time()
        return True

    def accept(self, **values: object) -> bool:
        """Set these fields (names from ``VALUE_LIMITS``, values in its units) if every one is valid.

        All or nothing, for parts that belong together (a latitude without its longitude is no
        position): on any invalid value none is set, the previous values stay, and the invalid
        ones are counted in ``dropped_values`` and logged at most once a minute per field.
        """
        checked = {name: vehicle_value(name, value) for name, value in values.items()}
        bad = [name for name, value in checked.items() if value is None]
        if not bad:
            for name, value in checked.items():
                setattr(self, name, value)
            return True
        dropped = dict(self.dropped_values)
        now = time.monotonic()
        for name in bad:
            dropped[name] = dropped.get(name, 0) + 1
            if now - self._drop_logged_at.get(name, -DROP_LOG_PERIOD_S) >= DROP_LOG_PERIOD_S:
                self._drop_logged_at[name] = now
                low, high = VALUE_LIMITS[name]
                log.warning(
                    "vehicle reported %s=%r, not a finite value in %g..%g: dropped (%d so far)",
                    name,
                    values[name],
                    low,
                    high,
                    dropped[name],
                )
        self.dropped_values = dropped
        return False

    @property
    def mode(self) -> str:
        return mode_name(self.custom_mode) if self.custom_mode is not None else ""

    @property
    def flying(self) -> bool:
        """In the air: EXTENDED_SYS_STATE says so, or (without it) armed and ACTIVE."""
        if self.landed_state:
            return self.landed_state in (2, 3, 4)  # IN_AIR, TAKEOFF, LANDING
        return self.armed and self.system_status == 4

    def snapshot(self) -> Telemetry:
        return Telemetry(
            time_s=self.updated or time.time(),
            link_ok=self.link_ok,
            mode=self.mode,
            armed=self.armed,
            system_status=MAV_STATE_NAMES.get(self.system_status, str(self.system_status)),
            lat=self.lat,
            lon=self.lon,
            alt_rel_m=self.alt_rel_m,
            alt_msl_m=self.alt_msl_m,
            heading_deg=self.heading_deg,
            groundspeed_mps=self.groundspeed_mps,
            climb_mps=self.climb_mps,
            battery_v=self.battery_v,
            battery_pct=self.battery_pct,
            gps_fix=self.gps_fix,
            satellites=self.satellites,
            ekf_ok=self.ekf_ok,
            mission_seq=self.mission_seq,
            mission_total=self.mission_total,
            home_lat=self.home_lat,
            home_lon=self.home_lon,
            home_alt_msl_m=self.home_alt_msl_m,
            relay_on=self.relay_on,
            vehicle_time_ms=self.vehicle_time_ms,
            dropped_values=self.dropped_values,
        )

    # --- handlers ---------------------------------------------------------------------------

    def _heartbeat(self, msg) -> None:
        self.custom_mode = msg.custom_mode
        self.armed = bool(msg.base_mode & MAV_MODE_FLAG_SAFETY_ARMED)
        self.system_status = msg.system_status
        self.last_heartbeat = time.monotonic()
        self.link_ok = True

    def _global_position_int(self, msg) -> None:
        self.vehicle_time_ms = int(msg.time_boot_ms)
        if msg.lat == 0 and msg.lon == 0:
            return  # no position yet
        self.accept(lat=msg.lat / 1e7, lon=msg.lon / 1e7)
        self.accept(alt_msl_m=msg.alt / 1000.0)
        self.accept(alt_rel_m=msg.relative_alt / 1000.0)
        if msg.hdg != 65535:
            self.accept(heading_deg=msg.hdg / 100.0)

    def _vfr_hud(self, msg) -> None:
        self.accept(groundspeed_mps=msg.groundspeed)
        self.accept(climb_mps=msg.climb)
        if self.heading_deg is None:
            self.accept(heading_deg=msg.heading)

    def _sys_status(self, msg) -> None:
        if msg.voltage_battery not in (0, 65535):
            self.accept(battery_v=msg.voltage_battery / 1000.0)
        if msg.battery_remaining != -1:  # -1: not estimated
            self.accept(battery_pct=msg.battery_remaining)

    def _battery_status(self, msg) -> None:
        if self.battery_pct is None and msg.battery_remaining != -1:
            self.accept(battery_pct=msg.battery_remaining)

    def _gps_raw_int(self, msg) -> None:
        self.gps_fix = int(msg.fix_type)
        self.satellites = None if msg.satellites_visible == 255 else int(msg.satellites_visible)

    def _ekf_status_report(self, msg) -> None:
        self.ekf_ok = ekf_flags_ok(int(msg.flags))

    def _mission_current(self, msg) -> None:
        self.mission_seq = int(msg.seq)
        total = getattr(msg, "total", 65535)
        self.mission_total = None if total == 65535 else int(total)

    def _home_position(self, msg) -> None:
        self.accept(home_lat=msg.latitude / 1e7, home_lon=msg.longitude / 1e7, home_alt_msl_m=msg.altitude / 1000.0)

    def _relay_status(self, msg) -> None:
        bit = 1 << self.speaker_relay
        if msg.present & bit:
            self.relay_on = bool(msg.on & bit)

    def _servo_output_raw(self, msg) -> None:
        if getattr(msg, "port", 0) != 0:
            return  # port 1 carries outputs 17-32
        pwm = int(getattr(msg, f"servo{self.speaker_servo}_raw", 0) or 0)
        if pwm == 0:
            self.relay_on = False  # the output sends no pulses: nothing drives the loudspeaker
            return
        on, off = self.speaker_on_pwm, self.speaker_off_pwm
        middle = (on + off) / 2
        self.relay_on = pwm >= middle if on > off else pwm <= middle

    def _extended_sys_state(self, msg) -> None:
        self.landed_state = int(msg.landed_state)
