"""COMMAND_LONG / COMMAND_INT handling (README §1, §2 02/03/04/05/08/09).

Every answered command gets one COMMAND_ACK echoing the command, ``progress`` 0,
``result_param2`` 0, addressed to the sender's (system, component). A command for another
system gets no reply; ``target_component`` 0 is accepted. Unknown commands: ACK 3.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulators.arducopter.modes import AVAILABLE_MODES_ORDER, Mode, mode_name
from simulators.arducopter.telemetry import BUILDERS
from simulators.arducopter.wire import SPECS_BY_ID

if TYPE_CHECKING:
    from simulators.arducopter.vehicle import Vehicle

ACCEPTED, TEMPORARILY_REJECTED, DENIED, UNSUPPORTED, FAILED = 0, 1, 2, 3, 4
FORCE_ARM_MAGIC = 21196
MAV_MODE_FLAG_CUSTOM_MODE_ENABLED = 1
MAV_MODE_FLAG_DECODE_POSITION_SAFETY = 128
CAPABILITIES = 64495
FLIGHT_SW_VERSION = 67567616  # 4.7.0, FIRMWARE_VERSION_TYPE_DEV
FLIGHT_CUSTOM_VERSION = b"90700977"
UID2 = b"3d1219c7c4c5404aa"
# REQUEST_MESSAGE ids this firmware refuses although it knows them (436 CURRENT_MODE, observed).
REQUEST_REFUSED = frozenset({436})
_NO_ACK = -1


class CommandHandler:
    def __init__(self, vehicle: Vehicle) -> None:
        self.v = vehicle
        self._table: dict[int, Callable[[Any, bool, tuple[int, int]], int]] = {
            20: self._rtl,
            21: self._land,
            22: self._takeoff,
            115: self._condition_yaw,
            176: self._do_set_mode,
            178: self._change_speed,
            179: self._set_home,
            181: self._set_relay,
            182: self._repeat_relay,
            183: self._set_servo,
            184: self._repeat_servo,
            192: self._reposition,
            193: self._pause_continue,
            207: self._fence_enable,
            224: self._set_mission_current,
            300: self._mission_start,
            400: self._arm_disarm,
            410: self._get_home_position,
            510: self._get_message_interval,
            511: self._set_message_interval,
            512: self._request_message,
            519: lambda msg, is_int, sender: UNSUPPORTED,
            520: self._request_autopilot_capabilities,
        }

    # --- entry points --------------------------------------------------------------------

    def on_command_long(self, msg: Any) -> None:
        self._dispatch(msg, is_int=False)

    def on_command_int(self, msg: Any) -> None:
        self._dispatch(msg, is_int=True)

    def _dispatch(self, msg: Any, *, is_int: bool) -> None:
        v = self.v
        if not v.addressed_to_me(msg):
            return
        sender = (msg.get_srcSystem(), msg.get_srcComponent())
        handler = self._table.get(msg.command)
        if handler is None:
            v.send_ack(msg.command, UNSUPPORTED, sender)
            return
        result = handler(msg, is_int, sender)
        if result != _NO_ACK:
            v.send_ack(msg.command, result, sender)

    @staticmethod
    def _location(msg: Any, is_int: bool) -> tuple[float, float, float]:
        """(lat, lon, alt) from COMMAND_INT x/y/z or COMMAND_LONG param5/6/7."""
        if is_int:
            return msg.x * 1e-7, msg.y * 1e-7, float(msg.z)
        return float(msg.param5), float(msg.param6), float(msg.param7)

    @staticmethod
    def _alt_param(msg: Any, is_int: bool) -> float:
        return float(msg.z) if is_int else float(msg.param7)

    # --- arming and modes ----------------------------------------------------------------

    def _arm_disarm(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        """COMPONENT_ARM_DISARM: param1 1 arms, 0 disarms, anything else is UNSUPPORTED
        (GCS_MAVLINK::handle_command_component_arm_disarm)."""
        v = self.v
        force = int(round(msg.param2)) == FORCE_ARM_MAGIC
        if msg.param1 == 1:
            reasons = v.arming.check_arm(force=force)
            if reasons:
                v.send_ack(msg.command, FAILED, sender)
                v.arming.report_refusal(reasons)
                return _NO_ACK
            v.send_ack(msg.command, ACCEPTED, sender)
            v.arming.do_arm()
            return _NO_ACK
        if msg.param1 == 0:
            if v.armed and v.flight.flying and not force:
                return FAILED
            v.send_ack(msg.command, ACCEPTED, sender)
            v.arming.disarm(reason="gcs")
            return _NO_ACK
        return UNSUPPORTED

    def _do_set_mode(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        """DO_SET_MODE as GCS_MAVLINK::_set_mode_common: only custom modes; base mode 128 alone
        is the safety switch (custom 0 off: accepted); anything else is DENIED."""
        base_mode = int(msg.param1)
        if not base_mode & MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
            if base_mode == MAV_MODE_FLAG_DECODE_POSITION_SAFETY and int(msg.param2) == 0:
                return ACCEPTED
            return DENIED
        v = self.v
        custom_mode = int(msg.param2)
        refusal = v.flight.mode_change_refusal(custom_mode)
        if refusal is not None:
            v.send_ack(msg.command, FAILED, sender)
            v.send_text(4, refusal)
            return _NO_ACK
        v.send_ack(msg.command, ACCEPTED, sender)
        v.flight.apply_mode(custom_mode)
        v.send_heartbeat()
        return _NO_ACK

    # --- navigation ----------------------------------------------------------------------

    def _takeoff(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return self.v.flight.takeoff(self._alt_param(msg, is_int))

    def _land(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return ACCEPTED if self.v.set_mode(int(Mode.LAND), reason="gcs") else FAILED

    def _rtl(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return ACCEPTED if self.v.set_mode(int(Mode.RTL), reason="gcs") else FAILED

    def _reposition(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        """DO_REPOSITION: only as COMMAND_INT (the COMMAND_LONG form is refused with 3)."""
        if not is_int:
            return UNSUPPORTED
        v = self.v
        if v.mode != Mode.GUIDED:
            if not int(msg.param2) & 1 or not v.set_mode(int(Mode.GUIDED), reason="gcs"):
                return FAILED
        lat, lon, alt = self._location(msg, is_int)
        kin = v.kin
        if msg.x == 0 and msg.y == 0:
            north, east = kin.north_m, kin.east_m
        else:
            north, east = v.offset_from_origin(lat, lon)
        height = alt - v.ground_amsl_m if msg.frame in (0, 5) else v.kin_height_for_rel(alt)
        speed = float(msg.param1) if msg.param1 > 0 else None
        if not v.flight.guided_goto(north, east, height, speed_mps=speed):
            return FAILED
        if math.isfinite(msg.param4):
            v.flight.yaw.set_fixed(float(msg.param4), 0.0, 0)
        return ACCEPTED

    def _change_speed(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        if msg.param2 > 0 and int(msg.param1) in (0, 1):
            self.v.flight.set_speed(float(msg.param2))
        return ACCEPTED

    def condition_yaw(self, angle_deg: float, rate_dps: float, direction: int, relative: bool) -> None:
        kin = self.v.kin
        if relative:
            target = kin.yaw_deg + (angle_deg if direction >= 0 else -angle_deg)
        else:
            target = angle_deg
        self.v.flight.yaw.set_fixed(target, rate_dps, direction)

    def _condition_yaw(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        self.condition_yaw(float(msg.param1), float(msg.param2), int(msg.param3), bool(msg.param4))
        return ACCEPTED

    def _pause_continue(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        v = self.v
        if v.mode not in (Mode.AUTO, Mode.GUIDED):
            return FAILED
        ok = v.flight.resume() if int(msg.param1) == 1 else v.flight.pause()
        return ACCEPTED if ok else FAILED

    def _set_home(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        v = self.v
        if v.home is None:
            return FAILED
        if int(msg.param1) == 1:
            v.set_home_to_current()
            return ACCEPTED
        lat, lon, alt = self._location(msg, is_int)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return FAILED
        v.set_home(lat, lon, alt)
        return ACCEPTED

    # --- mission -------------------------------------------------------------------------

    def _mission_start(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return self.v.auto.mission_start(float(msg.param1), float(msg.param2))

    def _set_mission_current(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return ACCEPTED if self.v.auto.set_current(int(msg.param1)) else FAILED

    # --- devices -------------------------------------------------------------------------

    def set_relay(self, instance: int, state: float) -> bool:
        on = None if int(state) == 2 else bool(int(state))
        return self.v.relays.set(instance, on)

    def set_servo(self, channel: int, pwm: int) -> bool:
        """DO_SET_SERVO on an auxiliary output; motor outputs 1-4 are refused."""
        if not 5 <= channel <= 16 or not 0 <= pwm <= 3000:
            return False
        function_param = f"SERVO{channel}_FUNCTION"
        if function_param in self.v.params and self.v.params.get(function_param) not in (0, 1):
            return False
        self.v.servo_pwm[channel - 1] = pwm
        return True

    def _set_relay(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return ACCEPTED if self.set_relay(int(msg.param1), msg.param2) else FAILED

    def _repeat_relay(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return ACCEPTED if self.set_relay(int(msg.param1), 2) else FAILED

    def _set_servo(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return ACCEPTED if self.set_servo(int(msg.param1), int(msg.param2)) else FAILED

    def _repeat_servo(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        return ACCEPTED if self.set_servo(int(msg.param1), int(msg.param2)) else FAILED

    def _fence_enable(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        value = int(msg.param1)
        if value not in (0, 1, 2):
            return FAILED
        self.v.fence.set_runtime_enabled(value == 1)
        return ACCEPTED

    # --- messages on request -------------------------------------------------------------

    def _set_message_interval(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        message = SPECS_BY_ID.get(int(msg.param1))
        if message is None or message.name not in BUILDERS:
            return FAILED
        self.v.streams.set_message_interval(message.name, float(msg.param2) / 1e6)
        return ACCEPTED

    def _get_message_interval(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        message = SPECS_BY_ID.get(int(msg.param1))
        if message is None or message.name not in BUILDERS:
            return FAILED
        self.v.send_fields(
            "MESSAGE_INTERVAL",
            {"message_id": message.msg_id, "interval_us": self.v.streams.interval_us(message.name)},
        )
        return ACCEPTED

    def _request_message(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        v = self.v
        message_id = int(msg.param1)
        if message_id == 148:
            v.send_ack(msg.command, ACCEPTED, sender)
            self.send_autopilot_version()
            return _NO_ACK
        if message_id == 435:
            return self._available_modes(msg, sender)
        if message_id in REQUEST_REFUSED:
            return FAILED
        message = SPECS_BY_ID.get(message_id)
        if message is None or message.name not in BUILDERS:
            return FAILED
        v.send_ack(msg.command, ACCEPTED, sender)
        v.send_built(message.name)  # silently nothing when unavailable (HOME before home is set)
        return _NO_ACK

    def _available_modes(self, msg: Any, sender: tuple[int, int]) -> int:
        index = int(msg.param2)
        count = len(AVAILABLE_MODES_ORDER)
        if index == 0:
            index = 1  # "all modes" returned only index 1 (02)
        if not 1 <= index <= count:
            return FAILED
        v = self.v
        custom_mode = AVAILABLE_MODES_ORDER[index - 1]
        v.send_ack(msg.command, ACCEPTED, sender)
        v.send_fields(
            "AVAILABLE_MODES",
            {
                "number_modes": count,
                "mode_index": index,
                "standard_mode": 0,
                "custom_mode": custom_mode,
                "properties": 0,
                "mode_name": mode_name(custom_mode),
            },
        )
        v.streams.start_monitor()
        return _NO_ACK

    def _get_home_position(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        v = self.v
        if v.home is None:
            return FAILED
        v.send_ack(msg.command, ACCEPTED, sender)
        v.send_built("HOME_POSITION")
        return _NO_ACK

    def _request_autopilot_capabilities(self, msg: Any, is_int: bool, sender: tuple[int, int]) -> int:
        self.v.send_ack(msg.command, ACCEPTED, sender)
        self.send_autopilot_version()
        return _NO_ACK

    def send_autopilot_version(self) -> None:
        self.v.send_fields(
            "AUTOPILOT_VERSION",
            {
                "capabilities": CAPABILITIES,
                "flight_sw_version": FLIGHT_SW_VERSION,
                "flight_custom_version": FLIGHT_CUSTOM_VERSION,
                "uid2": UID2,
            },
        )
