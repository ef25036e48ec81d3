"""Payload builders for the messages the vehicle sends, one function per message type.

Each builder takes the vehicle and returns the payload bytes in wire order, or ``None`` when
the real vehicle would not send that message yet (e.g. LOCAL_POSITION_NED before the EKF uses
GPS). Constant payloads are built once. Values are plausible SITL values from the recordings:
units as MAVLink defines them (cm, mm, cdeg, mV, cA).

This is the hot path of a fleet: keep builders to attribute reads, arithmetic and one
``struct.pack``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from simulators.arducopter.wire import pack_fields, spec

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

Builder = Callable[["Vehicle"], "bytes | None"]

_S = {name: spec(name).struct for name in (
    "ATTITUDE", "GLOBAL_POSITION_INT", "VFR_HUD", "SYS_STATUS", "NAV_CONTROLLER_OUTPUT", "MISSION_CURRENT",
    "SERVO_OUTPUT_RAW", "RC_CHANNELS", "RAW_IMU", "SCALED_IMU2", "SCALED_IMU3", "SCALED_PRESSURE",
    "SCALED_PRESSURE2", "GPS_RAW_INT", "SYSTEM_TIME", "SIMSTATE", "WIND", "TERRAIN_REPORT", "TERRAIN_REQUEST",
    "EKF_STATUS_REPORT", "LOCAL_POSITION_NED", "VIBRATION", "POSITION_TARGET_GLOBAL_INT", "BATTERY_STATUS",
    "ESC_TELEMETRY_1_TO_4", "AHRS", "AHRS2", "FENCE_STATUS", "EXTENDED_SYS_STATE", "HOME_POSITION",
    "GPS_GLOBAL_ORIGIN", "RELAY_STATUS", "HEARTBEAT", "TIMESYNC",
)}  # fmt: skip

_POWER_STATUS = pack_fields(spec("POWER_STATUS"), {"Vcc": 5000, "Vservo": 0, "flags": 0})
_MEMINFO = pack_fields(spec("MEMINFO"), {"brkval": 0, "freemem": 65535, "freemem32": 524288})
_WIND = _S["WIND"].pack(-180.0, 0.0, 0.0)
_NAN4 = (math.nan, math.nan, math.nan, math.nan)
_RAD = math.pi / 180.0

# SITL's magnetometer and IMU at rest (03), used as constants.
_MAG = (305, -37, 424)
_IMU_TEMP_CDEG = 2505
_BARO_TEMP_CDEG = 2547
_VIBRATION = (0.0027, 0.0028, 0.0026)
# SW corner of the terrain grid block SITL asks for, relative to home (1e-7 degrees, 02).
_TERRAIN_REQUEST_OFFSET_E7 = (-125224, -143758)
_TERRAIN_MASK = 72057594037927935


def pressure_hpa(alt_amsl_m: float) -> float:
    """ISA static pressure; 977.7 hPa at 300 m as SITL reports."""
    return 1013.25 * (1.0 - 2.25577e-5 * alt_amsl_m) ** 5.25588


def attitude(v: Vehicle) -> bytes | None:
    kin = v.kin
    roll, pitch = kin.attitude_rad()
    yaw = kin.yaw_deg
    if yaw > 180.0:
        yaw -= 360.0
    return _S["ATTITUDE"].pack(v.time_boot_ms(), roll, pitch, yaw * _RAD, 0.0, 0.0, kin.yaw_rate_dps * _RAD)


def global_position_int(v: Vehicle) -> bytes | None:
    kin = v.kin
    hdg = int(round(kin.yaw_deg * 100)) % 36000
    if not v.gps_position_valid():
        return _S["GLOBAL_POSITION_INT"].pack(v.time_boot_ms(), 0, 0, 0, 0, 0, 0, 0, hdg)
    lat, lon = v.position_latlon()
    alt = v.altitude_amsl_m()
    rel = alt - v.home.alt_amsl_m if v.home else 0.0
    return _S["GLOBAL_POSITION_INT"].pack(
        v.time_boot_ms(),
        v.e7(lat),
        v.e7(lon),
        int(round(alt * 1000)),
        int(round(rel * 1000)),
        int(round(kin.vn_mps * 100)),
        int(round(kin.ve_mps * 100)),
        int(round(kin.vd_mps * 100)),
        hdg,
    )


def vfr_hud(v: Vehicle) -> bytes | None:
    kin = v.kin
    speed = kin.ground_speed_mps
    alt = v.altitude_amsl_m() if v.gps_position_valid() else 0.0
    return _S["VFR_HUD"].pack(speed, speed, alt, kin.climb_mps, int(kin.yaw_deg) % 360, v.flight.throttle_pct())


def sys_status(v: Vehicle) -> bytes | None:
    present, enabled, health = v.sensor_bits()
    batt = v.battery
    if batt.healthy:
        voltage_mv = int(round(batt.voltage_v * 1000))
        current_ca = int(round(batt.current_a * 100))
        remaining = batt.remaining_pct
    else:
        voltage_mv, current_ca, remaining = 0, -1, -1
    return _S["SYS_STATUS"].pack(
        present, enabled, health, 0, voltage_mv, current_ca, 0, 0, 0, 0, 0, 0, remaining, 0, 0, 0
    )


def power_status(v: Vehicle) -> bytes | None:
    return _POWER_STATUS


def meminfo(v: Vehicle) -> bytes | None:
    return _MEMINFO


def nav_controller_output(v: Vehicle) -> bytes | None:
    roll, pitch = v.kin.attitude_rad()
    nav = v.flight.nav_output()
    return _S["NAV_CONTROLLER_OUTPUT"].pack(
        roll / _RAD, pitch / _RAD, nav.alt_error_m, 0.0, 0.0, nav.nav_bearing_deg, nav.target_bearing_deg, nav.wp_dist_m
    )


def mission_current(v: Vehicle) -> bytes | None:
    seq, total, state, mode = v.auto.mission_current_fields()
    return _S["MISSION_CURRENT"].pack(seq, total, state, mode)


def servo_output_raw(v: Vehicle) -> bytes | None:
    motor = v.flight.motor_pwm()
    s = v.servo_pwm
    return _S["SERVO_OUTPUT_RAW"].pack(
        v.time_boot_us() & 0xFFFFFFFF, motor, motor, motor, motor, s[4], s[5], s[6], s[7], 0,
        s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15],
    )  # fmt: skip


def rc_channels(v: Vehicle) -> bytes | None:
    throttle = v.rc_throttle_pwm()
    return _S["RC_CHANNELS"].pack(
        v.time_boot_ms(), 1500, 1500, throttle, 1500, 1800, 1000, 1000, 1800, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 255
    )


def _imu_values(v: Vehicle) -> tuple[int, int, int]:
    kin = v.kin
    if kin.height_m <= 0.0:
        return 0, 0, -1001
    return int(kin.an_mss * 101.97), int(kin.ae_mss * 101.97), -1001


def _mag(v: Vehicle) -> tuple[int, int, int]:
    return _MAG if v.boot.reached("battery") else (0, 0, 0)


def raw_imu(v: Vehicle) -> bytes | None:
    ax, ay, az = _imu_values(v)
    mx, my, mz = _mag(v)
    return _S["RAW_IMU"].pack(v.time_boot_us(), ax, ay, az, 0, 0, 0, mx, my, mz, 0, _IMU_TEMP_CDEG)


def scaled_imu2(v: Vehicle) -> bytes | None:
    ax, ay, az = _imu_values(v)
    mx, my, mz = _mag(v)
    return _S["SCALED_IMU2"].pack(v.time_boot_ms(), ax, ay, az, 0, 0, 0, mx, my, mz, _IMU_TEMP_CDEG)


def scaled_imu3(v: Vehicle) -> bytes | None:
    mx, my, mz = _mag(v)
    return _S["SCALED_IMU3"].pack(v.time_boot_ms(), 0, 0, 0, 0, 0, 0, mx, my, mz, 0)


def scaled_pressure(v: Vehicle) -> bytes | None:
    return _S["SCALED_PRESSURE"].pack(v.time_boot_ms(), pressure_hpa(v.true_altitude_amsl_m()), 0.0, _BARO_TEMP_CDEG, 0)


def scaled_pressure2(v: Vehicle) -> bytes | None:
    return _S["SCALED_PRESSURE2"].pack(
        v.time_boot_ms(), pressure_hpa(v.true_altitude_amsl_m()) + 0.01, 0.0, _BARO_TEMP_CDEG, 0
    )


def gps_raw_int(v: Vehicle) -> bytes | None:
    gps = v.gps
    if not gps.has_fix:
        lat_e7, lon_e7, alt_mm = gps.last_fix_e7
        return _S["GPS_RAW_INT"].pack(0, lat_e7, lon_e7, alt_mm, 65535, 65535, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    kin = v.kin
    lat, lon = v.true_latlon()
    lat_e7, lon_e7 = v.e7(lat), v.e7(lon)
    alt_mm = int(round(v.true_altitude_amsl_m() * 1000))
    gps.last_fix_e7 = (lat_e7, lon_e7, alt_mm)
    speed = kin.ground_speed_mps
    cog = int(round(math.degrees(math.atan2(kin.ve_mps, kin.vn_mps)) * 100)) % 36000 if speed > 0.2 else 0
    time_us = max(0, (v.time_boot_ms() - 96)) * 1000
    return _S["GPS_RAW_INT"].pack(
        time_us, lat_e7, lon_e7, alt_mm, 121, 200, int(speed * 100), cog, 6, gps.satellites, alt_mm, 300, 300, 0, 0, 0
    )


def system_time(v: Vehicle) -> bytes | None:
    unix_us = v.unix_time_us() if v.gps.ever_had_fix else 0
    return _S["SYSTEM_TIME"].pack(unix_us, v.time_boot_ms())


def simstate(v: Vehicle) -> bytes | None:
    roll, pitch = v.kin.attitude_rad()
    lat, lon = v.true_latlon()
    yaw = v.kin.yaw_deg
    if yaw > 180.0:
        yaw -= 360.0
    return _S["SIMSTATE"].pack(roll, pitch, yaw * _RAD, 0.0, 0.0, -9.80665, 0.0, 0.0, 0.0, v.e7(lat), v.e7(lon))


def terrain_request(v: Vehicle) -> bytes | None:
    d_lat, d_lon = _TERRAIN_REQUEST_OFFSET_E7
    return _S["TERRAIN_REQUEST"].pack(
        _TERRAIN_MASK, v.e7(v.origin_lat_deg) + d_lat, v.e7(v.origin_lon_deg) + d_lon, 100
    )


def terrain_report(v: Vehicle) -> bytes | None:
    if not v.gps_position_valid():
        return _S["TERRAIN_REPORT"].pack(0, 0, 0.0, 0.0, 100, 56, 0)
    lat, lon = v.position_latlon()
    return _S["TERRAIN_REPORT"].pack(v.e7(lat), v.e7(lon), 0.0, v.altitude_amsl_m(), 0, 504, 0)


def ekf_status_report(v: Vehicle) -> bytes | None:
    if not v.boot.reached("ekf_report"):
        return None
    flags = v.ekf_flags()
    if flags == 831:
        variances = (0.0301, 0.0174, 0.0006, 0.0137)
    elif flags:
        variances = (0.0, 0.0064, 0.0005, 0.0201)
    else:
        variances = (0.0, 0.0, 0.0, 0.0)
    return _S["EKF_STATUS_REPORT"].pack(*variances, 0.0, flags, 0.0)


def local_position_ned(v: Vehicle) -> bytes | None:
    if not v.ekf_has_position():
        return None
    kin = v.kin
    z = -(v.altitude_amsl_m() - v.origin_alt_amsl_m)
    return _S["LOCAL_POSITION_NED"].pack(
        v.time_boot_ms(), kin.north_m, kin.east_m, z, kin.vn_mps, kin.ve_mps, kin.vd_mps
    )


def wind(v: Vehicle) -> bytes | None:
    return _WIND if v.ekf_has_position() else None


def vibration(v: Vehicle) -> bytes | None:
    return _S["VIBRATION"].pack(v.time_boot_us(), *_VIBRATION, 0, 0, 0)


def position_target_global_int(v: Vehicle) -> bytes | None:
    target = v.flight.position_target_amsl()
    if target is None:
        return None
    lat, lon, alt_amsl = target
    return _S["POSITION_TARGET_GLOBAL_INT"].pack(
        v.time_boot_ms(), v.e7(lat), v.e7(lon), alt_amsl, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 65016, 0
    )


def battery_status(v: Vehicle) -> bytes | None:
    batt = v.battery
    if not batt.healthy:
        return _S["BATTERY_STATUS"].pack(0, 0, 32767, *([65535] * 10), 0, 0, 0, 0, -1, 0, 6, 0, 0, 0, 0, 0, 0)
    voltage_mv = min(65534, int(round(batt.voltage_v * 1000)))
    return _S["BATTERY_STATUS"].pack(
        int(batt.consumed_mah),
        int(batt.consumed_wh * 36),
        32767,
        voltage_mv, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535,
        int(round(batt.current_a * 100)),
        0, 0, 0,
        batt.remaining_pct,
        0,
        batt.charge_state,
        0, 0, 0, 0, 0, 0,
    )  # fmt: skip


def esc_telemetry_1_to_4(v: Vehicle) -> bytes | None:
    if not v.boot.reached("ekf_attitude"):
        return None
    count = int((v.now_s - v.boot.profile.milestone_time("ekf_attitude")) * 400) & 0xFFFF
    rpm = v.flight.motor_rpm()
    return _S["ESC_TELEMETRY_1_TO_4"].pack(
        1679, 1679, 1679, 1679, 80, 80, 80, 80, 1, 1, 1, 1, rpm, rpm, rpm, rpm,
        count, count, count, count, 32, 32, 32, 32,
    )  # fmt: skip


def ahrs(v: Vehicle) -> bytes | None:
    if v.boot.reached("ahrs_ekf"):
        return _S["AHRS"].pack(-0.0002, -0.0002, -0.0045, 0.0, 0.0, 0.0018, 0.0035)
    return _S["AHRS"].pack(0.0, 0.0, 0.0, 0.0, 0.0, 0.8, 0.512)


def ahrs2(v: Vehicle) -> bytes | None:
    if not v.boot.reached("ahrs_ekf"):
        return None
    roll, pitch = v.kin.attitude_rad()
    yaw = v.kin.yaw_deg
    if yaw > 180.0:
        yaw -= 360.0
    if v.gps_position_valid():
        lat, lon = v.position_latlon()
        lat_e7, lon_e7 = v.e7(lat), v.e7(lon)
    else:
        lat_e7 = lon_e7 = 0
    alt = v.altitude_amsl_m() if v.home is not None else 0.0
    return _S["AHRS2"].pack(roll, pitch, yaw * _RAD, alt, lat_e7, lon_e7)


def fence_status(v: Vehicle) -> bytes | None:
    fence = v.fence
    if not fence.enabled:
        return None
    return _S["FENCE_STATUS"].pack(
        fence.breach_time_ms, fence.breach_count, 1 if fence.breached else 0, fence.breach_type, fence.mitigation
    )


def extended_sys_state(v: Vehicle) -> bytes | None:
    return _S["EXTENDED_SYS_STATE"].pack(3, v.flight.landed_state())


def home_position(v: Vehicle) -> bytes | None:
    home = v.home
    if home is None:
        return None
    north, east = v.offset_from_origin(home.lat_deg, home.lon_deg)
    z = v.origin_alt_amsl_m - home.alt_amsl_m
    return _S["HOME_POSITION"].pack(
        v.e7(home.lat_deg), v.e7(home.lon_deg), int(round(home.alt_amsl_m * 1000)),
        north, east, z, *_NAN4, 0.0, 0.0, 0.0, v.time_boot_us(),
    )  # fmt: skip


def gps_global_origin(v: Vehicle) -> bytes | None:
    if not v.boot.reached("origin"):
        return None
    return _S["GPS_GLOBAL_ORIGIN"].pack(
        v.e7(v.origin_lat_deg), v.e7(v.origin_lon_deg), int(round(v.origin_alt_amsl_m * 1000)), v.time_boot_us()
    )


def relay_status(v: Vehicle) -> bytes | None:
    return _S["RELAY_STATUS"].pack(v.time_boot_ms(), v.relays.on_mask, v.relays.present_mask)


# Every message the scheduler can stream, by name.
BUILDERS: dict[str, Builder] = {
    "AHRS": ahrs,
    "AHRS2": ahrs2,
    "ATTITUDE": attitude,
    "GLOBAL_POSITION_INT": global_position_int,
    "VFR_HUD": vfr_hud,
    "SYS_STATUS": sys_status,
    "POWER_STATUS": power_status,
    "MEMINFO": meminfo,
    "NAV_CONTROLLER_OUTPUT": nav_controller_output,
    "MISSION_CURRENT": mission_current,
    "SERVO_OUTPUT_RAW": servo_output_raw,
    "RC_CHANNELS": rc_channels,
    "RAW_IMU": raw_imu,
    "SCALED_IMU2": scaled_imu2,
    "SCALED_IMU3": scaled_imu3,
    "SCALED_PRESSURE": scaled_pressure,
    "SCALED_PRESSURE2": scaled_pressure2,
    "GPS_RAW_INT": gps_raw_int,
    "SYSTEM_TIME": system_time,
    "FENCE_STATUS": fence_status,
    "SIMSTATE": simstate,
    "TERRAIN_REQUEST": terrain_request,
    "WIND": wind,
    "TERRAIN_REPORT": terrain_report,
    "EKF_STATUS_REPORT": ekf_status_report,
    "LOCAL_POSITION_NED": local_position_ned,
    "VIBRATION": vibration,
    "POSITION_TARGET_GLOBAL_INT": position_target_global_int,
    "BATTERY_STATUS": battery_status,
    "ESC_TELEMETRY_1_TO_4": esc_telemetry_1_to_4,
    "EXTENDED_SYS_STATE": extended_sys_state,
    "HOME_POSITION": home_position,
    "GPS_GLOBAL_ORIGIN": gps_global_origin,
    "RELAY_STATUS": relay_status,
}
