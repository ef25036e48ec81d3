"""``DronekitVehicle``: the ``drones.vehicle.Vehicle`` interface on dronekit 2.9.2.

dronekit runs its own two threads per connection (reader and writer) and calls
listeners from its reader thread. ``DronekitLink`` bridges that into one asyncio
loop: every callback only hands its value to the loop with
``loop.call_soon_threadsafe``; all state lives on the loop. Blocking dronekit calls
(opening the connection, closing it) run in a thread.

What comes from dronekit:

* the connection and its threads, the 1 Hz GCS heartbeat, the parameter table
  (``vehicle.parameters``, downloaded at connect) and ``simple_goto``;
* telemetry from attribute listeners: ``mode``, ``armed``, ``system_status``,
  ``location.global_relative_frame`` / ``location.global_frame``, ``heading``,
  ``groundspeed``, ``velocity``, ``battery``, ``gps_0``, ``ekf_ok``,
  ``home_location``, and ``last_heartbeat`` for ``link_ok``.

What is shared with ``MavlinkVehicle`` (``drones.mavlink.commands`` and
``drones.mavlink.mission``, run over dronekit's ``add_message_listener`` and
``send_mavlink``/``message_factory``): commands with their COMMAND_ACK and
``Arm: ...`` reasons, parameter reads and writes, the mission, fence and rally
protocols, and MISSION_CURRENT / EXTENDED_SYS_STATE / RELAY_STATUS decoding. So the
errors are the same types with the same meaning on both backends.

dronekit quirks this accounts for (README scenario 08): its ``wait_ready`` returns
before home and GPS exist, so readiness is this project's own check; ``simple_goto``
is a MISSION_ITEM with current=2, answered by MISSION_ACK (not COMMAND_ACK); the
vehicle addresses ACKs to dronekit's 255/0; dronekit aborts the connection after 30 s
without heartbeat, so its ``initialize`` is not used and link loss is judged here
within ``heartbeat_timeout_s`` (3 s), with the link restored on the next heartbeat.
Telemetry attributes are not filtered by system id (dronekit keeps one vehicle per
connection); the MAVLink exchanges are.

Positions: WGS-84 degrees; ``alt_rel_m`` above home, ``alt_msl_m`` above mean sea
level. ``simple_goto`` sends latitude/longitude as float32 (MISSION_ITEM), which
rounds them to about 1e-5 degrees (under 1 m).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from drones import compat
from drones.mavlink.commands import MavlinkCommands
from drones.mavlink.messaging import (
    Broadcast,
    FailsafeNamer,
    MessageWaiters,
    StatusTexts,
    Waiter,
    armed_event,
    link_lost_event,
    link_restored_event,
    mode_event,
    reached_event,
    statustext_event,
    statustext_text,
)
from drones.mavlink.mission import result_name as mission_result_name
from drones.mavlink.modes import MODE_NUMBERS, mode_name
from drones.mavlink.telemetry import MAV_STATE_NAMES, TelemetryState
from drones.mavlink.transport import parse_connection
from drones.vehicle import CommandRejected, CommandTimeout, LinkLost, Telemetry, VehicleEvent

log = logging.getLogger(__name__)

T = TypeVar("T")

GCS_SYSTEM_ID = 255
GCS_COMPONENT_ID = 0  # dronekit's default; ArduCopter addresses its ACKs to 255/0
MAV_STATE_NUMBERS = {name: number for number, name in MAV_STATE_NAMES.items()}
# Decoded by drones.mavlink.telemetry (dronekit has no attribute for them).
STATE_MESSAGES = frozenset({"MISSION_CURRENT", "EXTENDED_SYS_STATE", "RELAY_STATUS", "SERVO_OUTPUT_RAW"})
TELEMETRY_ATTRIBUTES = (
    "mode",
    "armed",
    "system_status",
    "location.global_relative_frame",
    "location.global_frame",
    "heading",
    "groundspeed",
    "velocity",
    "battery",
    "gps_0",
    "ekf_ok",
    "home_location",
)


async def _in_daemon_thread(fn: Callable[[], T], discard: Callable[[T], None]) -> T:
    """Run a blocking call in a daemon thread; ``discard`` a result that comes after the caller gave up.

    Used for opening the connection: pymavlink's TCP connect has no timeout and retries,
    so an unreachable host can block for minutes. Abandoned on timeout, a daemon thread
    cannot hold up the event loop's shutdown (``asyncio.to_thread`` workers would).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(ok: bool, value: Any) -> None:
        if future.done():
            if ok:
                discard(value)
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def run() -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            ok, value = False, exc
        else:
            ok, value = True, result
        if not loop.is_closed():
            try:
                loop.call_soon_threadsafe(deliver, ok, value)
            except RuntimeError:  # the loop closed meanwhile; nobody is waiting
                pass

    threading.Thread(target=run, name="dronekit-connect", daemon=True).start()
    return await future


