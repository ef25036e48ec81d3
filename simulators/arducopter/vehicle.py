"""One simulated ArduCopter: state, time, outgoing messages and the message dispatch.

The parts live in their own modules (params, streams, mission protocol, AUTO, flight, arming,
failsafes, fence); this class wires them together, owns the clock and the outbox, and
implements the vehicle-wide wire conventions:

* every frame is MAVLink 2 from (MAV_SYSID, 1), unsigned;
* STATUSTEXT and unasked PARAM_VALUE only go out once the GCS has sent something on the link;
* HEARTBEAT is 1 Hz (irregular during boot) and also sent at once on a mode change;
* TIMESYNC every 10 s of boot time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulators.arducopter import telemetry
from simulators.arducopter.arming import Arming
from simulators.arducopter.auto import AutoMission
from simulators.arducopter.boot import BootEvent, BootProfile, BootState, Kind
from simulators.arducopter.clock import BOOT_CLOCK_OFFSET_S, VehicleClock
from simulators.arducopter.commands import CommandHandler
from simulators.arducopter.devices import Battery, Gps, Relays
from simulators.arducopter.failsafe import Failsafes
from simulators.arducopter.faults import Faults
from simulators.arducopter.fence import Fence
from simulators.arducopter.flight import FlightController
from simulators.arducopter.mission import MissionProtocol
from simulators.arducopter.modes import Mode, mode_traits
from simulators.arducopter.param_protocol import ParamProtocol
from simulators.arducopter.params import ParamStore
from simulators.arducopter.physics import Kinematics, latlon_to_offset, offset_to_latlon
from simulators.arducopter.streams import StreamScheduler
from simulators.arducopter.wire import Framer, pack_fields, spec

MAV_TYPE_QUADROTOR = 2
MAV_AUTOPILOT_ARDUPILOTMEGA = 3
MAV_STATE_BOOT, MAV_STATE_STANDBY, MAV_STATE_ACTIVE, MAV_STATE_CRITICAL = 1, 3, 4, 5
BASE_MODE_CUSTOM_STABILIZE_MANUAL = 81
MAV_MODE_FLAG_GUIDED_ENABLED = 8
MAV_MODE_FLAG_SAFETY_ARMED = 128
# SITL's ground sits 0.1 m above the configured home altitude; once the EKF fuses GPS its
# height reads 1 cm lower (HOME_POSITION 300100 mm at origin, 300090 mm at arming).
SITL_GROUND_OFFSET_M = 0.10
EKF_GPS_ALT_OFFSET_M = -0.01
PHYSICS_STEP_S = 0.05

# SYS_STATUS sensor bits (MAV_SYS_STATUS_SENSOR). The bases are SITL's masks in the first
# telemetry burst (02, 2.42 s); sensor_bits() adds what comes up later, as observed.
_GPS, _Z_CONTROL, _XY_CONTROL, _GEOFENCE = 0x20, 0x2000, 0x4000, 0x100000
_AHRS, _TERRAIN, _LOGGING, _BATTERY, _PREARM, _MAG = 0x200000, 0x400000, 0x1000000, 0x2000000, 0x10000000, 0x4
_PRESENT_BASE = 1395784719
_ENABLED_BASE = 1375837199
_HEALTH_BASE = 1158781963
LOGGING_AFTER_ACTIVITY_S = 15.0


@dataclass(frozen=True, slots=True)
class HomeLocation:
    """A WGS-84 position; ``alt_amsl_m`` above mean sea level."""

    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    heading_deg: float = 0.0


DEFAULT_HOME = HomeLocation(36.1850, 118.1700, 300.0, 0.0)


@dataclass(slots=True)
class VehicleOptions:
    """How to build one vehicle. ``port=None`` means SITL's 5760 + 10 * instance; 0 = any free port."""

    instance: int = 0
    sysid: int = 1
    host: str = "127.0.0.1"
    port: int | None = None
    start: HomeLocation = DEFAULT_HOME
    speedup: float = 1.0
    console_banner: bool = True
    fast_boot: bool = False
    boot_on_connect: bool = True
    params: dict[str, float] = field(default_factory=dict)

    @property
    def tcp_port(self) -> int:
        return 5760 + 10 * self.instance if self.port is None else self.port


