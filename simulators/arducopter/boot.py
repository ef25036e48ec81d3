"""The boot timeline of ArduCopter 4.7 SITL, as a data table.

Times are vehicle seconds since the GCS connected (SITL starts its clock at the TCP connect),
taken from the recordings (README §1 and §6; texts and unasked parameters from 02/03).
``BootProfile.fast()`` compresses the same table for demos and tests that are not about boot
timing; the default is the faithful profile.

Milestones are named states the rest of the simulator reads (``vehicle.boot.reached("gps_fix")``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Kind(StrEnum):
    CONSOLE = "console"  # raw SITL console text on the TCP socket (not MAVLink)
    TEXT = "text"  # STATUSTEXT
    PARAM = "param"  # unasked PARAM_VALUE (the firmware changing its own parameter)
    HEARTBEAT = "heartbeat"  # one of the early, irregular boot heartbeats
    MILESTONE = "milestone"


@dataclass(frozen=True, slots=True)
class BootEvent:
    at_s: float
    kind: Kind
    name: str = ""  # milestone name, parameter name, or text
    severity: int = 6
    value: float = 0.0
    param_count: int | None = None


def _text(at_s: float, text: str, severity: int = 6) -> BootEvent:
    return BootEvent(at_s, Kind.TEXT, text, severity=severity)


def _param(at_s: float, name: str, value: float, param_count: int | None = None) -> BootEvent:
    return BootEvent(at_s, Kind.PARAM, name, value=value, param_count=param_count)


def _milestone(at_s: float, name: str) -> BootEvent:
    return BootEvent(at_s, Kind.MILESTONE, name)


def _console(at_s: float, text: str) -> BootEvent:
    return BootEvent(at_s, Kind.CONSOLE, text)


FIRMWARE_BANNER = "ArduCopter V4.7.0-dev (90700977)"

# Milestones, in order. Their meaning for the rest of the simulator:
#   ready              "ArduPilot Ready": system initialised, streams may start
#   standby            HEARTBEAT system_status BOOT(1) -> STANDBY(3), base_mode follows the mode
#   battery            battery monitor and terrain report healthy (SYS_STATUS bits, voltage)
#   ekf_report         EKF_STATUS_REPORT starts (flags 1024)
#   ahrs_ekf           AHRS switched to EKF3 (AHRS2 starts)
#   ekf_flags_zero     EKF flags 0 (between init and tilt alignment)
#   ekf_attitude       EKF flags 167: attitude and vertical position, constant position mode
#   gps_fix            GPS_RAW_INT fix 6 with 10 satellites; GLOBAL_POSITION_INT gets lat/lon
#   accels_consistent  "Accels inconsistent" clears; "Gyros inconsistent" takes its place
#   origin             EKF origin and home set (GPS_GLOBAL_ORIGIN, HOME_POSITION, MIS_TOTAL=1)
#   ahrs_healthy       SYS_STATUS AHRS enabled/healthy
#   gyros_consistent   STABILIZE armable; PREARM bit in modes that need no position
#   ekf_gps            EKF uses GPS: flags 831, GUIDED armable, LOCAL_POSITION_NED and WIND start
FAITHFUL_EVENTS: tuple[BootEvent, ...] = (
    _console(
        0.0,
        "\n\nInit ArduCopter V4.7.0-dev (90700977)\n\nFree RAM: 524288\nBooting 0/0\n"
        "Firmware change: erasing EEPROM...\ndone.\n",
    ),
    _console(0.001, "0 0 0 "),
    _console(0.001, "AP_Logger_File: buffer size=204800\n"),
    _text(0.111, "RCInput: decoding UDP (Pulses)", severity=7),
    # The first unasked parameter carries param_count 1336: the table was still growing.
    _param(0.111, "ESC_CALIBRATION", 0, param_count=1336),
    _param(0.111, "RELAY1_FUNCTION", 1),
    _param(0.122, "COMPASS_DEV_ID", 97539),
    _param(0.122, "COMPASS_DEV_ID2", 131874),
    _param(0.122, "COMPASS_DEV_ID3", 263178),
    _param(0.122, "COMPASS_EXTERNAL", 1),
    _param(0.122, "COMPASS_DEV_ID", 97539),
    _param(0.122, "COMPASS_DEV_ID2", 131874),
    _param(0.122, "COMPASS_DEV_ID3", 263178),
    _text(0.222, "Calibrating barometer"),
    _param(0.222, "CAM1_TYPE", 0),
    _param(0.222, "CAM2_TYPE", 0),
    _param(0.222, "BARO_ALT_OFFSET", 0.0),
    BootEvent(0.916, Kind.HEARTBEAT),
    BootEvent(0.939, Kind.HEARTBEAT),
    _text(1.826, "Barometer 1 calibration complete"),
    _text(1.826, "Barometer 2 calibration complete"),
    _console(1.826, "Init Gyro"),
    _param(1.826, "BARO1_GND_PRESS", 97771.59375),
    _param(1.826, "BARO2_GND_PRESS", 97771.3046875),
    _param(1.826, "INS_GYR_ID", 2752772),
    _param(1.827, "INS_ACC_ID", 2753028),
    _param(1.827, "INS_GYR2_ID", 2752780),
    _param(1.827, "INS_ACC2_ID", 2753036),
    _console(1.850, "*"),
    BootEvent(1.908, Kind.HEARTBEAT),
    BootEvent(1.955, Kind.HEARTBEAT),
    _console(2.100, "*"),
    _console(2.352, "\n"),
    _text(2.352, "ArduPilot Ready"),
    _milestone(2.352, "ready"),
    _text(2.353, "AHRS: DCM active"),
    _param(2.353, "INS_GYROFFS_X", 2.3449767468264326e-05),
    _param(2.353, "INS_GYROFFS_Y", 2.5720373741933145e-05),
    _param(2.353, "INS_GYROFFS_Z", 2.9012084269197658e-05),
    _param(2.353, "INS_GYR_ID", 2752772),
    _param(2.353, "INS_GYR1_CALTEMP", 25.018352508544922),
    _param(2.353, "INS_GYR2OFFS_X", 2.015327481785789e-05),
    _param(2.353, "INS_GYR2OFFS_Y", 2.7733694878406823e-05),
    _param(2.353, "INS_GYR2OFFS_Z", 1.705062277324032e-05),
    _param(2.353, "INS_GYR2_ID", 2752780),
    _param(2.353, "INS_GYR2_CALTEMP", 25.018352508544922),
    _param(2.353, "INS_GYR3OFFS_X", 0.0),
    _param(2.353, "INS_GYR3OFFS_Y", 0.0),
    _param(2.353, "INS_GYR3OFFS_Z", 0.0),
    _param(2.353, "INS_GYR3_ID", 0),
    _milestone(2.600, "battery"),
    _text(2.650, "RC7: SaveWaypoint LOW"),
    _milestone(2.900, "standby"),
    _param(3.356, "EK3_SRC1_POSXY", 3),
    _milestone(3.400, "ekf_report"),
    _text(4.353, "EKF3 IMU0 initialised"),
    _text(4.353, "EKF3 IMU1 initialised"),
    _text(4.358, "AHRS: EKF3 active"),
    _milestone(4.358, "ahrs_ekf"),
    _milestone(5.400, "ekf_flags_zero"),
    _text(5.700, "EKF3 IMU0 tilt alignment complete"),
    _text(5.700, "EKF3 IMU1 tilt alignment complete"),
    _text(5.799, "EKF3 IMU0 MAG0 initial yaw alignment complete"),
    _text(5.799, "EKF3 IMU1 MAG0 initial yaw alignment complete"),
    _milestone(5.900, "ekf_attitude"),
    _text(9.712, "GPS 1: probing for u-blox at 230400 baud"),
    _text(9.729, "GPS 1: detected u-blox"),
    _milestone(9.900, "gps_fix"),
    _milestone(13.000, "accels_consistent"),
    _milestone(19.924, "origin"),
    _param(19.950, "BARO1_GND_PRESS", 101325.0078125),
    _param(19.950, "BARO2_GND_PRESS", 101323.625),
    _text(19.950, "Field Elevation Set: 300m"),
    _text(20.118, "EKF3 IMU1 origin set"),
    _milestone(22.400, "ahrs_healthy"),
    _milestone(23.400, "gyros_consistent"),
    _text(41.322, "EKF3 IMU0 is using GPS"),
    _milestone(41.420, "ekf_gps"),
    _text(41.520, "EKF3 IMU1 is using GPS"),
)

MILESTONES: tuple[str, ...] = tuple(e.name for e in FAITHFUL_EVENTS if e.kind is Kind.MILESTONE)

# Streams requested before "ArduPilot Ready" start this long after it (02: 2.352 -> 2.417).
STREAM_START_AFTER_READY_S = 0.065

# The regular 1 Hz heartbeat after the irregular boot ones (02/03: 2.935, 3.937, ...).
FIRST_REGULAR_HEARTBEAT_S = 2.935


@dataclass(frozen=True, slots=True)
class BootProfile:
    """A boot timeline; ``scale`` < 1 compresses every time in the table."""

    events: tuple[BootEvent, ...]
    scale: float = 1.0

    @classmethod
    def faithful(cls) -> BootProfile:
        return cls(FAITHFUL_EVENTS, 1.0)

    @classmethod
    def fast(cls, scale: float = 0.1) -> BootProfile:
        """Same events and order, ``scale`` times the timing (0.1: GUIDED armable at ~4.1 s)."""
        if not 0 < scale <= 1:
            raise ValueError(f"boot scale must be in (0, 1], got {scale}")
        return cls(tuple(replace(e, at_s=round(e.at_s * scale, 6)) for e in FAITHFUL_EVENTS), scale)

    def milestone_time(self, name: str) -> float:
        for event in self.events:
            if event.kind is Kind.MILESTONE and event.name == name:
                return event.at_s
        raise KeyError(name)

    @property
    def first_regular_heartbeat_s(self) -> float:
        return FIRST_REGULAR_HEARTBEAT_S * self.scale

    @property
    def stream_start_delay_s(self) -> float:
        return STREAM_START_AFTER_READY_S * self.scale


class BootState:
    """Which milestones a vehicle has passed; advanced by the vehicle's tick."""

    __slots__ = ("profile", "_next", "_reached")

    def __init__(self, profile: BootProfile) -> None:
        self.profile = profile
        self._next = 0
        self._reached: set[str] = set()

    def due(self, now_s: float) -> list[BootEvent]:
        """Events whose time has come, in table order; milestones are marked reached."""
        events = self.profile.events
        out: list[BootEvent] = []
        while self._next < len(events) and events[self._next].at_s <= now_s:
            event = events[self._next]
            if event.kind is Kind.MILESTONE:
                self._reached.add(event.name)
            out.append(event)
            self._next += 1
        return out

    def reached(self, name: str) -> bool:
        return name in self._reached

    @property
    def finished(self) -> bool:
        return self._next >= len(self.profile.events)

    def next_event_time(self) -> float | None:
        if self.finished:
            return None
        return self.profile.events[self._next].at_s
