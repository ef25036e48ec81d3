"""One MAVLink link to one vehicle: parse, dispatch, wait for replies, keep the GCS heartbeat, watch the link.

Everything runs on the caller's asyncio loop; the transport delivers bytes,
pymavlink's parser (robust mode: garbage and truncated frames become
``BAD_DATA`` and are counted, never raised; frames of messages nothing reads are
split off undecoded, ``drones.mavlink.parsing``) turns them into messages, and a
dict from message type to handlers updates the telemetry state.

Failsafes: ``FailsafeNamer`` turns the CRITICAL heartbeat and the STATUSTEXT that
names the failsafe (sent after it) into one ``failsafe`` event.

Link loss: no vehicle HEARTBEAT for ``heartbeat_timeout_s`` (default 3 s)
marks the link lost, emits an event and fails every pending wait with
``LinkLost``; the next heartbeat restores it. A closed connection ends the
link for good (the bridge reconnects with back-off).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

from pymavlink.dialects.v20 import ardupilotmega as mavlink

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
    other_gcs_event,
    reached_event,
    statustext_event,
    statustext_text,
)
from drones.mavlink.modes import mode_name
from drones.mavlink.parsing import SelectiveMAVLink
from drones.mavlink.telemetry import TelemetryState
from drones.mavlink.transport import Transport, make_transport
from drones.vehicle import LinkLost, Telemetry, VehicleEvent

log = logging.getLogger(__name__)

GCS_SYSTEM_ID = 255
GCS_COMPONENT_ID = 190  # MAV_COMP_ID_MISSIONPLANNER, as ground stations use


class MavlinkLink:
    """The link to one vehicle. Create, ``await open()``, then send and wait; ``close()`` when done."""

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
        self.mav = SelectiveMAVLink(None, srcSystem=GCS_SYSTEM_ID, srcComponent=GCS_COMPONENT_ID)
        self.mav.robust_parsing = True
        self.state = TelemetryState()
        self.statustexts = StatusTexts()
        self.failsafes = FailsafeNamer(self.emit, lambda: self.state.mode)
        self.messages_received = 0
        self.bad_bytes = 0
        self.bytes_received = 0  # anything at all: 0 after a TCP connect = the port serves someone else
        self.opened = False  # the transport connected (a TCP connect was accepted)
        self.other_gcs: dict[tuple[int, int], float] = {}  # (sysid, compid) -> monotonic time last heard
        self.close_reason = ""
        self._transport: Transport | None = None
        self._waiters = MessageWaiters()
        self._listeners: dict[str, list[Callable]] = {}
        self._updates: Broadcast[Telemetry] = Broadcast()
        self._events: Broadcast[VehicleEvent] = Broadcast()
        self._tasks: list[asyncio.Task] = []
        self._closed = asyncio.Event()
        self._lost_at: float | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def open(self, timeout_s: float = 10.0) -> None:
        """Connect the transport and start the GCS heartbeat and the link watchdog."""
        self._transport = make_transport(self.connection, self._on_data, self._on_close)
        await self._transport.open(timeout_s)
        self.opened = True
        self.send_heartbeat()  # ArduPilot sends STATUSTEXT only to a link that has heard from a GCS
        self._tasks = [
            asyncio.create_task(self._heartbeat_loop(), name=f"gcs-heartbeat {self.connection}"),
            asyncio.create_task(self._watchdog_loop(), name=f"link-watchdog {self.connection}"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down whatever state they are in
                pass
        self._tasks = []
        if self._transport is not None:
            self._transport.close()
        self._on_close("closed by the ground station")

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> str:
        await self._closed.wait()
        return self.close_reason

    # --- sending -----------------------------------------------------------------------------

    def send(self, msg) -> None:
        if self._transport is None or self._transport.closed:
            raise LinkLost(f"link to {self.connection} is closed: {self.close_reason or 'not open'}")
        self._transport.write(msg.pack(self.mav))

    def send_heartbeat(self) -> None:
        if self._transport is not None and not self._transport.closed:
            self._transport.write(
                self.mav.heartbeat_encode(
                    mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, mavlink.MAV_STATE_ACTIVE
                ).pack(self.mav)
            )

    # --- receiving ---------------------------------------------------------------------------

    def _on_data(self, data: bytes) -> None:
        self.bytes_received += len(data)
        try:
            messages = self.mav.parse_buffer(data) or []
        except mavlink.MAVError:  # robust parsing makes this rare; a broken frame must not end the link
            self.bad_bytes += len(data)
            return
        for msg in messages:
            self._dispatch(msg)

    def _dispatch(self, msg) -> None:
        kind = msg.get_type()
        if kind == "UNREAD":
            return
        if kind == "BAD_DATA":
            self.bad_bytes += len(msg.get_msgbuf())
            return
        if kind == "HEARTBEAT" and msg.type == mavlink.MAV_TYPE_GCS:
            # Another ground station: on a shared link, or forwarded by ArduPilot from its other ports.
            key = (msg.get_srcSystem(), msg.get_srcComponent())
            if key not in self.other_gcs:
                self.emit(other_gcs_event(*key))
            self.other_gcs[key] = time.monotonic()
            return
        if msg.get_srcSystem() != self.target_system:
            return  # another vehicle on a shared link
        if kind == "HEARTBEAT" and (
            msg.get_srcComponent() != self.target_component or msg.autopilot == mavlink.MAV_AUTOPILOT_INVALID
        ):
            return  # a camera or gimbal on the vehicle; only the autopilot's heartbeat counts
        self.messages_received += 1
        state = self.state
        if kind == "HEARTBEAT":
            self._heartbeat_events(msg)
        if state.apply(msg) and self._updates.active:
            self._updates.publish(state.snapshot())
        if kind == "STATUSTEXT":
            self._statustext(msg)
        elif kind == "MISSION_ITEM_REACHED":
            self.emit(reached_event(int(msg.seq)))
        self._waiters.resolve(kind, msg)
        for listener in self._listeners.get(kind, ()):
            listener(msg)

    def _heartbeat_events(self, msg) -> None:
        state = self.state
        if self._lost_at is not None:
            lost_for = time.monotonic() - self._lost_at
            self._lost_at = None
            self.emit(link_restored_event(lost_for))
        if state.custom_mode is not None and msg.custom_mode != state.custom_mode:
            self.emit(mode_event(state.mode, mode_name(msg.custom_mode)))
        armed = bool(msg.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED)
        if state.custom_mode is not None and armed != state.armed:
            self.emit(armed_event(armed))
        # The failsafe is named by its STATUSTEXT, which real ArduCopter sends after this heartbeat.
        self.failsafes.on_state(msg.system_status == mavlink.MAV_STATE_CRITICAL, mode_name(msg.custom_mode))

    def _statustext(self, msg) -> None:
        text = statustext_text(msg.text)
        self.statustexts.add(int(msg.severity), text)
        self.emit(statustext_event(text, int(msg.severity)))
        self.failsafes.on_text(text)

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

    # --- waiting -----------------------------------------------------------------------------

    async def wait_for(self, types: str | tuple[str, ...], predicate: Callable | None = None, *, timeout_s: float):
        """The next message of one of ``types`` matching ``predicate``; TimeoutError or LinkLost otherwise.

        Register the wait *before* sending the request it answers (use ``expect``)
        when the reply can come back within the same loop iteration.
        """
        waiter = self.expect(types, predicate)
        return await self.wait_expected(waiter, timeout_s=timeout_s)

    def expect(self, types: str | tuple[str, ...], predicate: Callable | None = None) -> Waiter:
        if self.closed:
            raise LinkLost(f"link to {self.connection} is closed: {self.close_reason}")
        if self._lost_at is not None:  # no reply can come now: fail at once, as pending waits did
            silent = time.monotonic() - self.state.last_heartbeat
            raise LinkLost(f"no heartbeat from the vehicle for {silent:.1f} s")
        return self._waiters.expect(types, predicate)

    async def wait_expected(self, waiter: Waiter, *, timeout_s: float):
        return await self._waiters.wait(waiter, timeout_s=timeout_s)

    def add_listener(self, kind: str, callback: Callable) -> None:
        self._listeners.setdefault(kind, []).append(callback)

    def texts_since(self, since_monotonic: float, max_severity: int = 4) -> list[str]:
        """STATUSTEXTs at or above a severity (lower number = more severe) since a moment."""
        return self.statustexts.since(since_monotonic, max_severity)

    # --- subscriptions -----------------------------------------------------------------------

    def emit(self, event: VehicleEvent) -> None:
        if event.kind == "link_lost" and self._lost_at is None:
            self._lost_at = time.monotonic()
        self._events.publish(event)

    def updates(self) -> AsyncIterator[Telemetry]:
        return self._updates.subscribe()

    def events(self) -> AsyncIterator[VehicleEvent]:
        return self._events.subscribe()

    # --- background tasks --------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.gcs_heartbeat_period_s)
            self.send_heartbeat()

    async def _watchdog_loop(self) -> None:
        period = min(0.25, self.heartbeat_timeout_s / 4)
        while True:
            await asyncio.sleep(period)
            state = self.state
            if state.link_ok and time.monotonic() - state.last_heartbeat > self.heartbeat_timeout_s:
                state.link_ok = False
                silent = time.monotonic() - state.last_heartbeat
                self.emit(link_lost_event(f"No heartbeat for {silent:.1f} s"))
                self._waiters.fail_all(LinkLost(f"no heartbeat from the vehicle for {silent:.1f} s"))
                if self._updates.active:
                    self._updates.publish(state.snapshot())