class Vehicle:
    def __init__(self, options: VehicleOptions | None = None) -> None:
        self.options = options or VehicleOptions()
        opts = self.options
        self.clock = VehicleClock(opts.speedup)
        self.params = ParamStore({"MAV_SYSID": opts.sysid, **opts.params})
        self.framer = Framer(self.params.get_int("MAV_SYSID"), 1)
        self.boot = BootState(BootProfile.fast() if opts.fast_boot else BootProfile.faithful())
        self.outbox: list[bytes] = []
        self.link: Any = None  # set by the TCP server (link.VehicleServer)
        self.link_active = False  # the GCS has sent at least one valid message
        self.now_s = 0.0

        # SITL reports its start latitude truncated (36.185 -> 361849999 everywhere, origin
        # included); start a hair (10 um) south so e7() truncation gives the same integers.
        self.origin_lat_deg, self.origin_lon_deg = offset_to_latlon(opts.start.lat_deg, opts.start.lon_deg, -1e-5, 0.0)
        self.origin_alt_amsl_m = opts.start.alt_amsl_m + SITL_GROUND_OFFSET_M
        self.ground_amsl_m = self.origin_alt_amsl_m
        self.home: HomeLocation | None = None
        self.kin = Kinematics(yaw_deg=opts.start.heading_deg % 360.0)
        self.mode = int(Mode.STABILIZE)
        self.armed = False
        self.arm_time_s = 0.0
        self.last_arming_activity_s = -math.inf
        self.rc_throttle_override: tuple[int, float] | None = None  # (pwm, vehicle time)
        self.servo_pwm = [0] * 16

        self.gps = Gps(self)
        self.relays = Relays(self)
        self.battery = Battery(self)
        self.streams = StreamScheduler(self)
        self.param_protocol = ParamProtocol(self)
        self.missions = MissionProtocol(self)
        self.auto = AutoMission(self)
        self.flight = FlightController(self)
        self.arming = Arming(self)
        self.failsafe = Failsafes(self)
        self.fence = Fence(self)
        self.commands = CommandHandler(self)
        self.faults = Faults(self)
        self.params.add_listener(self._on_param_changed)

        self._next_heartbeat_s = math.inf
        self._next_timesync_s = 10.0 - BOOT_CLOCK_OFFSET_S
        self._next_slow_s = 0.35  # the firmware's 1 Hz housekeeping phase (STAT_RUNTIME, pre-arm)
        self._next_10hz_s = 0.0
        self._last_physics_s = 0.0
        self._timers: list[tuple[float, Callable[[], None]]] = []
        self._handlers: dict[str, Callable[[Any], None]] = {
            "HEARTBEAT": self._on_heartbeat,
            "SET_MODE": self._on_set_mode,
            "TIMESYNC": self._on_timesync,
            "REQUEST_DATA_STREAM": self._on_request_data_stream,
            "RC_CHANNELS_OVERRIDE": self._on_rc_override,
            "COMMAND_LONG": self.commands.on_command_long,
            "COMMAND_INT": self.commands.on_command_int,
            "SET_POSITION_TARGET_GLOBAL_INT": self.flight.on_set_position_target_global_int,
            "SET_POSITION_TARGET_LOCAL_NED": self.flight.on_set_position_target_local_ned,
            **self.param_protocol.handlers(),
            **self.missions.handlers(),
        }

    # --- identity and time ---------------------------------------------------------------

    @property
    def sysid(self) -> int:
        return self.framer.sysid

    def time_boot_ms(self) -> int:
        return int((self.now_s + BOOT_CLOCK_OFFSET_S) * 1000.0)

    def time_boot_us(self) -> int:
        return int((self.now_s + BOOT_CLOCK_OFFSET_S) * 1e6)

    def unix_time_us(self) -> int:
        return int(self.clock.unix_time_s(self.now_s) * 1e6)

    def add_timer(self, delay_s: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` after ``delay_s`` vehicle seconds (checked every tick)."""
        self._timers.append((self.now_s + delay_s, callback))

    # --- geometry ------------------------------------------------------------------------

    @staticmethod
    def e7(degrees: float) -> int:
        # truncation, as the firmware does: 36.185 deg -> 361849999
        return int(degrees * 1e7)

    def true_latlon(self) -> tuple[float, float]:
        return offset_to_latlon(self.origin_lat_deg, self.origin_lon_deg, self.kin.north_m, self.kin.east_m)

    def position_latlon(self) -> tuple[float, float]:
        return self.true_latlon()

    def offset_from_origin(self, lat_deg: float, lon_deg: float) -> tuple[float, float]:
        return latlon_to_offset(self.origin_lat_deg, self.origin_lon_deg, lat_deg, lon_deg)

    def latlon_at(self, north_m: float, east_m: float) -> tuple[float, float]:
        return offset_to_latlon(self.origin_lat_deg, self.origin_lon_deg, north_m, east_m)

    def true_altitude_amsl_m(self) -> float:
        return self.ground_amsl_m + self.kin.height_m

    def altitude_amsl_m(self) -> float:
        """EKF altitude (what GLOBAL_POSITION_INT reports)."""
        offset = EKF_GPS_ALT_OFFSET_M if self.boot.reached("ekf_gps") else 0.0
        return self.ground_amsl_m + self.kin.height_m + offset

    def kin_height_for_rel(self, height_rel_m: float) -> float:
        """Height above the ground for an altitude relative to home (EKF frame)."""
        home_alt = self.home.alt_amsl_m if self.home else self.ground_amsl_m
        return home_alt + height_rel_m - (self.altitude_amsl_m() - self.true_altitude_amsl_m()) - self.ground_amsl_m

    def height_above_home_m(self) -> float:
        return self.altitude_amsl_m() - (self.home.alt_amsl_m if self.home else self.ground_amsl_m)

    def gps_position_valid(self) -> bool:
        return self.gps.ever_had_fix

    def ekf_has_position(self) -> bool:
        return self.failsafe.ekf.has_position

    def ekf_flags(self) -> int:
        boot = self.boot
        if self.ekf_has_position():
            return 831
        if boot.reached("ekf_attitude"):
            return 167
        if boot.reached("ekf_flags_zero"):
            return 0
        return 1024

    # --- status --------------------------------------------------------------------------

    def system_status(self) -> int:
        if not self.boot.reached("standby"):
            return MAV_STATE_BOOT
        if self.failsafe.any_critical:
            return MAV_STATE_CRITICAL
        if self.armed and self.flight.flying:
            return MAV_STATE_ACTIVE
        return MAV_STATE_STANDBY

    def position_control_active(self) -> bool:
        traits = mode_traits(self.mode)
        if not traits.position_control:
            return False
        return self.armed or not traits.needs_armed_for_position_control

    def base_mode(self) -> int:
        if not self.boot.reached("standby"):
            return BASE_MODE_CUSTOM_STABILIZE_MANUAL | MAV_MODE_FLAG_GUIDED_ENABLED
        base = BASE_MODE_CUSTOM_STABILIZE_MANUAL
        if self.position_control_active():
            base |= MAV_MODE_FLAG_GUIDED_ENABLED
        if self.armed:
            base |= MAV_MODE_FLAG_SAFETY_ARMED
        return base

    def sensor_bits(self) -> tuple[int, int, int]:
        """SYS_STATUS (present, enabled, health) bitmasks."""
        present, enabled, health = _PRESENT_BASE, _ENABLED_BASE, _HEALTH_BASE
        boot = self.boot
        if boot.reached("battery"):
            present |= _TERRAIN
            enabled |= _TERRAIN
            health |= _TERRAIN | _MAG
            if self.battery.healthy and not self.failsafe.battery_level:
                health |= _BATTERY
        if self.gps.ever_had_fix:
            present |= _GPS
            enabled |= _GPS
            if self.gps.has_fix:
                health |= _GPS
        if boot.reached("ahrs_healthy"):
            enabled |= _AHRS
            health |= _AHRS
        if self.position_control_active():
            enabled |= _Z_CONTROL | _XY_CONTROL
            health |= _Z_CONTROL | _XY_CONTROL
        if self.fence.enabled:
            enabled |= _GEOFENCE
            if self.fence.breached:
                health &= ~_GEOFENCE
        if self.armed or self.now_s - self.last_arming_activity_s < LOGGING_AFTER_ACTIVITY_S:
            enabled |= _LOGGING
        if self.arming.prearm_ok:
            health |= _PREARM
        return present, enabled, health

    def rc_throttle_pwm(self) -> int:
        override = self.rc_throttle_override
        if override is not None and self.now_s - override[1] < 3.0:
            return override[0]
        return 1000

    # --- sending -------------------------------------------------------------------------

    def send_payload(self, name: str, payload: bytes) -> None:
        self.outbox.append(self.framer.frame(spec(name), payload))

    def send_fields(self, name: str, fields: dict[str, Any]) -> None:
        self.send_payload(name, pack_fields(spec(name), fields))

    def send_built(self, name: str) -> bool:
        """Send one message from its telemetry builder; False if it is not available."""
        payload = telemetry.BUILDERS[name](self)
        if payload is None:
            return False
        self.send_payload(name, payload)
        return True

    def send_text(self, severity: int, text: str) -> None:
        if not self.link_active:
            return
        self.send_fields("STATUSTEXT", {"severity": severity, "text": text[:50], "id": 0, "chunk_seq": 0})

    def notify_param(self, name: str, *, param_count: int | None = None) -> None:
        """Unasked PARAM_VALUE (index 65535), as when the firmware changes a parameter."""
        if not self.link_active or name not in self.params:
            return
        self.param_protocol.send_value(name, index=65535, param_count=param_count)

    def send_ack(self, command: int, result: int, target: tuple[int, int]) -> None:
        self.send_fields(
            "COMMAND_ACK",
            {
                "command": command,
                "result": result,
                "progress": 0,
                "result_param2": 0,
                "target_system": target[0],
                "target_component": target[1],
            },
        )

    def send_heartbeat(self) -> None:
        self.send_fields(
            "HEARTBEAT",
            {
                "type": MAV_TYPE_QUADROTOR,
                "autopilot": MAV_AUTOPILOT_ARDUPILOTMEGA,
                "base_mode": self.base_mode(),
                "custom_mode": self.mode,
                "system_status": self.system_status(),
                "mavlink_version": 3,
            },
        )

    def send_home_and_origin(self) -> None:
        self.send_built("GPS_GLOBAL_ORIGIN")
        self.send_built("HOME_POSITION")

    def console(self, text: str) -> None:
        """SITL console text on the MAVLink socket (not MAVLink)."""
        if self.options.console_banner and self.link is not None:
            self.flush()
            self.link.write(text.encode("ascii"))

    def flush(self) -> None:
        if not self.outbox:
            return
        data = b"".join(self.outbox)
        self.outbox.clear()
        if self.link is not None:
            self.link.write(data)

    # --- link events ---------------------------------------------------------------------

    def on_client_connected(self) -> None:
        if self.options.boot_on_connect:
            self.start()

    def start(self) -> None:
        """Start the vehicle clock (boot)."""
        if not self.clock.started:
            self.clock.start()
            self.now_s = 0.0
            self.tick()

    def on_messages(self, messages: list[Any]) -> None:
        if not self.clock.started:
            return
        self.now_s = self.clock.now_s()
        for msg in messages:
            self.link_active = True
            handler = self._handlers.get(msg.get_type())
            if handler is not None:
                handler(msg)
        self.flush()

    def addressed_to_me(self, msg: Any, *, component: bool = True) -> bool:
        target_system = getattr(msg, "target_system", 0)
        if target_system not in (0, self.sysid):
            return False
        if component:
            return getattr(msg, "target_component", 0) in (0, 1)
        return True

    # --- simple handlers -----------------------------------------------------------------

    def _on_heartbeat(self, msg: Any) -> None:
        if msg.get_srcSystem() == self.params.get_int("MAV_GCS_SYSID"):
            self.failsafe.gcs.on_gcs_heartbeat()

    def _on_set_mode(self, msg: Any) -> None:
        if msg.target_system not in (0, self.sysid):  # 0 is broadcast (MAVLink routing)
            return
        if msg.base_mode & 1:
            # SET_MODE is never ACKed by this firmware; the HEARTBEAT is the confirmation.
            self.set_mode(int(msg.custom_mode), reason="gcs")

    def _on_timesync(self, msg: Any) -> None:
        if msg.tc1 == 0:
            self.send_fields("TIMESYNC", {"tc1": self.time_boot_us() * 1000, "ts1": msg.ts1})

    def _on_request_data_stream(self, msg: Any) -> None:
        if self.addressed_to_me(msg):
            self.streams.on_request_data_stream(msg.req_stream_id, msg.req_message_rate, int(msg.start_stop))

    def _on_rc_override(self, msg: Any) -> None:
        if self.addressed_to_me(msg) and msg.chan3_raw not in (0, 65535):
            self.rc_throttle_override = (int(msg.chan3_raw), self.now_s)

    # --- modes ---------------------------------------------------------------------------

    def set_mode(self, custom_mode: int, *, reason: str) -> bool:
        """Change flight mode; texts and refusals as the firmware words them."""
        ok = self.flight.try_set_mode(custom_mode, reason=reason)
        if ok:
            self.send_heartbeat()
        return ok

    # --- parameters ----------------------------------------------------------------------

    def _on_param_changed(self, name: str, value: float) -> None:
        if name == "MAV_SYSID" and 1 <= value <= 255:
            self.framer.set_sysid(int(value))
        elif name in ("FENCE_ENABLE", "FENCE_TYPE", "FENCE_RADIUS", "FENCE_ALT_MAX", "FENCE_ALT_MIN"):
            self.fence.on_param_changed(name, value)

    # --- the tick ------------------------------------------------------------------------

    def tick(self) -> None:
        if not self.clock.started:
            return
        now = self.now_s = self.clock.now_s()
        if not self.boot.finished:
            for event in self.boot.due(now):
                self._boot_event(event)
        if now >= self._next_heartbeat_s:
            self.send_heartbeat()
            self._next_heartbeat_s += 1.0
            if self._next_heartbeat_s <= now:
                self._next_heartbeat_s = now + 1.0
        if now >= self._next_timesync_s:
            self.send_fields("TIMESYNC", {"tc1": 0, "ts1": self.time_boot_us() * 1000})
            self._next_timesync_s += 10.0
        if self._timers:
            self._run_timers(now)
        dt = now - self._last_physics_s
        if dt >= PHYSICS_STEP_S:
            self._last_physics_s = now
            self._physics(min(dt, 1.0))
        if now >= self._next_10hz_s:
            self._next_10hz_s = now + 0.1
            self.failsafe.update()
            self.fence.update()
            self.missions.update()
        if now >= self._next_slow_s:
            scheduled = self._next_slow_s
            self._next_slow_s += 1.0
            self._slow_loop(scheduled)
        self.param_protocol.update()
        self.streams.tick(now)
        self.flush()

    def _physics(self, dt_s: float) -> None:
        # A late tick (a busy machine) is caught up in PHYSICS_STEP_S steps, and the mission is checked
        # after each: a waypoint flown through at corner speed is then left for the next one at once,
        # instead of the vehicle flying on past it (out of its fence) for the rest of the late second.
        remaining = dt_s
        while remaining > 1e-9:
            step = min(PHYSICS_STEP_S, remaining)
            self.flight.step(step)
            self.battery.step(step)
            self.auto.update()
            remaining -= step

    def _run_timers(self, now: float) -> None:
        due = [t for t in self._timers if t[0] <= now]
        if not due:
            return
        self._timers = [t for t in self._timers if t[0] > now]
        for _, callback in sorted(due, key=lambda t: t[0]):
            callback()

    def _slow_loop(self, scheduled_s: float) -> None:
        """The 1 Hz housekeeping; ``scheduled_s`` is its nominal time, free of tick jitter."""
        self.gps.has_fix  # noqa: B018 - latches ever_had_fix
        self.arming.update(scheduled_s)
        self.flight.update_stats(scheduled_s)

    def _boot_event(self, event: BootEvent) -> None:
        kind = event.kind
        if kind is Kind.CONSOLE:
            self.console(event.name)
        elif kind is Kind.TEXT:
            self.send_text(event.severity, event.name)
        elif kind is Kind.PARAM:
            if event.name in self.params:
                self.params.set(event.name, event.value, notify=False)
                self.notify_param(event.name, param_count=event.param_count)
        elif kind is Kind.HEARTBEAT:
            self.send_heartbeat()
        elif kind is Kind.MILESTONE:
            self._milestone(event.name)
            self.arming.refresh()

    def _milestone(self, name: str) -> None:
        if name == "ready":
            self.streams.on_ready()
            if self.mode != Mode.STABILIZE:
                # init_ardupilot sets INITIAL_MODE just before "ArduPilot Ready": a mode set in
                # the first ~2 s (SITL accepts GUIDED at 0.15 s) does not survive the boot
                self.flight.apply_mode(int(Mode.STABILIZE), reason="initialised")
        elif name == "standby":
            self._next_heartbeat_s = self.boot.profile.first_regular_heartbeat_s
        elif name == "origin":
            self.home = HomeLocation(self.origin_lat_deg, self.origin_lon_deg, self.origin_alt_amsl_m)
            self.send_home_and_origin()
            self.send_text(6, "EKF3 IMU0 origin set")
            self.missions.on_home_set()
        elif name == "ekf_gps":
            self.failsafe.ekf.on_boot_gps()

    # --- home ----------------------------------------------------------------------------

    def set_home(self, lat_deg: float, lon_deg: float, alt_amsl_m: float) -> None:
        self.home = HomeLocation(lat_deg, lon_deg, alt_amsl_m)
        self.send_home_and_origin()
        self.missions.on_home_set()

    def set_home_to_current(self) -> None:
        lat, lon = self.position_latlon()
        self.set_home(lat, lon, self.altitude_amsl_m())