class DronekitLink:
    """dronekit's ``MAVConnection`` and ``Vehicle`` as a ``drones.mavlink.messaging.MessageLink``."""

    def __init__(
        self,
        connection: str,
        *,
        target_system: int = 1,
        target_component: int = 1,
        heartbeat_timeout_s: float = 3.0,
        gcs_heartbeat_period_s: float = 1.0,
    ) -> None:
        self.connection = connection
        self.target_system = target_system
        self.target_component = target_component
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.gcs_heartbeat_period_s = gcs_heartbeat_period_s
        self.state = TelemetryState()
        self.statustexts = StatusTexts()
        self.failsafes = FailsafeNamer(self.emit, lambda: self.state.mode)
        self.messages_received = 0
        self.close_reason = ""
        self.handler: Any = None  # dronekit.mavlink.MAVConnection
        self.vehicle: Any = None  # dronekit.Vehicle
        self.heartbeat_seen = asyncio.Event()
        self.params_loaded = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters = MessageWaiters()
        self._listeners: dict[str, list[Callable[[Any], None]]] = {}
        self._updates: Broadcast[Telemetry] = Broadcast()
        self._events: Broadcast[VehicleEvent] = Broadcast()
        self._closed = asyncio.Event()
        self._lost_at: float | None = None
        self._known: set[str] = set()  # attributes reported at least once
        self._detached = False  # set at close: callbacks from dronekit's thread are dropped
        self._thread_link_ok: bool | None = None  # touched by dronekit's reader thread only
        self._tasks: list[asyncio.Task] = []

    # --- lifecycle ---------------------------------------------------------------------------

    async def open(self, timeout_s: float = 10.0) -> None:
        """Open dronekit's connection and start its threads; the GCS heartbeat starts at once."""
        self._loop = asyncio.get_running_loop()
        endpoint = parse_connection(self.connection)  # LinkLost on a bad connection string
        device = str(endpoint)

        def make_connection() -> Any:
            return compat.MAVConnection(device, source_system=GCS_SYSTEM_ID, source_component=GCS_COMPONENT_ID)

        try:
            handler = await asyncio.wait_for(
                _in_daemon_thread(make_connection, discard=lambda late: late.master.close()),  # threads not started
                timeout_s,
            )
        except TimeoutError:
            raise LinkLost(f"cannot connect to {endpoint}: no answer within {timeout_s:g} s") from None
        except OSError as exc:
            raise LinkLost(f"cannot connect to {endpoint}: {exc.strerror or exc}") from None
        handler.target_system = self.target_system  # dronekit writes it into every message it sends
        self.handler = handler
        self.vehicle = compat.Vehicle(handler)
        self.vehicle.add_message_listener("*", self._message_from_thread)
        for name in TELEMETRY_ATTRIBUTES:
            self.vehicle.add_attribute_listener(name, self._attribute_from_thread)
        self.vehicle.add_attribute_listener("last_heartbeat", self._last_heartbeat_from_thread)
        self.vehicle.add_attribute_listener("parameters", self._parameters_from_thread)
        compat.end_link_on_eof(handler, lambda reason: self._to_loop(self._on_close, reason))
        if self.gcs_heartbeat_period_s < 1.0:
            handler.forward_loop(self._more_heartbeats(self.vehicle))
        handler.start()
        self._tasks = [asyncio.create_task(self._watch_reader(), name=f"dronekit-watch {self.connection}")]

    def _more_heartbeats(self, vehicle: Any) -> Callable[[Any], None]:
        """A loop listener (dronekit's reader thread, ~20 Hz) adding GCS heartbeats between dronekit's
        own, which it sends once a second whatever the setting."""
        period_s = self.gcs_heartbeat_period_s
        last = [0.0]

        def beat(_handler: Any) -> None:
            if time.monotonic() - last[0] >= period_s:
                last[0] = time.monotonic()
                vehicle._master.mav.heartbeat_send(mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 0)

        return beat

    async def close(self) -> None:
        self._detached = True
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        handler = self.handler
        if handler is not None:
            self.handler = None
            if handler.mavlink_thread_out is not None and handler.mavlink_thread_out.is_alive():
                await asyncio.to_thread(handler.close)  # ends and joins dronekit's threads, closes the socket
            else:
                handler._alive = False
                handler.master.close()
        self._on_close("closed by the ground station")

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> str:
        await self._closed.wait()
        return self.close_reason

    async def _watch_reader(self) -> None:
        """End the link if dronekit's reader thread dies (its errors end the thread silently)."""
        while True:
            await asyncio.sleep(0.25)
            handler = self.handler
            thread = handler.mavlink_thread_in if handler is not None else None
            if thread is not None and not thread.is_alive():
                await asyncio.sleep(0)  # a reason queued by the thread before it ended comes first
                error = getattr(handler, "_death_error", None)
                self._on_close(f"dronekit's connection ended: {error or 'reader stopped'}")
                return

    def _on_close(self, reason: str) -> None:
        if self._closed.is_set():
            return
        self.close_reason = reason
        self.state.link_ok = False
        self.failsafes.close()
        self._closed.set()
        self._waiters.fail_all(LinkLost(f"link to {self.connection} closed: {reason}"))
        self.emit(link_lost_event(f"Connection closed: {reason}"))
        self._updates.end()
        self._events.end()

    # --- from dronekit's reader thread -------------------------------------------------------

    def _to_loop(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if self._detached or loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed between the check and the call
            pass

    def _message_from_thread(self, _vehicle: Any, name: str, msg: Any) -> None:
        if msg.get_srcSystem() != self.target_system:
            return  # another vehicle or ground station on a shared link
        if name == "HEARTBEAT" and (
            msg.get_srcComponent() != self.target_component or msg.autopilot == mavlink.MAV_AUTOPILOT_INVALID
        ):
            return  # a camera or gimbal on the vehicle; only the autopilot's heartbeat counts
        self._to_loop(self._on_message, name, msg)

    def _attribute_from_thread(self, _vehicle: Any, name: str, value: Any) -> None:
        self._to_loop(self._on_attribute, name, value)

    def _last_heartbeat_from_thread(self, _vehicle: Any, _name: str, age_s: float | None) -> None:
        # dronekit reports the heartbeat age on every pass of its reader loop (~20 Hz); only changes cross over.
        ok = age_s is not None and age_s <= self.heartbeat_timeout_s
        if ok != self._thread_link_ok:
            self._thread_link_ok = ok
            self._to_loop(self._on_link_ok, ok, age_s or 0.0)

    def _parameters_from_thread(self, _vehicle: Any, _name: str, _value: Any) -> None:
        self._to_loop(self.params_loaded.set)

    # --- on the loop -------------------------------------------------------------------------

    def _on_message(self, name: str, msg: Any) -> None:
        if self.closed:
            return
        self.messages_received += 1
        if name == "HEARTBEAT":
            self.state.last_heartbeat = time.monotonic()
        elif name == "STATUSTEXT":
            text = statustext_text(msg.text)
            self.statustexts.add(int(msg.severity), text)
            self.emit(statustext_event(text, int(msg.severity)))
            self.failsafes.on_text(text)
        elif name == "MISSION_ITEM_REACHED":
            self.emit(reached_event(int(msg.seq)))
        elif name in STATE_MESSAGES and self.state.apply(msg):
            self._publish_update()
        self._waiters.resolve(name, msg)
        for listener in self._listeners.get(name, ()):
            listener(msg)

    def _on_attribute(self, name: str, value: Any) -> None:
        if self.closed or value is None:
            return
        state = self.state
        known = name in self._known
        self._known.add(name)
        if name == "mode":
            number = MODE_NUMBERS.get(value.name)
            if number is None:
                log.debug("dronekit reports a mode this project does not know: %s", value.name)
                return
            if known and state.custom_mode is not None and number != state.custom_mode:
                self.emit(mode_event(state.mode, mode_name(number)))
            state.custom_mode = number
            self.failsafes.on_state(state.system_status == mavlink.MAV_STATE_CRITICAL, state.mode)
        elif name == "armed":
            if known and bool(value) != state.armed:
                self.emit(armed_event(bool(value)))
            state.armed = bool(value)
        elif name == "system_status":
            number = MAV_STATE_NUMBERS.get(value.state, 0)
            state.system_status = number
            # Named by the STATUSTEXT, which real ArduCopter sends after the CRITICAL heartbeat.
            self.failsafes.on_state(number == mavlink.MAV_STATE_CRITICAL, state.mode)
        elif name == "location.global_relative_frame":
            if value.lat is None or value.lon is None or (value.lat == 0 and value.lon == 0):
                return  # no position yet
            state.accept(lat=value.lat, lon=value.lon)
            if value.alt is not None:
                state.accept(alt_rel_m=value.alt)
        elif name == "location.global_frame":
            if state.lat is None or value.alt is None:
                return
            state.accept(alt_msl_m=value.alt)
        elif name == "heading":
            state.accept(heading_deg=value)
        elif name == "groundspeed":
            state.accept(groundspeed_mps=value)
        elif name == "velocity":
            if value[2] is not None:
                state.accept(climb_mps=-value[2])  # NED: down is positive
        elif name == "battery":
            # 0 and UINT16_MAX mV mean "not measured"; anything else (NaN too) is checked and may be dropped.
            if value.voltage is not None and not (value.voltage == 0 or value.voltage >= 65.535):
                state.accept(battery_v=value.voltage)
            if value.level is not None and value.level != -1:  # -1: not estimated
                state.accept(battery_pct=value.level)
        elif name == "gps_0":
            state.gps_fix = int(value.fix_type or 0)
            satellites = value.satellites_visible
            state.satellites = None if satellites in (None, 255) else int(satellites)
        elif name == "ekf_ok":
            state.ekf_ok = bool(value)
        elif name == "home_location":
            state.accept(home_lat=value.lat, home_lon=value.lon, home_alt_msl_m=value.alt)
        state.updated = time.time()
        self._publish_update()

    def _on_link_ok(self, ok: bool, age_s: float) -> None:
        if self.closed:
            return
        state = self.state
        if ok:
            state.link_ok = True
            self.heartbeat_seen.set()  # after dronekit has applied that heartbeat (mode, armed)
            if self._lost_at is not None:
                lost_for = time.monotonic() - self._lost_at
                self._lost_at = None
                self.emit(link_restored_event(lost_for))
        elif state.link_ok:
            state.link_ok = False
            self.emit(link_lost_event(f"No heartbeat for {age_s:.1f} s"))
            self._waiters.fail_all(LinkLost(f"no heartbeat from the vehicle for {age_s:.1f} s"))
        self._publish_update()

    def _publish_update(self) -> None:
        if self._updates.active:
            self._updates.publish(self.state.snapshot())

    # --- MessageLink -------------------------------------------------------------------------

    @property
    def mav(self) -> Any:
        return self.vehicle.message_factory

    def send(self, msg: Any) -> None:
        if self.vehicle is None or self.closed:
            raise LinkLost(f"link to {self.connection} is closed: {self.close_reason or 'not open'}")
        self.vehicle.send_mavlink(msg)  # queued for dronekit's writer thread

    def expect(self, types: str | tuple[str, ...], predicate: Callable[[Any], bool] | None = None) -> Waiter:
        if self.closed:
            raise LinkLost(f"link to {self.connection} is closed: {self.close_reason}")
        if self._lost_at is not None:  # no reply can come now: fail at once, as pending waits did
            silent = time.monotonic() - self.state.last_heartbeat
            raise LinkLost(f"no heartbeat from the vehicle for {silent:.1f} s")
        return self._waiters.expect(types, predicate)

    async def wait_expected(self, waiter: Waiter, *, timeout_s: float) -> Any:
        return await self._waiters.wait(waiter, timeout_s=timeout_s)

    async def wait_for(
        self, types: str | tuple[str, ...], predicate: Callable[[Any], bool] | None = None, *, timeout_s: float
    ) -> Any:
        return await self.wait_expected(self.expect(types, predicate), timeout_s=timeout_s)

    def texts_since(self, since_monotonic: float, max_severity: int = 4) -> list[str]:
        return self.statustexts.since(since_monotonic, max_severity)

    def add_listener(self, kind: str, callback: Callable[[Any], None]) -> None:
        """Call ``callback(msg)`` on the loop for every message of type ``kind`` (as ``MavlinkLink.add_listener``)."""
        self._listeners.setdefault(kind, []).append(callback)

    # --- dronekit's own API ------------------------------------------------------------------

    def cached_param(self, name: str) -> float | None:
        """The value from dronekit's parameter table, kept current by every PARAM_VALUE the vehicle sends."""
        if self.vehicle is None or name != name.upper():  # dronekit upper-cases names; ArduPilot's are upper case
            return None
        value = self.vehicle.parameters.get(name, wait_ready=False)
        return None if value is None else float(value)

    def params_received(self) -> int:
        return 0 if self.vehicle is None else len(self.vehicle.parameters)

    def simple_goto(self, lat: float, lon: float, alt_rel_m: float) -> None:
        if self.vehicle is None or self.closed:
            raise LinkLost(f"link to {self.connection} is closed: {self.close_reason or 'not open'}")
        self.vehicle.simple_goto(compat.LocationGlobalRelative(lat, lon, alt_rel_m))

    # --- subscriptions -----------------------------------------------------------------------

    def emit(self, event: VehicleEvent) -> None:
        if event.kind == "link_lost" and self._lost_at is None:
            self._lost_at = time.monotonic()
        self._events.publish(event)

    def updates(self) -> AsyncIterator[Telemetry]:
        return self._updates.subscribe()

    def events(self) -> AsyncIterator[VehicleEvent]:
        return self._events.subscribe()


class DronekitVehicle(MavlinkCommands):
    """One ArduCopter through dronekit 2.9.2. Safe to use from one asyncio loop."""

    def __init__(
        self,
        connection: str,
        *,
        system_id: int = 1,
        component_id: int = 1,
        stream_rate_hz: int = 4,
        heartbeat_timeout_s: float = 3.0,
        gcs_heartbeat_period_s: float = 1.0,
        command_timeout_s: float = 1.5,
        command_retries: int = 3,
        download_params: bool = True,
        params_timeout_s: float = 60.0,
    ) -> None:
        self.link = DronekitLink(
            connection,
            target_system=system_id,
            target_component=component_id,
            heartbeat_timeout_s=heartbeat_timeout_s,
            gcs_heartbeat_period_s=gcs_heartbeat_period_s,
        )
        self.stream_rate_hz = stream_rate_hz
        self.command_timeout_s = command_timeout_s
        self.command_retries = command_retries
        self.download_params = download_params
        self.params_timeout_s = params_timeout_s

    # --- connection --------------------------------------------------------------------------

    async def connect(self, timeout_s: float = 30.0) -> None:
        """Open the link, wait for the first HEARTBEAT, request streams, download the parameter table.

        The parameter download (dronekit's ``vehicle.parameters``) has its own limit,
        ``params_timeout_s``; ``download_params=False`` skips it (reads then go to the vehicle).
        """
        link = self.link
        started = time.monotonic()
        await link.open(timeout_s=min(timeout_s, 10.0))
        try:
            remaining_s = max(0.1, timeout_s - (time.monotonic() - started))
            if not await self._wait_event(link.heartbeat_seen, remaining_s):
                raise LinkLost(
                    f"no heartbeat from system {link.target_system} on {link.connection} within {timeout_s:g} s"
                )
            self.request_streams()
            if self.download_params:
                link.send(link.mav.param_request_list_encode(link.target_system, link.target_component))
                if not await self._wait_event(link.params_loaded, self.params_timeout_s):
                    raise CommandTimeout(
                        f"parameter download through dronekit ({link.params_received()} values received)",
                        self.params_timeout_s,
                    )
        except BaseException:
            await link.close()  # a failed connect leaves no dronekit thread behind
            raise

    async def _wait_event(self, event: asyncio.Event, timeout_s: float) -> bool:
        """True once ``event`` is set; False on timeout; LinkLost if the link closes first."""
        link = self.link
        waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(link.wait_closed())]
        try:
            done, _pending = await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        if event.is_set():
            return True
        if link.closed:
            raise LinkLost(f"link to {link.connection} closed while connecting: {link.close_reason}")
        return False

    def updates(self) -> AsyncIterator[Telemetry]:
        return self.link.updates()

    def events(self) -> AsyncIterator[VehicleEvent]:
        return self.link.events()

    async def close(self) -> None:
        await self.link.close()

    # --- where dronekit has its own way ------------------------------------------------------

    async def goto(self, lat: float, lon: float, alt_rel_m: float) -> None:
        """Fly to a position in GUIDED with dronekit's ``simple_goto`` (switching to GUIDED first).

        ``simple_goto`` is a MISSION_ITEM with current=2; ArduCopter answers it with a
        MISSION_ACK, so a refusal is ``CommandRejected`` with the MAV_MISSION_RESULT name.
        """
        if self.link.state.mode != "GUIDED":
            await self.set_mode("GUIDED")
        link = self.link
        what = "GUIDED goto (MISSION_ITEM current=2)"
        started = time.monotonic()
        for _attempt in range(self.command_retries):
            waiter = link.expect("MISSION_ACK", lambda m: getattr(m, "mission_type", 0) == 0)
            link.simple_goto(lat, lon, alt_rel_m)
            try:
                ack = await link.wait_expected(waiter, timeout_s=self.command_timeout_s)
            except TimeoutError:
                continue
            if ack.type == mavlink.MAV_MISSION_ACCEPTED:
                return
            await asyncio.sleep(0.1)  # reasons, if any, come with the ACK
            raise CommandRejected(what, mission_result_name(ack.type), link.texts_since(started - 0.05))
        raise CommandTimeout(what, self.command_timeout_s * self.command_retries)

    async def get_param(self, name: str, timeout_s: float = 2.0) -> float:
        """From dronekit's parameter table when it has ``name``, else read from the vehicle."""
        cached = self.link.cached_param(name)
        if cached is not None:
            return cached
        return await super().get_param(name, timeout_s)
