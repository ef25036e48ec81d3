"""The ``drones.vehicle.Vehicle`` operations as MAVLink exchanges over any ``MessageLink``.

Both backends inherit ``MavlinkCommands``: ``MavlinkVehicle`` on its asyncio pymavlink
link, ``DronekitVehicle`` on dronekit's connection bridged into asyncio. Each
backend provides the link (and with it the ``TelemetryState``) plus connect/close;
the command, parameter and mission protocols are this one implementation.

Commands follow the MAVLink command protocol: COMMAND_LONG (or COMMAND_INT
where ArduCopter only accepts that form, as for DO_REPOSITION), wait for the
COMMAND_ACK of that command, resend with ``confirmation`` + 1 on silence.
A refusal raises ``CommandRejected`` with the MAV_RESULT name and the
STATUSTEXT reasons ArduCopter sends next to it (``Arm: ...``). State changes
(mode, arming) are confirmed by the next HEARTBEAT, since ArduCopter never
ACKs SET_MODE and an ACK alone does not prove the switch.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from drones.mavlink import mission as mission_protocol
from drones.mavlink.messaging import MessageLink
from drones.mavlink.modes import mode_number
from drones.mavlink.telemetry import TelemetryState
from drones.vehicle import (
    CommandRejected,
    CommandTimeout,
    LinkLost,
    MissionItem,
    MissionType,
    NotReady,
    Telemetry,
    VehicleError,
)

FORCE_ARM_MAGIC = 21196
# The telemetry streams asked for at ``stream_rate_hz``: what the telemetry state reads
# (HEARTBEAT is always sent) rides in EXTENDED_STATUS (SYS_STATUS, GPS_RAW_INT, MISSION_CURRENT),
# RC_CHANNELS (SERVO_OUTPUT_RAW: a loudspeaker on a servo output), POSITION (GLOBAL_POSITION_INT),
# EXTRA2 (VFR_HUD) and EXTRA3 (BATTERY_STATUS, EKF_STATUS_REPORT).
STREAMS_READ = (
    mavlink.MAV_DATA_STREAM_EXTENDED_STATUS,
    mavlink.MAV_DATA_STREAM_RC_CHANNELS,
    mavlink.MAV_DATA_STREAM_POSITION,
    mavlink.MAV_DATA_STREAM_EXTRA2,
    mavlink.MAV_DATA_STREAM_EXTRA3,
)
# Stopped, in case an earlier ground station left them on (stream rates persist on the vehicle):
# RAW_SENSORS (IMU, barometers) and EXTRA1 (ATTITUDE, AHRS2, SIMSTATE, ESC telemetry), 9 of the
# 30 messages of a full burst, carry nothing the system shows or checks.
STREAMS_STOPPED = (mavlink.MAV_DATA_STREAM_RAW_SENSORS, mavlink.MAV_DATA_STREAM_EXTRA1)
# Messages asked for at connect, beyond the REQUEST_DATA_STREAM set: id -> interval (µs).
EXTRA_MESSAGE_INTERVALS = {
    mavlink.MAVLINK_MSG_ID_HOME_POSITION: 2_000_000,
    mavlink.MAVLINK_MSG_ID_EXTENDED_SYS_STATE: 1_000_000,
    mavlink.MAVLINK_MSG_ID_RELAY_STATUS: 1_000_000,
}


def command_name(command: int) -> str:
    entry = mavlink.enums["MAV_CMD"].get(command)
    return entry.name.removeprefix("MAV_CMD_") if entry else f"COMMAND_{command}"


def result_name(result: int) -> str:
    entry = mavlink.enums["MAV_RESULT"].get(result)
    return entry.name.removeprefix("MAV_RESULT_") if entry else str(result)


def readiness_missing(t: Telemetry) -> list[str]:
    """What keeps a vehicle from being ready to fly a position mode; empty when ready."""
    missing = []
    if not t.link_ok:
        missing.append("no heartbeat")
    if t.gps_fix < 3:
        missing.append(f"GPS fix {t.gps_fix} (needs 3D)")
    if not t.ekf_ok:
        missing.append("EKF not ready")
    if t.lat is None:
        missing.append("no position")
    return missing


class MavlinkCommands:
    """Vehicle operations on ``self.link``; subclasses set the attributes below in ``__init__``."""

    link: MessageLink
    stream_rate_hz: int
    command_timeout_s: float
    command_retries: int

    # --- state -------------------------------------------------------------------------------

    def request_streams(self) -> None:
        """Ask for telemetry: ArduCopter streams nothing until a ground station asks."""
        link = self.link
        for stream_id in STREAMS_STOPPED:
            link.send(link.mav.request_data_stream_encode(link.target_system, link.target_component, stream_id, 0, 0))
        for stream_id in STREAMS_READ:
            link.send(
                link.mav.request_data_stream_encode(
                    link.target_system, link.target_component, stream_id, self.stream_rate_hz, 1
                )
            )
        for message_id, interval_us in EXTRA_MESSAGE_INTERVALS.items():
            link.send(
                link.mav.command_long_encode(
                    link.target_system,
                    link.target_component,
                    mavlink.MAV_CMD_SET_MESSAGE_INTERVAL,
                    0,
                    message_id,
                    interval_us,
                    0,
                    0,
                    0,
                    0,
                    0,
                )
            )
        link.send(
            link.mav.command_long_encode(
                link.target_system,
                link.target_component,
                mavlink.MAV_CMD_REQUEST_MESSAGE,
                0,
                mavlink.MAVLINK_MSG_ID_HOME_POSITION,
                0,
                0,
                0,
                0,
                0,
                0,
            )
        )

    async def wait_ready(self, timeout_s: float = 90.0) -> Telemetry:
        deadline = time.monotonic() + timeout_s
        while True:
            t = self.telemetry()
            missing = readiness_missing(t)
            if not missing:
                return t
            if self.link.closed:
                raise LinkLost(f"link closed while waiting for the vehicle to be ready: {self.link.close_reason}")
            if time.monotonic() > deadline:
                raise NotReady(f"vehicle not ready after {timeout_s:g} s: {', '.join(missing)}", missing=missing)
            await asyncio.sleep(0.1)

    def telemetry(self) -> Telemetry:
        return self.link.state.snapshot()

    # --- commands ----------------------------------------------------------------------------

    async def command(
        self, command: int, *params: float, use_int: bool = False, frame: int = 0, timeout_s: float | None = None
    ) -> None:
        """Send a command and wait for its ACK. ``params`` are param1..param7 (COMMAND_INT: x, y as degrees)."""
        link = self.link
        values = list(params) + [0.0] * (7 - len(params))
        timeout = timeout_s or self.command_timeout_s
        name = command_name(command)
        started = time.monotonic()
        for confirmation in range(self.command_retries):
            waiter = link.expect("COMMAND_ACK", lambda m: m.command == command)
            if use_int:
                link.send(
                    link.mav.command_int_encode(
                        link.target_system,
                        link.target_component,
                        frame,
                        command,
                        0,
                        0,
                        *values[:4],
                        round(values[4] * 1e7),
                        round(values[5] * 1e7),
                        values[6],
                    )
                )
            else:
                link.send(
                    link.mav.command_long_encode(
                        link.target_system, link.target_component, command, confirmation, *values
                    )
                )
            try:
                ack = await link.wait_expected(waiter, timeout_s=timeout)
            except TimeoutError:
                continue
            while ack.result == mavlink.MAV_RESULT_IN_PROGRESS:
                try:
                    ack = await link.wait_for("COMMAND_ACK", lambda m: m.command == command, timeout_s=timeout * 4)
                except TimeoutError:
                    raise CommandTimeout(f"{name} (in progress)", timeout * 4) from None
            if ack.result == mavlink.MAV_RESULT_ACCEPTED:
                return
            await asyncio.sleep(0.1)  # the reasons arrive in the same millisecond, before or after the ACK
            raise CommandRejected(name, result_name(ack.result), link.texts_since(started - 0.05))
        raise CommandTimeout(name, timeout * self.command_retries)

    async def _until(self, condition: Callable[[TelemetryState], bool], what: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition(self.link.state):
            if self.link.closed:
                raise LinkLost(f"link closed while waiting for {what}: {self.link.close_reason}")
            if not self.link.state.link_ok:
                raise LinkLost(f"no heartbeat from the vehicle while waiting for {what}")
            if time.monotonic() > deadline:
                raise CommandTimeout(what, timeout_s)
            await asyncio.sleep(0.05)

    async def arm(self, *, force: bool = False) -> None:
        if self.link.state.armed:
            return
        await self.command(mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 1, FORCE_ARM_MAGIC if force else 0)
        await self._until(lambda s: s.armed, "arming (HEARTBEAT armed)", 3.0)

    async def disarm(self, *, force: bool = False) -> None:
        await self.command(mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 0, FORCE_ARM_MAGIC if force else 0)
        await self._until(lambda s: not s.armed, "disarming (HEARTBEAT disarmed)", 3.0)

    async def set_mode(self, name: str) -> None:
        try:
            number = mode_number(name)
        except ValueError as exc:
            raise VehicleError(str(exc)) from None
        if self.link.state.custom_mode == number:
            return
        await self.command(mavlink.MAV_CMD_DO_SET_MODE, mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, number)
        await self._until(lambda s: s.custom_mode == number, f"mode {name} (HEARTBEAT)", 3.0)

    async def takeoff(self, alt_rel_m: float) -> None:
        state = self.link.state
        if state.mode != "GUIDED" or not state.armed:
            raise NotReady(
                f"take-off needs GUIDED mode and armed motors (now {state.mode or '?'}, "
                f"{'armed' if state.armed else 'disarmed'})"
            )
        await self.command(mavlink.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, math.nan, 0, 0, float(alt_rel_m))

    async def goto(self, lat: float, lon: float, alt_rel_m: float) -> None:
        # DO_REPOSITION as COMMAND_INT: ArduCopter answers it with an ACK (and refuses the COMMAND_LONG form).
        await self.command(
            mavlink.MAV_CMD_DO_REPOSITION,
            -1,
            mavlink.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE,
            0,
            math.nan,
            lat,
            lon,
            float(alt_rel_m),
            use_int=True,
            frame=mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
        )

    # --- parameters --------------------------------------------------------------------------

    async def get_param(self, name: str, timeout_s: float = 2.0) -> float:
        link = self.link
        for _attempt in range(2):
            waiter = link.expect("PARAM_VALUE", lambda m: m.param_id == name)
            link.send(link.mav.param_request_read_encode(link.target_system, link.target_component, name.encode(), -1))
            try:
                return float((await link.wait_expected(waiter, timeout_s=timeout_s)).param_value)
            except TimeoutError:
                continue
        raise CommandTimeout(f"read parameter {name} (no reply: does the parameter exist?)", timeout_s * 2)

    async def set_param(self, name: str, value: float, timeout_s: float = 2.0) -> float:
        link = self.link
        started = time.monotonic()
        for _attempt in range(2):
            waiter = link.expect("PARAM_VALUE", lambda m: m.param_id == name)
            link.send(
                link.mav.param_set_encode(
                    link.target_system,
                    link.target_component,
                    name.encode(),
                    float(value),
                    mavlink.MAV_PARAM_TYPE_REAL32,
                )
            )
            try:
                echoed = float((await link.wait_expected(waiter, timeout_s=timeout_s)).param_value)
            except TimeoutError:
                continue
            if not math.isclose(echoed, float(value), rel_tol=1e-6, abs_tol=1e-6):
                await asyncio.sleep(0.05)
                raise CommandRejected(
                    f"PARAM_SET {name}={value:g}",
                    "DENIED",
                    link.texts_since(started, max_severity=4) or [f"{name} is still {echoed:g}"],
                )
            return echoed
        raise CommandTimeout(f"set parameter {name} (no reply: does the parameter exist?)", timeout_s * 2)

    # --- missions ----------------------------------------------------------------------------

    async def upload_mission(
        self, items: Sequence[MissionItem], mission_type: MissionType = MissionType.MISSION
    ) -> None:
        await mission_protocol.mission_upload(self.link, items, mission_type)

    async def download_mission(self, mission_type: MissionType = MissionType.MISSION) -> list[MissionItem]:
        return await mission_protocol.mission_download(self.link, mission_type)

    async def clear_mission(self, mission_type: MissionType = MissionType.MISSION) -> None:
        await mission_protocol.mission_clear(self.link, mission_type)

    async def set_mission_current(self, seq: int) -> None:
        await mission_protocol.mission_set_current(self, seq)

    async def start_mission(self) -> int:
        link = self.link
        await self.set_mode("AUTO")
        if not link.state.flying:
            # On the ground ArduCopter waits in AUTO for MISSION_START; in the air AUTO starts at once.
            # MISSION_START's first/last item must be 0: ArduCopter answers DENIED otherwise.
            await self.command(mavlink.MAV_CMD_MISSION_START, 0, 0)
        current = link.expect("MISSION_CURRENT")  # the next one says where the started mission is
        try:
            return int((await link.wait_expected(current, timeout_s=3.0)).seq)
        except TimeoutError:
            raise CommandTimeout("mission start (MISSION_CURRENT)", 3.0) from None

    async def pause(self) -> None:
        if self.link.state.mode == "AUTO":
            await self.command(mavlink.MAV_CMD_DO_PAUSE_CONTINUE, 0)
        else:
            await self.set_mode("BRAKE")

    async def resume(self) -> None:
        mode = self.link.state.mode
        if mode == "AUTO":
            await self.command(mavlink.MAV_CMD_DO_PAUSE_CONTINUE, 1)
        elif mode == "BRAKE":
            await self.set_mode("GUIDED")

    async def return_to_launch(self) -> None:
        await self.set_mode("RTL")

    async def land(self) -> None:
        await self.set_mode("LAND")
